"""The admin shows Keep up to date: who keeps a playlist up to date (a column and a filter),
the follows with why the schedule started nothing, and which jobs the schedule started."""

from __future__ import annotations

import pytest

from indexing.models import IndexJob
from playlists.models import Playlist, PlaylistFollow

pytestmark = pytest.mark.django_db


@pytest.fixture
def followed(user):
    playlist = Playlist.objects.create(youtube_id="PLfollowed0000000", title="Followed mix")
    Playlist.objects.create(youtube_id="PLnotfollowed0000", title="Quiet mix")
    PlaylistFollow.objects.create(
        user=user, playlist=playlist, last_error=PlaylistFollow.GRANT_PAUSED
    )
    return playlist


def test_the_playlists_list_counts_followers_and_filters_on_them(staff_client, followed):
    page = staff_client.get("/admin/playlists/playlist/").content.decode()
    assert "kept up to date by" in page.lower()
    yes = staff_client.get("/admin/playlists/playlist/?kept_up_to_date=yes").content.decode()
    assert "Followed mix" in yes and "Quiet mix" not in yes
    no = staff_client.get("/admin/playlists/playlist/?kept_up_to_date=no").content.decode()
    assert "Quiet mix" in no and "Followed mix" not in no
    ordered = staff_client.get("/admin/playlists/playlist/?o=-6")
    assert ordered.status_code == 200


def test_the_follows_list_says_why_the_schedule_started_nothing(staff_client, followed):
    page = staff_client.get("/admin/playlists/playlistfollow/").content.decode()
    assert "Followed mix" in page and "alice" in page
    assert "Sign in with Google again" in page
    empty = staff_client.get("/admin/playlists/playlistfollow/?last_error__isempty=1")
    assert "Followed mix" not in empty.content.decode()


def test_the_jobs_list_shows_and_filters_who_started_a_job(staff_client, followed, user):
    IndexJob.objects.create(user=user, playlist=followed, status="done", started_by="schedule")
    quiet = Playlist.objects.get(title="Quiet mix")
    IndexJob.objects.create(user=user, playlist=quiet, status="done")
    page = staff_client.get("/admin/indexing/indexjob/?started_by__exact=schedule").content
    page = page.decode()
    assert "Schedule (keep up to date)" in page
    assert "Followed mix" in page and "Quiet mix" not in page
