"""Keep up to date: beat starts a job for every followed playlist (playlists.PlaylistFollow)
whose last job for its follower ended PLAYLIST_REFRESH_HOURS ago and that has no active job,
through index_job_start (started_by=schedule); the job skips the videos indexed already, so
only the videos added since are fetched.

Safe to run twice at once: a follow is claimed (`checked_at` compared and set) in the same
transaction that starts its job, so a second run that read the same follow before the first
committed starts nothing, even if the first run's job has already ended; and
index_job_start's partial unique constraint allows one active job per playlist and user anyway.

A follower whose Google grant is lost (revoked, or the refresh refused) is paused: no job, the
reason on the follow, until they sign in again (google_sign_in clears it). Otherwise a revoked
grant would fail a job every PLAYLIST_REFRESH_HOURS for ever. A job's own failure (the playlist
deleted on YouTube, quota) ends on the job with its reason, as any job's does, and the follow
tries again PLAYLIST_REFRESH_HOURS later.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from indexing.models import IndexJob
from indexing.services import index_job_start
from playlists.models import GoogleAccount, PlaylistFollow

logger = logging.getLogger(__name__)


def follows_due(*, now: datetime) -> list[PlaylistFollow]:
    """Follows with no active job whose last job for the follower ended at least
    PLAYLIST_REFRESH_HOURS before `now` (or that never had one); least recently checked
    first."""
    cutoff = now - timedelta(hours=settings.PLAYLIST_REFRESH_HOURS)
    jobs = IndexJob.objects.filter(user=OuterRef("user_id"), playlist=OuterRef("playlist_id"))
    last_end = (
        jobs.exclude(status__in=IndexJob.ACTIVE)
        .annotate(end=Coalesce("finished_at", "created_at"))
        .order_by("-end")
        .values("end")[:1]
    )
    return list(
        PlaylistFollow.objects.alias(
            active=Exists(jobs.filter(status__in=IndexJob.ACTIVE)), ended=Subquery(last_end)
        )
        .filter(Q(ended__isnull=True) | Q(ended__lte=cutoff), active=False)
        .select_related("user", "playlist")
        .order_by(F("checked_at").asc(nulls_first=True), "pk")
    )


def _claim(follow: PlaylistFollow, now: datetime) -> bool:
    """Ours if nobody checked the follow since we read it (one conditional UPDATE)."""
    seen = (
        Q(checked_at__isnull=True) if follow.checked_at is None else Q(checked_at=follow.checked_at)
    )
    claimed = (
        PlaylistFollow.objects.filter(seen, pk=follow.pk)
        .exclude(checked_at__gte=now)
        .update(checked_at=now)
    )
    return claimed == 1


def _grant_lost(user_id: int) -> bool:
    return GoogleAccount.objects.filter(user_id=user_id, revoked_at__isnull=False).exists()


def follow_refresh(*, follow: PlaylistFollow, now: datetime) -> str:
    """Start the follow's job if the claim is ours: "started", "running" (a job of theirs
    was already active), "paused" (their Google grant is lost) or "taken" (another run has it)."""
    with transaction.atomic():
        if not _claim(follow, now):
            return "taken"
        if _grant_lost(follow.user_id):
            PlaylistFollow.objects.filter(pk=follow.pk).update(
                last_error=PlaylistFollow.GRANT_PAUSED
            )
            return "paused"
        # The orchestrator is queued when this transaction commits, with the claim.
        job, created = index_job_start(
            user=follow.user, playlist=follow.playlist, started_by=IndexJob.StartedBy.SCHEDULE
        )
        PlaylistFollow.objects.filter(pk=follow.pk).update(last_error="")
    if created:
        logger.info("follow %s: started job %s for %s", follow.pk, job.pk, follow.playlist)
    return "started" if created else "running"


def follows_refresh(*, now: datetime | None = None) -> dict[str, int]:
    """Beat's hourly run: every follow due gets its job; how many of each outcome."""
    now = now or timezone.now()
    outcomes: Counter[str] = Counter()
    for follow in follows_due(now=now):
        try:
            outcome = follow_refresh(follow=follow, now=now)
        except Exception as exc:
            # One follow must not stop the others: the reason goes on the follow, where its
            # follower sees it on the playlists page, and in the log with the traceback.
            logger.exception("follow %s: no job started", follow.pk)
            PlaylistFollow.objects.filter(pk=follow.pk).update(
                last_error=f"Could not start a job: {type(exc).__name__}: {exc}"[:500]
            )
            outcome = "failed"
        outcomes[outcome] += 1
    if outcomes:
        logger.info("keep up to date: %s", dict(outcomes))
    return dict(outcomes)
