"""The IndexJob admin: read-only, with counts, a status filter and the failed videos."""

from __future__ import annotations

import re

import pytest

from indexing import progress
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


def _list_row(page: str, job_id: int) -> dict[str, str]:
    """The changelist's cells (by column) of the job's row."""
    (row,) = [r for r in page.split("<tr")[1:] if f"/indexjob/{job_id}/change/" in r]
    return dict(re.findall(r'<td class="field-(\w+)[^"]*">([^<]*)</td>', row))


def test_a_running_jobs_counts_in_the_list_are_its_live_ones(staff_client, job, redis_client):
    # Its row holds 0s until it ends; the counts so far are in its live state.
    running = IndexJob.objects.create(user=job.user, playlist=job.playlist, status="running")
    progress.job_begin(job_id=running.pk, total=7, skipped=1, todo=6)
    progress.settle(job_id=running.pk, video_id="ccccccccccc", outcome="indexed")
    progress.settle(job_id=running.pk, video_id="ddddddddddd", outcome="failed")
    page = staff_client.get("/admin/indexing/indexjob/").content.decode()
    live = _list_row(page, running.pk)
    assert (live["total_now"], live["skipped_now"]) == ("7", "1")
    assert (live["indexed_now"], live["failed_now"], live["no_transcript_now"]) == ("1", "1", "0")
    # A finished job shows what its row holds.
    stored = _list_row(page, job.pk)
    assert (stored["total_now"], stored["indexed_now"], stored["failed_now"]) == ("2", "1", "1")
