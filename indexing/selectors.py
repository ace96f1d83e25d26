"""Reads of indexing jobs: a user's jobs and one job's live progress."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from indexing import progress
from indexing.models import IndexJob, JobVideo

OUTCOME_FIELDS = ("indexed", "no_transcript", "unavailable", "failed")


def job_list_for(*, user) -> QuerySet[IndexJob]:
    return IndexJob.objects.filter(user=user).select_related("playlist")


LIVE_FIELDS = ("total", "skipped", *OUTCOME_FIELDS, "retries")


def job_live_counts(*, job: IndexJob) -> dict[str, int] | None:
    """A running job's figures (LIVE_FIELDS) as they stand now, from Redis: its row holds them
    only once it ends. None for a finished job, or a running one with no live state yet."""
    if not job.is_active:
        return None
    return _live_counts(job, progress.snapshot(job_id=job.pk))


def _live_counts(
    job: IndexJob, snap: progress.Snapshot, *, settling: bool = False
) -> dict[str, int] | None:
    if not ((job.is_active or settling) and snap.found):
        return None
    live = {name: snap.counts.get(name, 0) for name in OUTCOME_FIELDS}
    live.update(total=snap.total, skipped=snap.skipped, retries=snap.counts.get("retries", 0))
    return live


@dataclass
class JobProgress:
    job: IndexJob
    total: int
    done: int
    percent: int
    counts: dict[str, int]
    rate: float
    eta_seconds: float | None
    retries: int
    failures: list[dict] = field(default_factory=list)
    live: dict[str, int] | None = None  # job_live_counts(), from the same snapshot
    unlisted: int = 0  # cancelled or failed while listing: the playlist's videos never listed
    # Failed while listing, with the videos it had listed still being indexed (services.
    # _failed_job_videos_go_on): its figures are live, and the page keeps polling, until the
    # last of them settles and finish_job stores them.
    settling: bool = False

    @property
    def eta_text(self) -> str:
        """The time left as people say it ("about 4 min left"); "" when unknown or ended. At
        the end of a fast job the estimate falls under a second, which read "about 0 s"."""
        if self.eta_seconds is None or self.finished:
            return ""
        seconds = self.eta_seconds
        if seconds < 1:
            return "almost done"
        if seconds < 90:
            return f"about {round(seconds)} s left"
        if seconds < 90 * 60:
            return f"about {round(seconds / 60)} min left"
        return f"about {seconds / 3600:.1f} h left"

    @property
    def finished(self) -> bool:
        return not self.job.is_active and not self.settling

    @property
    def percent_step(self) -> int:
        """The percent rounded down to tens: what a screen reader is told while the job runs,
        ten times a job rather than at every poll."""
        return self.percent // 10 * 10

    @property
    def listing(self) -> bool:
        """The playlist is still being listed: `total` is what was found so far, not the end."""
        return self.job.is_active and self.job.dispatched_at is None


STOPPED_WHILE_LISTING = (IndexJob.Status.CANCELLED, IndexJob.Status.FAILED)


def _cancelled_count(job: IndexJob) -> int:
    if job.status != IndexJob.Status.CANCELLED:
        return 0
    skipped = JobVideo.objects.filter(job=job, outcome=JobVideo.Outcome.SKIPPED)
    return skipped.filter(reason="cancelled").count()


def job_progress(*, job: IndexJob, failures: int = 5) -> JobProgress:
    """Live figures from Redis while the job runs; the stored counts once it has finished."""
    snap = progress.snapshot(job_id=job.pk)
    settling = _settling(job, snap)
    live = _live_counts(job, snap, settling=settling)
    unlisted = 0
    if live is not None:
        counts = {name: live[name] for name in (*OUTCOME_FIELDS, "skipped")}
        total, done, percent = live["total"], snap.done, snap.percent
        rate, eta, retries = snap.rate, snap.eta_seconds, live["retries"]
    else:
        counts = {name: getattr(job, name) for name in OUTCOME_FIELDS}
        # Cancelling marks the videos still waiting as skipped: they were not already indexed.
        cancelled = _cancelled_count(job)
        counts["skipped"] = job.skipped - cancelled
        if cancelled:
            counts["cancelled"] = cancelled
        total = job.total
        done = total - cancelled if not job.is_active else 0
        percent = 0  # a failed or cancelled job's bar shows how far it got, not a full bar
        if job.status in (IndexJob.Status.DONE, IndexJob.Status.DONE_WITH_FAILURES):
            percent = 100
        elif total:
            percent = int(done * 100 / total)
        rate, eta, retries = 0.0, None, job.retries
        duration = job.duration_seconds
        if not job.is_active and duration:
            # Over the videos it listed: those never listed took none of its time.
            rate = round((total - job.skipped) / duration, 2) if total else 0.0
    if job.status in STOPPED_WHILE_LISTING and job.dispatched_at is None:
        # Cancelled or failed while listing (its listed videos maybe still settling): what was
        # listed is not the playlist. Counted against the playlist's size, a job stopped after
        # 98 of 500 videos no longer reads "98 / 98 videos · 100 %".
        unlisted = _unlisted(job, total)
        if unlisted:
            total += unlisted
            percent = int(done * 100 / total)
    latest = (
        JobVideo.objects.filter(job=job, outcome=JobVideo.Outcome.FAILED)
        .select_related("video")
        .order_by("-updated_at")[:failures]
    )
    return JobProgress(
        job=job,
        total=total,
        done=done,
        percent=percent,
        counts=counts,
        rate=rate,
        eta_seconds=eta,
        retries=retries,
        failures=[
            {"video": f.video.youtube_id, "title": f.video.title, "reason": f.reason}
            for f in latest
        ],
        live=live,
        unlisted=unlisted,
        settling=settling,
    )


def _unlisted(job: IndexJob, listed: int) -> int:
    """The playlist's videos a job stopped while listing never listed (0 if it listed none)."""
    return max(0, job.playlist.item_count - job.hidden - listed) if listed else 0


def _settling(job: IndexJob, snap: progress.Snapshot) -> bool:
    """Failed while listing, and the videos it had listed are not all settled yet."""
    if job.status != IndexJob.Status.FAILED or job.dispatched_at is not None or not snap.found:
        return False
    return JobVideo.objects.filter(job=job, outcome=JobVideo.Outcome.PENDING).exists()
