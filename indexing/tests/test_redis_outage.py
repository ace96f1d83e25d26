"""Redis going away while videos run (restarted without persistence, failed over, a network
blip) is no fault of the videos': they stay pending and run again once Redis is back, rather
than end failed with "ConnectionError" for good."""

from __future__ import annotations

import pytest

from indexing import selectors, services
from indexing.models import IndexJob, JobVideo
from indexing.tasks import index_video
from indexing.tests.support import ALICE, drop_queue, playlist_of, queued_messages, run_videos

pytestmark = pytest.mark.django_db(transaction=True)

# Nothing listens here: every Redis call is refused, as while Redis restarts.
REDIS_GONE = "redis://127.0.0.1:1/0"


def test_a_video_whose_redis_went_away_stays_pending_and_is_indexed_once_it_is_back(
    alice, yt, settings, redis_client, django_capture_on_commit_callbacks
):
    source = playlist_of(yt, ALICE, size=5)
    playlist = services.playlist_resolve(user=alice, youtube_id=source.id)
    job, _ = services.index_job_start(user=alice, playlist=playlist)
    with django_capture_on_commit_callbacks(execute=True):
        services.playlist_index_run(job_id=job.pk)
    drop_queue(redis_client)  # the videos' messages: this test runs them
    video_id = (
        JobVideo.objects.filter(job=job, outcome="pending").values_list(
            "video__youtube_id", flat=True
        )
    ).first()

    # The worker's counters and locks are on a Redis that is down; the broker is up again by
    # the time the task sends itself back (as after a restart of the one Redis).
    broker_up = settings.REDIS_URL
    settings.REDIS_URL = REDIS_GONE
    index_video.apply((video_id, job.pk))  # as a worker runs it: Celery's call path
    settings.REDIS_URL = broker_up

    entry = JobVideo.objects.get(job=job, video__youtube_id=video_id)
    assert (entry.outcome, entry.reason) == ("pending", "")
    again = [m for m in queued_messages(redis_client) if m["headers"]["task"] == index_video.name]
    assert [m["headers"]["argsrepr"] for m in again] == [repr((video_id, job.pk))]

    # Once Redis is back the video (and the job) end as if nothing had happened.
    run_videos(job.pk)
    job.refresh_from_db()
    assert job.status == IndexJob.Status.DONE, job.message
    assert job.failed == 0
    assert job.indexed + job.no_transcript + job.unavailable == job.total


def test_a_job_whose_live_state_redis_lost_shows_its_videos_done_again_at_the_next_sweep(
    alice, yt, redis_client, django_capture_on_commit_callbacks
):
    """Redis restarted without persistence mid-job: the job's page read "0 / 4 videos" (the
    live figures gone, its row's filled in only at the end) until the job ended or stalled for
    INDEXING_SWEEP_AFTER_SECONDS (5 minutes), however many videos it had done."""
    source = playlist_of(yt, ALICE, size=5)
    playlist = services.playlist_resolve(user=alice, youtube_id=source.id)
    job, _ = services.index_job_start(user=alice, playlist=playlist)
    with django_capture_on_commit_callbacks(execute=True):
        services.playlist_index_run(job_id=job.pk)
    drop_queue(redis_client)
    pending = JobVideo.objects.filter(job=job, outcome="pending")
    for video_id in list(pending.values_list("video__youtube_id", flat=True))[:3]:
        services.video_index_run(video_id=video_id, job_id=job.pk)
    job.refresh_from_db()
    done = JobVideo.objects.filter(job=job).exclude(outcome__in=["pending", "skipped"]).count()
    assert done == 3 and pending.exists()
    before = selectors.job_progress(job=job)
    assert (before.done, before.total) == (3, job.total)

    redis_client.flushdb()  # Redis restarted without persistence: the live state is gone
    assert selectors.job_progress(job=job).done == 0

    # The job is alive (its videos settled just now): nothing to re-queue, but its figures
    # come back from PostgreSQL.
    assert services.jobs_sweep()[str(job.pk)] == "alive"
    after = selectors.job_progress(job=job)
    assert (after.done, after.total, after.percent) == (before.done, before.total, before.percent)
    assert after.counts == before.counts
