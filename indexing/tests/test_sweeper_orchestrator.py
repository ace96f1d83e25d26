"""The sweeper gives a job still to be listed its orchestrator back: a queued job whose
index_playlist message was lost, or a running one whose orchestrator died mid-listing with its
message. Messages are lost for real (dropped from Redis); tasks run by calling their functions."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from indexing import locks, progress, services
from indexing.models import IndexJob, JobVideo
from indexing.tests.support import (
    ALICE,
    drop_queue,
    playlist_of,
    queued_messages,
    run_in_threads,
    run_videos,
)

pytestmark = pytest.mark.django_db(transaction=True)

HOUR = timedelta(hours=1)


def start(user, yt, capture, size: int = 5) -> IndexJob:
    """A job started as a click starts it: its orchestrator's message is in the queue."""
    playlist = services.playlist_resolve(user=user, youtube_id=playlist_of(yt, ALICE, size=size).id)
    with capture(execute=True):
        job, _ = services.index_job_start(user=user, playlist=playlist)
    return job


def orchestrators(redis_client, job: IndexJob) -> int:
    """index_playlist messages for the job waiting in the interactive queue."""
    return sum(
        1
        for m in queued_messages(redis_client)
        if m["headers"]["task"].endswith("index_playlist")
        and m["headers"]["argsrepr"] == repr((job.pk,))
    )


def video_messages(redis_client, job: IndexJob) -> list[str]:
    return [
        m["headers"]["argsrepr"]
        for m in queued_messages(redis_client)
        if m["headers"]["task"].endswith("index_video")
        and m["headers"]["argsrepr"].endswith(f", {job.pk})")
    ]


def silent_since(job: IndexJob, ago: timedelta) -> None:
    """The job's last sign of life in PostgreSQL was `ago`."""
    past = timezone.now() - ago
    IndexJob.objects.filter(pk=job.pk).update(created_at=past)
    IndexJob.objects.filter(pk=job.pk, started_at__isnull=False).update(started_at=past)
    JobVideo.objects.filter(job=job).update(updated_at=past)


def last_queued(redis_client, job: IndexJob, ago: timedelta) -> None:
    """The sweeper's last re-queue of the job's orchestrator was `ago`."""
    at = (timezone.now() - ago).timestamp()
    redis_client.hset(f"ti:job:{job.pk}:orchestrator", "at", at)


def run_orchestrator_from_queue(redis_client, job: IndexJob) -> None:
    """A worker takes the re-queued index_playlist message and runs it."""
    assert orchestrators(redis_client, job) == 1
    drop_queue(redis_client)
    services.playlist_index_run(job_id=job.pk)


def half_listed(user, yt, settings, capture, redis_client) -> IndexJob:
    """A running job whose orchestrator died on its third page, its message gone with it: the
    first pages' rows are written, nothing is dispatched, nothing is in the queue."""
    job = start(user, yt, capture, size=500)
    drop_queue(redis_client)
    used = yt.control.quota(f"oauth:{settings.GOOGLE_CLIENT_ID}")["units"]
    yt.control.set_config(units_per_day=used + 1 + 2 * 2)  # the listing stops on page 3
    with capture(execute=True):
        services.playlist_index_run(job_id=job.pk)
    yt.control.set_config(units_per_day=10_000)
    # What a worker killed on page 3 leaves: running, not dispatched, no message anywhere.
    IndexJob.objects.filter(pk=job.pk).update(status="running", message="", resume_at=None)
    drop_queue(redis_client)
    job.refresh_from_db()
    assert job.dispatched_at is None and JobVideo.objects.filter(job=job).count() > 50
    return job


def test_a_queued_job_whose_message_was_lost_is_queued_again_and_ends_done(
    alice, yt, redis_client, django_capture_on_commit_callbacks
):
    job = start(alice, yt, django_capture_on_commit_callbacks)
    drop_queue(redis_client)  # Redis restarted without persistence
    silent_since(job, HOUR)

    assert services.jobs_sweep()[str(job.pk)] == "requeued orchestrator"
    run_orchestrator_from_queue(redis_client, job)
    run_videos(job.pk)

    job.refresh_from_db()
    assert job.status == IndexJob.Status.DONE and job.total == 4
    assert not JobVideo.objects.filter(job=job, outcome="pending").exists()


