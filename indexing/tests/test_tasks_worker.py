"""The fan-out through a REAL Celery worker (gevent pool, subprocess) on the test database:
a 50-video playlist end to end, and a worker killed mid-task (SIGKILL) whose videos still end
indexed or failed with a reason, thanks to the sweeper."""

from __future__ import annotations

import time

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from indexing import progress, services
from indexing.models import IndexJob, JobVideo
from indexing.tests.support import ALICE, playlist_of
from indexing.tests.worker import CeleryWorker, current_database_url, worker_env

pytestmark = pytest.mark.django_db(transaction=True)

SETTLED = ("indexed", "no_transcript", "unavailable", "failed")


@pytest.fixture
def env(yt):
    return worker_env(
        database_url=current_database_url(),
        redis_url=django_settings.REDIS_URL,
        base_url=yt.base_url,
        INDEXING_SWEEP_AFTER_SECONDS="3",
        INDEXING_VIDEO_LOCK_SECONDS="4",
        INDEXING_BACKOFF_BASE_SECONDS="0.2",
        DB_POOL_MAX_SIZE="5",
    )


def wait_for(predicate, timeout: float, what: str, every: float = 0.25, tick=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if tick:
            tick()
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def finished(job_id: int) -> bool:
    return IndexJob.objects.get(pk=job_id).status not in IndexJob.ACTIVE


def test_a_real_worker_indexes_a_50_video_playlist_end_to_end(alice, yt, env):
    api = APIClient()
    api.force_authenticate(alice)
    with CeleryWorker(env, concurrency=20) as worker:
        source = playlist_of(yt, ALICE, size=50)
        # Three transcript requests fail: those videos are retried (with backoff) and succeed.
        yt.control.fail_next("transcript", status=503, count=3)
        response = api.post("/api/jobs/", {"playlist_id": source.id}, format="json")
        assert response.status_code == 202
        job_id = response.data["id"]
        wait_for(lambda: finished(job_id), 120, "the job to finish")
        assert "Traceback" not in worker.output()

    job = IndexJob.objects.get(pk=job_id)
    assert job.status == IndexJob.Status.DONE, job.message
    assert job.total >= 45 and job.failed == 0
    assert job.retries >= 1
    assert job.indexed + job.no_transcript + job.unavailable == job.total
    assert not JobVideo.objects.filter(job=job, outcome="pending").exists()
    body = api.get(f"/api/jobs/{job_id}/").data
    assert body["progress"]["percent"] == 100 and body["progress"]["done"] == job.total
    stats = yt.control.stats()["requests"]
    assert stats["playlistItems.list"] == 1 and stats["videos.list"] == 1  # 50 per call


def test_a_worker_killed_mid_task_loses_no_video(alice, yt, env, settings):
    settings.INDEXING_SWEEP_AFTER_SECONDS = 3
    yt.control.set_faults(transcript={"latency": {"kind": "fixed", "ms": 1500}})
    api = APIClient()
    api.force_authenticate(alice)
    first = CeleryWorker(env, concurrency=10).start()
    try:
        source = playlist_of(yt, ALICE, size=50)
        job_id = api.post("/api/jobs/", {"playlist_id": source.id}, format="json").data["id"]
        settled = JobVideo.objects.filter(job_id=job_id, outcome__in=SETTLED)
        wait_for(lambda: settled.count() >= 5, 60, "some videos to settle")
    finally:
        first.kill()
    at_kill = settled.count()
    job = IndexJob.objects.get(pk=job_id)
    assert job.is_active and at_kill < job.total  # killed with work in flight

    sweeps: list[str] = []

    def sweep() -> None:
        sweeps.extend(services.jobs_sweep().values())

    with CeleryWorker(env, concurrency=20):
        # Beat would run the sweeper every minute; the test runs it every second.
        wait_for(lambda: finished(job_id), 120, "the job to finish", every=1, tick=sweep)
    # The messages the killed worker held were re-queued by the sweeper, not by Redis: by the
    # test's runs or by the new worker's own (a starting worker sweeps once; each job sweeps
    # itself), whichever came first.
    assert progress.requeued_videos(job_id=job_id) > 0, sweeps

    job = IndexJob.objects.get(pk=job_id)
    entries = list(JobVideo.objects.filter(job=job).values_list("outcome", "reason"))
    assert len(entries) == job.total
    assert all(outcome in SETTLED for outcome, _ in entries)
    assert all(reason for outcome, reason in entries if outcome == "failed")
    # Nothing failed for a bad reason: the lost videos were re-queued and indexed.
    assert not [reason for outcome, reason in entries if outcome == "failed"]
    assert job.status in (IndexJob.Status.DONE, IndexJob.Status.DONE_WITH_FAILURES)
    assert job.indexed + job.no_transcript + job.unavailable + job.failed == job.total


def test_a_small_job_started_behind_a_big_one_does_not_wait_for_all_of_it(alice, yt, env):
    """Each job's first videos are published ahead of every job's later ones (priorities),
    so 5 videos queued behind 500 are done long before the 500."""
    api = APIClient()
    api.force_authenticate(alice)
    jobs = {}
    for size in (500, 5):
        source = playlist_of(yt, ALICE, size=size)
        jobs[size] = api.post("/api/jobs/", {"playlist_id": source.id}, format="json").data["id"]
        # The orchestrator, here and now: the whole fan-out of the big job is in the queue
        # before the small job's (no worker runs yet).
        services.playlist_index_run(job_id=jobs[size])
    assert IndexJob.objects.get(pk=jobs[500]).total >= 450
    big = JobVideo.objects.filter(job_id=jobs[500], outcome__in=SETTLED)

    with CeleryWorker(env, concurrency=1) as worker:
        wait_for(lambda: finished(jobs[5]), 120, "the small job to finish")
        settled_of_big = big.count()
        assert "Traceback" not in worker.output()
    assert IndexJob.objects.get(pk=jobs[5]).status == IndexJob.Status.DONE
    # First served: the big job's first 20 videos (queued before the small job's), then the
    # small job's 5; in the order they were queued, the small job would have waited for 500.
    assert settled_of_big < 100, settled_of_big


def test_a_jobs_first_videos_have_the_first_priority_and_its_later_ones_later():
    assert [services.video_priority(n) for n in (0, 19, 20, 199, 200, 1999, 2000, 10**6)] == [
        0,
        0,
        3,
        3,
        6,
        6,
        9,
        9,
    ]
