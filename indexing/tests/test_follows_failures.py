"""Keep up to date when something is wrong: a revoked Google grant or a playlist deleted on
YouTube fails that one job with its reason (seen on the playlists page and in the API), the
other followed playlists are indexed all the same, and a revoked grant pauses its follows until
the person signs in again instead of failing a job every day."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
import requests
from django.test import Client
from rest_framework.test import APIClient

from indexing.follows import follows_refresh
from indexing.models import IndexJob
from indexing.tasks import refresh_followed_playlists
from indexing.tests.support import ALICE, BOB, playlist_of, run_job, sign_in
from playlists.models import GoogleAccount, Playlist, PlaylistFollow
from playlists.services import playlist_follow_set

pytestmark = pytest.mark.django_db(transaction=True)

REVOKED = "Google access was revoked or expired: sign in again"


def browser_of(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def follow(user, yt, email: str, size: int) -> Playlist:
    browser_of(user).get("/playlists/")  # her playlists, stored as hers
    playlist = Playlist.objects.get(youtube_id=playlist_of(yt, email, size=size).id)
    playlist_follow_set(user=user, playlist=playlist, keep_up_to_date=True)
    return playlist


def api_row(user, playlist: Playlist) -> dict:
    api = APIClient()
    api.force_authenticate(user)
    return api.get(f"/api/playlists/{playlist.api_id}/").json()


def test_a_revoked_grant_fails_its_job_pauses_its_follow_and_the_others_go_on(
    alice, bob, yt, settings, django_capture_on_commit_callbacks
):
    hers, his = follow(alice, yt, ALICE, 5), follow(bob, yt, BOB, 5)
    # Alice revokes TubeIndex's access in her Google account (the token is still unexpired).
    account = GoogleAccount.objects.get(user=alice)
    answer = requests.post(
        f"{yt.base_url}/revoke", data={"token": account.refresh_token}, timeout=10
    )
    assert answer.status_code == 200

    assert refresh_followed_playlists.apply().get() == {"started": 2}
    jobs = {job.user: job for job in IndexJob.objects.all()}
    failed = run_job(jobs[alice], django_capture_on_commit_callbacks)
    done = run_job(jobs[bob], django_capture_on_commit_callbacks)
    assert (failed.status, failed.message) == (IndexJob.Status.FAILED, REVOKED)
    assert done.status == IndexJob.Status.DONE and done.indexed > 0
    account.refresh_from_db()
    assert account.revoked_at is not None  # Google refused the refresh: the grant is gone
    row = api_row(alice, hers)
    assert (row["last_job_status"], row["last_job_message"]) == ("failed", REVOKED)

    # A day later: no new job for her (it would fail again), his playlist goes on.
    later = max(failed.finished_at, done.finished_at) + timedelta(hours=25)
    assert follows_refresh(now=later) == {"paused": 1, "started": 1}
    assert IndexJob.objects.filter(user=alice).count() == 1
    assert PlaylistFollow.objects.get(user=alice).last_error == PlaylistFollow.GRANT_PAUSED
    assert api_row(alice, hers)["keep_up_to_date_error"] == PlaylistFollow.GRANT_PAUSED
    assert follows_refresh(now=later + timedelta(hours=1)) == {"paused": 1}
    assert IndexJob.objects.filter(user=alice).count() == 1

    # Her playlists page asks her to sign in again, as for any revoked grant...
    browser = browser_of(alice)
    assert browser.get("/playlists/")["Location"] == "/accounts/login/"
    # ...and once she has, it says why the last job failed, and the schedule resumes.
    sign_in(yt, settings, ALICE)
    page = html.unescape(browser.get("/playlists/").content.decode())
    assert REVOKED in page and PlaylistFollow.GRANT_PAUSED not in page
    assert PlaylistFollow.objects.get(user=alice).last_error == ""
    assert follows_refresh(now=later + timedelta(hours=2)) == {"started": 1}
    resumed = run_job(
        IndexJob.objects.filter(user=alice).latest("pk"), django_capture_on_commit_callbacks
    )
    assert resumed.status == IndexJob.Status.DONE and resumed.playlist == hers
    assert his.jobs.count() == 2


def test_a_playlist_deleted_on_youtube_fails_its_job_with_the_reason_and_the_others_are_indexed(
    alice, yt, django_capture_on_commit_callbacks
):
    kept, gone = follow(alice, yt, ALICE, 5), follow(alice, yt, ALICE, 50)
    yt.control.delete_playlist(gone.youtube_id)

    assert follows_refresh() == {"started": 2}
    jobs = {job.playlist: job for job in IndexJob.objects.all()}
    failed = run_job(jobs[gone], django_capture_on_commit_callbacks)
    done = run_job(jobs[kept], django_capture_on_commit_callbacks)
    assert (failed.status, failed.message) == (IndexJob.Status.FAILED, "playlist not found")
    assert done.status == IndexJob.Status.DONE and done.indexed > 0

    page = browser_of(alice).get("/playlists/").content.decode()
    row = next(r for r in page.split("<tr>") if f'id="pl-{gone.pk}"' in r)
    assert ">Failed</span>" in row and '<div class="error">playlist not found</div>' in row
    assert '<span class="badge done">On</span>' in row  # still followed: she decides
    # It is tried again a day later (a playlist made private may come back), once a day.
    later = max(failed.finished_at, done.finished_at)
    assert follows_refresh(now=later + timedelta(hours=1)) == {}
    assert follows_refresh(now=later + timedelta(hours=25)) == {"started": 2}
