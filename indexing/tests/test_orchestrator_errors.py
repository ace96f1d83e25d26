"""An orchestrator that fails for a reason a retry cannot fix ends its job with that reason; the
videos of the pages it fanned out before still end (indexed, or failed with their reason) and
count in the job's figures, lost messages included (the sweeper watches them)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import requests
from celery.signals import after_task_publish
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from indexing import selectors, services
from indexing.models import IndexJob, JobVideo
from indexing.tasks import index_playlist
from indexing.tests.support import ALICE, drop_queue, playlist_of, queued_messages
from playlists.models import GoogleAccount

REVOKED = "Google access was revoked or expired: sign in again"

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_token_this_deployment_cannot_decrypt_fails_the_job_with_its_reason(alice, yt):
    """E.g. a worker started with another encryption key than the web: the job must not stay
    "running" forever with nobody watching it."""
    source = playlist_of(yt, ALICE, size=5)
    playlist = services.playlist_resolve(user=alice, youtube_id=source.id)
    job, _ = services.index_job_start(user=alice, playlist=playlist)
    table = GoogleAccount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET access_token = %s, refresh_token = %s",
            ["not-a-fernet-token", "not-a-fernet-token"],
        )

    index_playlist.apply((job.pk,))  # as a worker runs it: Celery's call path, no broker

    job.refresh_from_db()
    assert job.status == IndexJob.Status.FAILED
    assert job.message.startswith("indexing could not start: stored secret cannot be decrypted")
    assert job.finished_at is not None
    assert "not-a-fernet-token" not in job.message


# --- the listing fails part-way: the pages fanned out before still end, and count --------------


def start_listed(user, source) -> IndexJob:
    """A job for `source`, started as a click starts it (its orchestrator message is queued)."""
    playlist = services.playlist_resolve(user=user, youtube_id=source.id)
    job, _ = services.index_job_start(user=user, playlist=playlist)
    return job


@contextmanager
def after_first_page(action: Callable[[], object]) -> Iterator[None]:
    """`action` runs once, as the job's first video message is published: the listing's first
    page is fanned out and its next page not asked for yet."""
    ran: list[bool] = []

    def first_video(sender=None, **kwargs) -> None:
        if str(sender).endswith(".index_video") and not ran:
            ran.append(True)
            action()

    after_task_publish.connect(first_video, weak=False)
    try:
        yield
    finally:
        after_task_publish.disconnect(first_video)
    assert ran, "no page was fanned out"


def work_off_queue(redis_client) -> list[str]:
    """What workers do with the interactive queue until it is empty: run its index_video and
    finish_job messages (a retry at once); the names of the tasks run, in order. A sweep_job
    message waits for its ETA: it is left out (the test sweeps when it means to)."""
    ran = []
    while True:
        messages = [
            m
            for m in queued_messages(redis_client)
            if not m["headers"]["task"].endswith("sweep_job")
        ]
        drop_queue(redis_client)
        if not messages:
            return ran
        for message in messages:
            task = message["headers"]["task"].rsplit(".", 1)[-1]
            args = json.loads(base64.b64decode(message["body"]))[0]
            ran.append(task)
            if task == "finish_job":
                services.job_finish(job_id=args[0])
                continue
            assert task == "index_video", task
            for attempt in range(10):
                try:
                    services.video_index_run(video_id=args[0], job_id=args[1], attempt=attempt)
                    break
                except services.RetryLater:
                    continue


def assert_every_listed_video_counted(job: IndexJob) -> None:
    rows = JobVideo.objects.filter(job=job)
    outcomes = dict(rows.values_list("outcome").annotate(n=Count("id")))
    assert "pending" not in outcomes and rows.count() > 0
    stored = {f: getattr(job, f) for f in ("indexed", "no_transcript", "unavailable", "failed")}
    assert {**stored, "skipped": job.skipped} == {
        o: outcomes.get(o, 0) for o in (*stored, "skipped")
    }
    assert job.total == rows.count() == sum(outcomes.values())
    assert job.indexed + job.no_transcript > 0  # real work, kept


def test_a_playlist_deleted_mid_listing_fails_its_job_and_the_videos_listed_before_still_count(
    alice, yt, client, redis_client
):
    source = playlist_of(yt, ALICE, size=500)
    job = start_listed(alice, source)
    drop_queue(redis_client)

    with after_first_page(lambda: yt.control.delete_playlist(source.id)):
        services.playlist_index_run(job_id=job.pk)  # page 2 answers 404 playlistNotFound
    job.refresh_from_db()
    assert (job.status, job.message) == (IndexJob.Status.FAILED, "playlist not found")
    listed = JobVideo.objects.filter(job=job).count()
    assert 0 < listed < 100

    # Their messages were out: workers run them, and the last one to settle finishes the job.
    assert work_off_queue(redis_client)[-1] == "finish_job"
    job.refresh_from_db()
    assert (job.status, job.message) == (IndexJob.Status.FAILED, "playlist not found")
    assert_every_listed_video_counted(job)
    assert services.jobs_sweep() == {}  # nothing left to watch

    # The page and the API count them against the playlist, not a full bar of what was listed.
    shown = selectors.job_progress(job=job)
    assert (shown.done, shown.total, shown.unlisted) == (listed, 500, 500 - listed)
    client.force_login(alice)
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "playlist not found" in html
    assert f"{listed}</strong> / 500 videos · {listed * 100 // 500} %" in html
    assert f"Failed while the playlist was being listed: {500 - listed} of its" in html
    api = client.get(f"/api/jobs/{job.pk}/").json()
    assert (api["status"], api["message"], api["total"]) == ("failed", "playlist not found", listed)
    assert api["indexed"] == job.indexed and api["progress"]["unlisted"] == 500 - listed


def test_a_grant_revoked_mid_listing_fails_the_job_and_the_sweeper_settles_its_lost_videos(
    alice, yt, redis_client
):
    job = start_listed(alice, playlist_of(yt, ALICE, size=500))
    drop_queue(redis_client)
    refresh_token = GoogleAccount.objects.get(user=alice).refresh_token

    def revoke() -> None:  # Alice removes TubeIndex's access in her Google account
        requests.post(f"{yt.base_url}/revoke", data={"token": refresh_token}, timeout=10)

    with after_first_page(revoke):
        services.playlist_index_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.message) == (IndexJob.Status.FAILED, REVOKED)
    pending = JobVideo.objects.filter(job=job, outcome="pending")
    assert pending.count() > 0
    drop_queue(redis_client)  # the worker holding their messages died with them

    assert services.jobs_sweep()[str(job.pk)] == "alive"  # it failed a moment ago
    past = timezone.now() - timedelta(hours=1)
    IndexJob.objects.filter(pk=job.pk).update(finished_at=past)
    JobVideo.objects.filter(job=job).update(updated_at=past)
    assert services.jobs_sweep()[str(job.pk)] == f"requeued {pending.count()}, failed 0"

    assert "finish_job" in work_off_queue(redis_client)
    job.refresh_from_db()
    assert (job.status, job.message) == (IndexJob.Status.FAILED, REVOKED)
    assert_every_listed_video_counted(job)
    assert services.jobs_sweep() == {}


def test_retrying_a_job_failed_mid_listing_lists_the_playlist_to_its_end(
    alice, yt, settings, redis_client
):
    # Its live state kept the count of the videos listed before it failed: during the second
    # listing the retried video, settling, was "the last one", and its finish_job, run before
    # the next page was stored, marked the job done with the first page's videos only.
    settings.INDEXING_MAX_RETRIES = 0
    source = playlist_of(yt, ALICE, size=500)
    job = start_listed(alice, source)
    drop_queue(redis_client)
    with after_first_page(lambda: yt.control.fail_next("data", status=404)):
        services.playlist_index_run(job_id=job.pk)
    yt.control.fail_next("transcript", status=500)  # the first video run fails
    assert work_off_queue(redis_client)[-1] == "finish_job"
    job.refresh_from_db()
    assert job.status == IndexJob.Status.FAILED and job.failed == 1
    retried = JobVideo.objects.get(job=job, outcome="failed").video.youtube_id

    services.index_job_retry_failed(job=job)
    drop_queue(redis_client)

    def quick_workers() -> None:
        # The retried video, published with the first page, runs before the next page is
        # listed; and so does the finish_job it queues, if it queues one.
        services.video_index_run(video_id=retried, job_id=job.pk)
        tasks = [m["headers"]["task"] for m in queued_messages(redis_client)]
        if "indexing.tasks.finish_job" in tasks:
            services.job_finish(job_id=job.pk)

    with after_first_page(quick_workers):
        services.playlist_index_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == IndexJob.Status.RUNNING and job.dispatched_at is not None
    work_off_queue(redis_client)
    job.refresh_from_db()
    assert job.status in (IndexJob.Status.DONE, IndexJob.Status.DONE_WITH_FAILURES)
    assert job.total + job.hidden == 500
    assert_every_listed_video_counted(job)