def test_a_queued_job_is_left_alone_while_young_or_while_messages_wait_in_the_queue(
    alice, yt, settings, redis_client, django_capture_on_commit_callbacks
):
    settings.INDEXING_SWEEP_AFTER_SECONDS = 400  # lost after 3 sweeps' worth: 20 minutes
    job = start(alice, yt, django_capture_on_commit_callbacks)
    silent_since(job, HOUR)
    assert services.jobs_sweep()[str(job.pk)] == "queued"  # its own message is still there
    assert orchestrators(redis_client, job) == 1

    drop_queue(redis_client)
    silent_since(job, timedelta(minutes=19))
    assert services.jobs_sweep()[str(job.pk)] == "alive"
    # However short the sweep, never under twice index_playlist's longest retry backoff.
    settings.INDEXING_SWEEP_AFTER_SECONDS = 60
    silent_since(job, timedelta(minutes=9))
    assert services.jobs_sweep()[str(job.pk)] == "alive"
    assert orchestrators(redis_client, job) == 0

    settings.INDEXING_SWEEP_AFTER_SECONDS = 400
    silent_since(job, timedelta(minutes=21))
    assert services.jobs_sweep()[str(job.pk)] == "requeued orchestrator"
    assert orchestrators(redis_client, job) == 1


def test_an_orchestrator_retrying_after_transient_errors_is_not_disturbed(
    alice, yt, redis_client, django_capture_on_commit_callbacks
):
    job = start(alice, yt, django_capture_on_commit_callbacks)
    drop_queue(redis_client)
    silent_since(job, HOUR)  # queued long ago...
    yt.control.fail_next(family="data", status=503, count=10)
    with pytest.raises(services.TransientError):
        services.playlist_index_run(job_id=job.pk)  # ...but its delivery ran just now
    job.refresh_from_db()
    assert job.status == IndexJob.Status.QUEUED  # its retry is held by the worker until its ETA

    assert services.jobs_sweep()[str(job.pk)] == "alive"
    assert orchestrators(redis_client, job) == 0


def test_a_running_job_whose_orchestrator_died_mid_listing_is_listed_again_to_the_end(
    alice, yt, settings, redis_client, django_capture_on_commit_callbacks
):
    job = half_listed(alice, yt, settings, django_capture_on_commit_callbacks, redis_client)
    first_pages = JobVideo.objects.filter(job=job).count()
    assert services.job_sweep(job_id=job.pk) == "idle"  # dispatched jobs only, as before
    assert services.jobs_sweep()[str(job.pk)] == "alive"  # it was listing a moment ago
    silent_since(job, HOUR)

    assert services.jobs_sweep()[str(job.pk)] == "requeued orchestrator"
    with django_capture_on_commit_callbacks(execute=True):
        run_orchestrator_from_queue(redis_client, job)
    run_videos(job.pk)

    job.refresh_from_db()
    assert job.status in (IndexJob.Status.DONE, IndexJob.Status.DONE_WITH_FAILURES)
    assert job.dispatched_at is not None and job.total > first_pages
    assert JobVideo.objects.filter(job=job).count() == job.total
    assert not JobVideo.objects.filter(job=job, outcome="pending").exists()
    assert job.indexed + job.no_transcript + job.unavailable + job.failed == job.total
    snapshot = progress.snapshot(job_id=job.pk)
    assert snapshot.todo == snapshot.settled == job.total - job.skipped


def test_a_job_being_listed_right_now_is_left_to_its_orchestrator(
    alice, yt, settings, redis_client, django_capture_on_commit_callbacks
):
    job = half_listed(alice, yt, settings, django_capture_on_commit_callbacks, redis_client)
    silent_since(job, HOUR)
    # Another delivery holds the listing lock (a slow listing renews it every page).
    token = locks.lock_acquire(f"job-listing:{job.pk}", ttl_seconds=60)

    assert services.jobs_sweep()[str(job.pk)] == "alive"
    assert orchestrators(redis_client, job) == 0
    services.playlist_index_run(job_id=job.pk)  # a duplicate delivery: does nothing
    job.refresh_from_db()
    assert job.status == IndexJob.Status.RUNNING and job.started_at < timezone.now() - HOUR / 2
    assert video_messages(redis_client, job) == []

    locks.lock_release(f"job-listing:{job.pk}", token)
    assert services.jobs_sweep()[str(job.pk)] == "requeued orchestrator"


