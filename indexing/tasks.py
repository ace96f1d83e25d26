"""Celery tasks of playlist indexing: thin wrappers over indexing.services.

Every task here is idempotent, so acks_late + reject_on_worker_lost are safe: a worker killed
mid-task hands the message back, and running it again changes nothing more. Tasks take ids only.
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_ready
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from config.logging import job_context
from indexing import follows, services
from indexing.youtube.errors import TransientError

logger = logging.getLogger(__name__)

# Redis unreachable (restarted, failed over, a network blip): no fault of the video's.
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)

RELIABLE = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}


@shared_task(
    bind=True,
    autoretry_for=(TransientError,),
    retry_backoff=5,
    retry_backoff_max=services.ORCHESTRATOR_RETRY_MAX_SECONDS,  # the sweeper allows for it
    retry_jitter=True,
    max_retries=8,
    **RELIABLE,
)
def index_playlist(self, job_id: int) -> None:
    """List the playlist, record its videos for the job, fan out index_video tasks."""
    with job_context(job_id):
        try:
            services.playlist_index_run(job_id=job_id)
        except TransientError as exc:
            if self.request.retries >= self.max_retries:
                services._job_fail(job_id, f"YouTube kept failing: {exc}")
                return
            raise
        except Exception as exc:
            # Anything else will fail again on a retry (a bug, a stored token this deployment
            # cannot decrypt...): the job fails with the reason now, instead of being re-queued
            # by the sweeper until it gives up on it as lost.
            logger.exception("job %s: the orchestrator failed", job_id)
            services._job_fail(job_id, f"indexing could not start: {exc}")


@shared_task(bind=True, max_retries=None, **RELIABLE)
def index_video(self, video_id: str, job_id: int) -> str | None:
    """Fetch and store one video's transcript for one job; records an outcome, always."""
    with job_context(job_id):
        attempt = self.request.retries
        try:
            try:
                return services.video_index_run(video_id=video_id, job_id=job_id, attempt=attempt)
            except SoftTimeLimitExceeded:
                return services._retry_or_fail(job_id, video_id, "took too long", attempt)
        except services.RetryLater as later:
            return _retry_later(self, later, video_id, job_id, attempt)
        except REDIS_DOWN as exc:
            # Redis (counters, locks, the broker) went away: the video is not at fault, and
            # recording it failed would keep that for good. It stays pending and comes back
            # once Redis does: sent again (not an attempt), or, if that publish fails too, the
            # sweeper re-queues it.
            logger.warning("video %s: Redis is unreachable (%s); trying again later", video_id, exc)
            countdown = services.backoff(attempt)
            index_video.apply_async((video_id, job_id), countdown=countdown, retries=attempt)
            return None
        except Exception as exc:
            # Never swallow: the failure lands on the video with its reason.
            logger.exception("video %s failed", video_id)
            return services._record(
                job_id, video_id, "failed", f"{type(exc).__name__}: {exc}"[:500], attempt
            )


def _retry_later(task, later: services.RetryLater, video_id: str, job_id: int, attempt: int):
    logger.info("video %s: retry in %.1f s (%s)", video_id, later.countdown, later.reason)
    if later.counts:
        services.video_retry_noted(
            job_id=job_id, video_id=video_id, reason=later.reason, countdown=later.countdown
        )
        raise task.retry(countdown=later.countdown) from None
    # Waiting for another worker's lock is not an attempt: same retry count, new message.
    index_video.apply_async((video_id, job_id), countdown=later.countdown, retries=attempt)
    return None


@shared_task(**RELIABLE)
def finish_job(job_id: int) -> None:
    with job_context(job_id):
        services.job_finish(job_id=job_id)


@shared_task(**RELIABLE)
def sweep_job(job_id: int) -> None:
    """Per-job sweeper: runs every INDEXING_SWEEP_AFTER_SECONDS while the job runs."""
    with job_context(job_id):
        result = services.job_sweep(job_id=job_id)
        if result not in ("idle", "finished"):
            from indexing import conf

            sweep_job.apply_async((job_id,), countdown=conf.get("INDEXING_SWEEP_AFTER_SECONDS"))


@shared_task(ignore_result=True)
def sweep_jobs() -> dict[str, str]:
    """Beat, every minute: sweep all running jobs, resume jobs whose quota has reset."""
    return services.jobs_sweep()


@shared_task(ignore_result=True)
def refresh_followed_playlists() -> dict[str, int]:
    """Beat, hourly: a job for each followed playlist due again (Keep up to date)."""
    return follows.follows_refresh()


# Topic polling tasks live in their own module (owned by the topics work); importing them here
# is what registers them with the worker, which autodiscovers indexing.tasks only.
from indexing import tasks_topics  # noqa: E402, F401


@worker_ready.connect
def _sweep_on_start(sender=None, **kwargs) -> None:
    # A worker starting after a crash picks up what the dead one left, without waiting for beat.
    sweep_jobs.apply_async(countdown=5)
