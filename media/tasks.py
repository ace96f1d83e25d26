"""The `media` queue's task: one video's MP3 for one request (media.services)."""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from indexing.youtube.audio import AudioTransient
from media import services

logger = logging.getLogger(__name__)

# Idempotent (the claim accepts a running row again, the file is moved into place in one
# rename, the e-mail is claimed once), so a worker killed mid-download hands the message back.
RELIABLE = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}
SLOT_WAIT_S = 3


@shared_task(
    bind=True,
    autoretry_for=(AudioTransient, smtplib.SMTPException, ConnectionError),
    retry_backoff=10,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=900,
    time_limit=960,
    **RELIABLE,
)
def extract_audio(self, extraction_id: int) -> str:
    """Extract, record the outcome, send the e-mail; the last retry records the failure."""
    try:
        outcome = services.audio_extraction_run(extraction_id=extraction_id)
    except services.NoFreeSlot:
        # This process is busy with others: again in a few seconds (maybe on another worker),
        # not counted as an attempt.
        services.audio_extraction_requeued(extraction_id=extraction_id)
        extract_audio.apply_async(
            (extraction_id,), countdown=SLOT_WAIT_S, retries=self.request.retries
        )
        return "waiting for a slot"
    except SoftTimeLimitExceeded:
        outcome = services.audio_extraction_fail(
            extraction_id=extraction_id, reason="extracting took longer than 15 minutes"
        )
    except AudioTransient as exc:
        if self.request.retries < self.max_retries:
            raise
        outcome = services.audio_extraction_fail(
            extraction_id=extraction_id, reason=f"YouTube kept failing: {exc.message}"
        )
    except Exception as exc:
        # Never swallowed: anything else fails the request with its reason.
        logger.exception("audio extraction %s failed", extraction_id)
        outcome = services.audio_extraction_fail(
            extraction_id=extraction_id, reason=f"{type(exc).__name__}: {exc}"
        )
    services.audio_extraction_notify(extraction_id=extraction_id)
    return outcome


@shared_task(ignore_result=True)
def sweep_audio() -> dict[str, int]:
    """Beat: queue again the extractions a killed worker or a lost message left behind, and
    remove the MP3s nobody asked for in AUDIO_KEEP_DAYS."""
    counts = services.audio_extraction_sweep()
    return {**counts, "expired": services.audio_files_expire()}