def test_two_deliveries_of_one_orchestrator_list_the_job_once(
    alice, yt, redis_client, django_capture_on_commit_callbacks
):
    job = start(alice, yt, django_capture_on_commit_callbacks, size=50)
    drop_queue(redis_client)
    # Each YouTube call takes 300 ms: the two deliveries overlap for sure.
    yt.control.set_faults(data={"latency": {"kind": "fixed", "ms": 300}})
    together = threading.Barrier(2)

    def deliver() -> None:
        together.wait()
        try:
            services.playlist_index_run(job_id=job.pk)
        finally:
            connection.close()

    run_in_threads([deliver, deliver])
    yt.control.set_faults(data={"latency": {"kind": "none"}})

    job.refresh_from_db()
    pending = JobVideo.objects.filter(job=job, outcome="pending")
    published = video_messages(redis_client, job)
    assert job.dispatched_at is not None and job.total > 40
    assert sorted(published) == sorted(
        repr((v, job.pk)) for v in pending.values_list("video__youtube_id", flat=True)
    )
    assert progress.snapshot(job_id=job.pk).total == job.total  # counted once
    assert not redis_client.exists(f"ti:lock:job-listing:{job.pk}")

    drop_queue(redis_client)
    run_videos(job.pk)
    job.refresh_from_db()
    assert job.status in (IndexJob.Status.DONE, IndexJob.Status.DONE_WITH_FAILURES)
    assert job.indexed + job.no_transcript + job.unavailable + job.failed == job.total
    snapshot = progress.snapshot(job_id=job.pk)
    assert snapshot.todo == snapshot.settled == job.total - job.skipped


def test_a_job_whose_orchestrator_is_lost_again_and_again_fails_with_the_reason(
    alice, yt, settings, redis_client, django_capture_on_commit_callbacks
):
    settings.INDEXING_MAX_REQUEUES = 1
    queued = start(alice, yt, django_capture_on_commit_callbacks)
    running = half_listed(alice, yt, settings, django_capture_on_commit_callbacks, redis_client)
    for job in (queued, running):
        silent_since(job, HOUR)

    for job in (queued, running):
        # One at a time: the first one's new message is a backlog the second one would wait for.
        assert services.job_orchestrator_sweep(job_id=job.pk) == "requeued orchestrator"
        drop_queue(redis_client)  # lost again
    # The re-queue counts as a sign of life: the next sweeps wait the whole threshold again.
    assert set(services.jobs_sweep().values()) == {"alive"}
    for job in (queued, running):
        last_queued(redis_client, job, HOUR)

    assert set(services.jobs_sweep().values()) == {"failed"}
    queued.refresh_from_db()
    running.refresh_from_db()
    assert queued.status == running.status == IndexJob.Status.FAILED
    assert queued.message == "lost: no worker started the job after 1 re-queue"
    reason = "lost: the playlist's listing stopped and did not resume after 1 re-queue"
    assert running.message == reason
    # Nothing is left pending: the videos listed before it was lost fail with the same reason.
    videos = JobVideo.objects.filter(job=running)
    assert set(videos.values_list("outcome", flat=True)) <= {"failed", "skipped"}
    assert set(videos.filter(outcome="failed").values_list("reason", flat=True)) == {reason}
    assert running.failed == videos.filter(outcome="failed").count() > 0
    assert running.total == videos.count()
    assert services.jobs_sweep() == {}  # and nothing is swept any more
    assert orchestrators(redis_client, queued) == orchestrators(redis_client, running) == 0


def test_retrying_a_job_failed_as_lost_gives_its_orchestrator_its_re_queues_again(
    alice, yt, settings, redis_client, django_capture_on_commit_callbacks
):
    settings.INDEXING_MAX_REQUEUES = 1
    job = start(alice, yt, django_capture_on_commit_callbacks)
    for outcome in ("requeued orchestrator", "failed"):
        drop_queue(redis_client)
        silent_since(job, HOUR)
        last_queued(redis_client, job, HOUR)
        assert services.job_orchestrator_sweep(job_id=job.pk) == outcome
    job.refresh_from_db()
    assert job.message == "lost: no worker started the job after 1 re-queue"

    # Retry failed, while the workers are still away: its message is lost again.
    with django_capture_on_commit_callbacks(execute=True):
        services.index_job_retry_failed(job=job)
    drop_queue(redis_client)
    silent_since(job, HOUR)
    assert services.job_orchestrator_sweep(job_id=job.pk) == "alive"  # retried a moment ago
    last_queued(redis_client, job, HOUR)
    # Re-queued as a new job's would be, not failed at once for the re-queues before the retry.
    assert services.job_orchestrator_sweep(job_id=job.pk) == "requeued orchestrator"
    run_orchestrator_from_queue(redis_client, job)
    run_videos(job.pk)
    job.refresh_from_db()
    assert job.status == IndexJob.Status.DONE
