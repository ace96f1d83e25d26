"""The IndexJob admin: read-only, with counts, a status filter and the failed videos."""

from __future__ import annotations

import pytest

from indexing.models import IndexJob, JobVideo
from playlists.models import Playlist
from videos.models import Video

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(user):
    playlist = Playlist.objects.create(youtube_id="PL0123456789abcdef", title="Mix")
    job = IndexJob.objects.create(
        user=user, playlist=playlist, status="done_with_failures", total=2, indexed=1, failed=1
    )
    ok, bad = (Video.objects.create(youtube_id=v) for v in ("aaaaaaaaaaa", "bbbbbbbbbbb"))
    JobVideo.objects.create(job=job, video=ok, outcome="indexed")
    JobVideo.objects.create(job=job, video=bad, outcome="failed", reason="HTTP 500 five times")
    return job


def test_the_list_shows_counts_and_filters_by_status(staff_client, job):
    page = staff_client.get("/admin/indexing/indexjob/?status__exact=done_with_failures")
    assert page.status_code == 200
    assert b"Mix" in page.content and b"Done with failures" in page.content
    assert b"Mix" not in staff_client.get("/admin/indexing/indexjob/?status__exact=done").content


def test_a_job_is_read_only_and_lists_its_failures(staff_client, job):
    page = staff_client.get(f"/admin/indexing/indexjob/{job.pk}/change/")
    assert page.status_code == 200
    assert b"HTTP 500 five times" in page.content
    assert b"aaaaaaaaaaa" not in page.content  # successes are counted, not listed
    assert b'name="_save"' not in page.content
    assert staff_client.get("/admin/indexing/indexjob/add/").status_code == 403
