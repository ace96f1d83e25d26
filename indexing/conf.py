"""Tunables of playlist indexing, read from Django settings with environment defaults.

They live here rather than in config/settings.py so the indexing app owns them; each can still be
overridden in settings (tests use pytest-django's `settings`) or by the environment (a worker).
"""

from __future__ import annotations

from django.conf import settings

from config.env import env, strict_int

_DEFAULTS = {
    # A pending video untouched this long is presumed lost (worker killed) and re-queued; a job
    # still to be listed, 3 times this long (at least 600 s): its orchestrator is re-queued.
    "INDEXING_SWEEP_AFTER_SECONDS": strict_int("INDEXING_SWEEP_AFTER_SECONDS", 300, minimum=1),
    # Re-queues of one lost video (or of a job's lost orchestrator) before it fails with "lost".
    "INDEXING_MAX_REQUEUES": strict_int("INDEXING_MAX_REQUEUES", 3, minimum=0),
    # Transient errors (5xx, 429 on the data path, connection) before a video fails.
    "INDEXING_MAX_RETRIES": strict_int("INDEXING_MAX_RETRIES", 5, minimum=0),
    "INDEXING_BACKOFF_BASE_SECONDS": env.float("INDEXING_BACKOFF_BASE_SECONDS", default=2.0),
    "INDEXING_BACKOFF_MAX_SECONDS": env.float("INDEXING_BACKOFF_MAX_SECONDS", default=300.0),
    # An IP block waits this many times longer than a transient error, and halves the global pace.
    "INDEXING_BLOCKED_BACKOFF_FACTOR": env.float("INDEXING_BLOCKED_BACKOFF_FACTOR", default=8.0),
    "INDEXING_BLOCKED_SLOWDOWN_SECONDS": strict_int(
        "INDEXING_BLOCKED_SLOWDOWN_SECONDS", 120, minimum=1
    ),
    # A video's lock outlives a worker killed while holding it by at most this long.
    "INDEXING_VIDEO_LOCK_SECONDS": strict_int("INDEXING_VIDEO_LOCK_SECONDS", 180, minimum=1),
    # Redis keys of a job (progress, settled set) outlive the job by this long.
    "INDEXING_PROGRESS_TTL_SECONDS": strict_int("INDEXING_PROGRESS_TTL_SECONDS", 7 * 86400),
}


def get(name: str):
    return getattr(settings, name, _DEFAULTS[name])
