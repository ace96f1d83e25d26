"""Writes of playlist indexing: start a job (atomic claim), list and fan out, index one video,
finish, cancel, retry, and the sweeper that makes sure no job hangs.

Tasks in indexing/tasks.py are thin wrappers around these functions; tests call them directly.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q
from django.utils import timezone

from config.api import ApplicationError
from indexing import conf, locks, progress, ratelimit
from indexing.models import IndexJob, JobVideo
from indexing.redis import client as redis_client
from indexing.youtube import transcripts as transcript_client
from indexing.youtube.data_api import YouTubeClient
from indexing.youtube.errors import (
    AuthError,
    Forbidden,
    NotFound,
    QuotaExceeded,
    QuotaExhausted,
    TransientError,
    YouTubeError,
)
from indexing.youtube.keypool import next_pacific_midnight
from playlists import services as playlist_services
from playlists.models import LIKED_ID, Playlist, PlaylistItem
from videos.models import Transcript, Video
from videos.parsing import parse_timestamp, video_from_playlist_item, video_from_resource
from videos.search import cache as search_cache
from videos.search import index_videos
from videos.services import (
    DETAIL_FIELDS,
    SNIPPET_FIELDS,
    TranscriptWrite,
    transcript_mark_write,
    transcript_write,
    video_upsert_many,
)

logger = logging.getLogger(__name__)

Status = IndexJob.Status
Outcome = JobVideo.Outcome
# A transcript in one of these states needs no new fetch unless re-index is asked.
SETTLED_TRANSCRIPTS = (
    Transcript.Status.FETCHED,
    Transcript.Status.NONE,
    Transcript.Status.DISABLED,
    Transcript.Status.UNAVAILABLE,
)
PUBLISH_BATCH = 100  # messages per Redis round trip when fanning out
# Preparing a message costs ~0.2 ms: the worker's other greenlets (the orchestrator runs in one)
# get their turn every 10 messages, not after 100.
PUBLISH_YIELD_EVERY = 10
# Each job's first videos go ahead of every job's later ones: the broker serves a queue's
# priority 0 first, then 3, 6, 9 (kombu's Redis priority_steps; RabbitMQ would need
# x-max-priority and serves high numbers first). A job's n-th published video gets the priority
# of the first step whose bound n is under, 9 past them: someone who starts 50 videos behind
# another's 5,000 sees progress within their first 20 videos instead of after the 5,000.
# Within a job, videos still run in playlist order.
VIDEO_PRIORITY_STEPS = ((20, 0), (200, 3), (2000, 6))
# index_playlist's longest retry backoff (indexing/tasks.py): a retry waiting for its ETA is held
# by a worker, not in the queue, so the sweeper cannot see it (see job_orchestrator_sweep).
ORCHESTRATOR_RETRY_MAX_SECONDS = 300
# One delivery of index_playlist lists a job at a time: it holds this lock, renewed each page.
# Long enough for a page's two YouTube calls with their retries (30 s timeout, 3 tries each);
# a dead worker's lock delays the sweeper's re-queue of its job by at most this long.
LISTING_LOCK_SECONDS = 240


# --- starting a job -------------------------------------------------------------------------


def _youtube_client(user) -> YouTubeClient:
    """The user's OAuth client, or the API key pool for a user without Google (an admin)."""
    credentials = playlist_services.google_credentials(user=user)
    return YouTubeClient(credentials=credentials) if credentials else YouTubeClient()


def playlist_resolve(*, user, youtube_id: str) -> Playlist:
    """The Playlist row for an id someone asked to index, checking they may see it.

    Another person's private playlist -> 403; an id YouTube does not know gets a stub row, and
    its job then fails with "playlist not found" (the issue asks for a failed job, not a 4xx).
    """
    if youtube_id == LIKED_ID:
        return _liked_resolve(user)
    known = Playlist.objects.filter(youtube_id=youtube_id).first()
    if known and (known.owners.filter(pk=user.pk).exists() or known.privacy_status == "public"):
        return known
    client = _youtube_client(user)
    try:
        found = client.playlists_by_id([youtube_id])
        if found:
            mine = _is_own_playlist(client, found[0])
            return playlist_services.playlist_upsert_many(
                resources=found, owner=user if mine else None
            )[0]
        # Not listed: unknown, private to someone else, or a special list such as Liked videos.
        client.playlist_items(youtube_id)
    except Forbidden as exc:
        raise ApplicationError(
            "This playlist is private and belongs to another account.",
            status_code=403,
            extra={"playlist_id": youtube_id},
        ) from exc
    except AuthError as exc:
        raise playlist_services.GoogleAuthRequired(
            "Your Google sign-in expired or was revoked. Please sign in with Google again."
        ) from exc
    except (NotFound, QuotaExhausted, QuotaExceeded, TransientError):
        # The job records what happens next: failed (not found) or waiting for quota.
        pass
    return playlist_services.playlist_stub(youtube_id=youtube_id, owner=user)


def _liked_resolve(user) -> Playlist:
    client = _youtube_client(user)
    if client.credentials is None:
        raise ApplicationError("Liked videos need a Google sign-in.", status_code=403)
    try:
        channel = client.channels_mine()
    except AuthError as exc:
        raise playlist_services.GoogleAuthRequired(
            "Your Google sign-in expired or was revoked. Please sign in with Google again."
        ) from exc
    except YouTubeError as exc:
        raise ApplicationError(f"YouTube did not answer: {exc}", status_code=503) from exc
    playlist = playlist_services.liked_playlist(owner=user, channel=channel) if channel else None
    if playlist is None:
        raise ApplicationError("Your account has no Liked videos list.", status_code=404)
    return playlist


def _is_own_playlist(client: YouTubeClient, resource: dict) -> bool:
    if client.credentials is None:
        return False
    return (resource.get("status") or {}).get("privacyStatus") != "public"


def index_job_start(
    *, user, playlist: Playlist, reindex: bool = False, started_by: str = IndexJob.StartedBy.USER
) -> tuple[IndexJob, bool]:
    """Create a queued job and queue the orchestrator after commit; (job, created).

    The partial unique constraint one_active_job_per_playlist is the claim: a second click, a
    second browser or a second worker inserting at the same time gets the IntegrityError and the
    job that is already active, never a second job.
    """
    try:
        with transaction.atomic():
            job = IndexJob.objects.create(
                user=user, playlist=playlist, reindex=reindex, started_by=started_by
            )
            transaction.on_commit(lambda: _queue_orchestrator(job.pk))
    except IntegrityError:
        active = IndexJob.objects.filter(
            user=user, playlist=playlist, status__in=IndexJob.ACTIVE
        ).first()
        if active is None:
            # The active job finished between our insert and this read: try once more.
            return index_job_start(
                user=user, playlist=playlist, reindex=reindex, started_by=started_by
            )
        return active, False
    if playlist.owners.filter(pk=user.pk).exists() is False:
        playlist.owners.add(user)
    return job, True


def _queue_orchestrator(job_id: int, *, eta: datetime | None = None) -> None:
    from indexing.tasks import index_playlist

    index_playlist.apply_async((job_id,), eta=eta)


# --- the orchestrator ------------------------------------------------------------------------


def _claim_for_listing(job_id: int) -> IndexJob | None:
    """queued/waiting_quota -> running; also a running job whose fan-out never happened (the
    worker died while listing, and the message came back)."""
    now = timezone.now()
    claimable = Q(status__in=[Status.QUEUED, Status.WAITING_QUOTA]) | Q(
        status=Status.RUNNING, dispatched_at__isnull=True
    )
    changed = (
        IndexJob.objects.filter(claimable, pk=job_id)
        .filter(Q(resume_at__isnull=True) | Q(resume_at__lte=now) | Q(status=Status.QUEUED))
        .update(status=Status.RUNNING, started_at=now, message="", resume_at=None)
    )
    if not changed:
        return None
    return IndexJob.objects.select_related("playlist", "user").get(pk=job_id)


def _job_fail(job_id: int, message: str) -> None:
    logger.info("job %s failed: %s", job_id, message)
    with transaction.atomic():
        failed = IndexJob.objects.filter(pk=job_id, status__in=IndexJob.ACTIVE).update(
            status=Status.FAILED, message=message[:500], finished_at=timezone.now()
        )
        if failed:
            transaction.on_commit(lambda: _failed_job_videos_go_on(job_id))


def _failed_job_videos_go_on(job_id: int) -> None:
    """A job failed part-way through its listing (a later page answered 404, the Google grant
    was revoked, a bug): the pages fanned out before have their videos' messages out, and those
    videos were real work. They go on; the job stays failed with its reason, and its figures
    count them once they settle: the live state gets its `todo` as at the end of a listing, so
    the last of them to settle queues finish_job, and the sweeper re-queues lost ones
    (job_sweep watches a failed job's pending videos too)."""
    counts = JobVideo.objects.filter(job_id=job_id).aggregate(
        total=Count("id"),
        skipped=Count("id", filter=Q(outcome=Outcome.SKIPPED)),
        pending=Count("id", filter=Q(outcome=Outcome.PENDING)),
    )
    total, skipped = counts["total"], counts["skipped"]
    if not counts["pending"]:
        if total:
            job_finish(job_id=job_id)  # every listed video has settled already: its counts
        return
    snap = progress.snapshot(job_id=job_id)
    # A re-listing (after a quota wait) does not count its pages in Redis: rebuild from rows.
    stale = not snap.found or (snap.total, snap.skipped) != (total, skipped)
    _dispatched(job_id, total, skipped, relist=stale)


def _job_wait_quota(job_id: int, reset_at: datetime) -> None:
    message = (
        "YouTube's daily quota is used up; indexing resumes automatically at "
        f"{reset_at:%Y-%m-%d %H:%M} UTC."
    )
    IndexJob.objects.filter(pk=job_id, status=Status.RUNNING).update(
        status=Status.WAITING_QUOTA, message=message, resume_at=reset_at
    )
    _queue_orchestrator(job_id, eta=reset_at)


@dataclass
class Listing:
    video_ids: list[str]  # YouTube ids in playlist order, without duplicates
    pks: dict[str, int]
    complete: bool = True  # False: stopped early (the job was cancelled while listing)
    hidden: int = 0  # entries shown as "Private video" or "Deleted video": nothing to index


# Called with each page's new videos (ids in playlist order, their pks); False stops the listing.
PageHandler = Callable[[list[str], dict[str, int]], bool]


def _list_playlist(
    client: YouTubeClient, playlist: Playlist, on_page: PageHandler | None = None
) -> Listing:
    """Page through the playlist (50 a call), upserting items, videos and their details, and
    hand each page's new videos to `on_page` as soon as they are stored."""
    meta = client.playlists_by_id([playlist.api_id])
    if meta and not playlist.is_liked:
        playlist_services.playlist_upsert_many(resources=meta)
    order: list[str] = []
    pks: dict[str, int] = {}
    seen_items: list[str] = []
    hidden = 0
    token: str | None = None
    while True:
        page = client.playlist_items(playlist.api_id, page_token=token)
        page_pks, item_ids = _store_page(client, playlist, page.items)
        seen_items += item_ids
        hidden += len(page.items) - len(item_ids)
        new = [v for v in page_pks if v not in pks]
        order += new
        pks.update(page_pks)
        if on_page is not None and new and not on_page(new, pks):
            return Listing(video_ids=order, pks=pks, complete=False, hidden=hidden)
        token = page.next_page_token
        if not token:
            break
    # Items removed from the playlist since the last listing go; videos stay in the index.
    PlaylistItem.objects.filter(playlist=playlist).exclude(youtube_id__in=seen_items).delete()
    return Listing(video_ids=order, pks=pks, hidden=hidden)


def _store_page(
    client: YouTubeClient, playlist: Playlist, items: list[dict]
) -> tuple[dict[str, int], list[str]]:
    records = []
    for item in items:
        data = video_from_playlist_item(item)
        if data is not None:  # deleted and private videos have no owner channel: skip
            records.append((item, data))
    if not records:
        return {}, []
    pks = video_upsert_many(videos=[d for _, d in records], update_fields=SNIPPET_FIELDS)
    details = client.videos([d.youtube_id for _, d in records])
    video_upsert_many(videos=[video_from_resource(r) for r in details], update_fields=DETAIL_FIELDS)
    rows = [
        PlaylistItem(
            playlist=playlist,
            video_id=pks[data.youtube_id],
            youtube_id=item["id"],
            position=int((item.get("snippet") or {}).get("position") or 0),
            added_at=parse_timestamp((item.get("snippet") or {}).get("publishedAt")),
        )
        for item, data in records
    ]
    PlaylistItem.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["youtube_id"],
        update_fields=["playlist", "video", "position", "added_at"],
    )
    return pks, [r.youtube_id for r in rows]


def _listing_lock_name(job_id: int) -> str:
    return f"job-listing:{job_id}"


@dataclass
class _ListingLock:
    """The job's listing lock, held by one delivery of its orchestrator."""

    job_id: int
    token: str

    def renew(self) -> bool:
        name = _listing_lock_name(self.job_id)
        if locks.lock_renew(name, self.token, ttl_seconds=LISTING_LOCK_SECONDS):
            return True
        logger.warning("job %s: another delivery took over the listing", self.job_id)
        return False


def playlist_index_run(*, job_id: int) -> None:
    """List the playlist and fan out as it goes: each page's videos get their JobVideo rows and
    their tasks as soon as the page is stored, so transcripts are being fetched while the rest
    of a long playlist is still being listed (the listing of 3000 videos took ~4 s).

    One delivery lists a job at a time: the listing lock is taken before the claim (which also
    takes a running job not yet dispatched, a dead worker's), so a second delivery (the sweeper
    re-queued an orchestrator it thought lost, Redis handed a message back) returns without
    touching the job while the first lists; a retry after a transient error finds it free."""
    name = _listing_lock_name(job_id)
    token = locks.lock_acquire(name, ttl_seconds=LISTING_LOCK_SECONDS)
    if token is None:
        logger.info("job %s: another delivery is listing it", job_id)
        return
    try:
        _list_and_fan_out(job_id, _ListingLock(job_id, token))
    finally:
        locks.lock_release(name, token)


def _list_and_fan_out(job_id: int, lock: _ListingLock) -> None:
    job = _claim_for_listing(job_id)
    if job is None:
        return
    # A job listed before (the orchestrator died or waited for quota mid-listing) may have
    # settled videos already: its live state is rebuilt from PostgreSQL once the listing ends.
    relist = JobVideo.objects.filter(job_id=job_id).exists()
    if not relist:
        progress.job_begin(job_id=job_id, total=0, skipped=0, todo=None, reindex=job.reindex)
    else:
        # A job failed while listing had its `todo` set for the videos listed then: kept, a
        # video settling now would be "the last" and finish the job before this listing ends.
        progress.job_listing_again(job_id=job_id)
    published = _Published()
    try:
        client = _youtube_client(job.user)
        listing = _list_playlist(
            client,
            job.playlist,
            on_page=lambda ids, pks: (
                lock.renew() and _fan_out_page(job, ids, pks, relist, published)
            ),
        )
        if client.credentials is not None:
            playlist_services.google_credentials_store(
                user=job.user, credentials=client.credentials
            )
    except playlist_services.GoogleAuthRequired as exc:
        return _job_fail(job_id, exc.message)
    except NotFound:
        return _job_fail(job_id, "playlist not found")
    except Forbidden:
        return _job_fail(job_id, "this playlist is private and belongs to another account")
    except AuthError as exc:
        if exc.reason == "refresh":
            # Google refused the refresh token mid-listing: the grant is gone (as when
            # google_credentials refreshes it), so the person is asked to sign in again and
            # Keep up to date waits for that instead of failing a job every day.
            playlist_services.google_grant_refused(user=job.user, reason=str(exc))
        return _job_fail(job_id, "Google access was revoked or expired: sign in again")
    except QuotaExhausted as exc:
        return _job_wait_quota(job_id, exc.reset_at)
    except QuotaExceeded:
        return _job_wait_quota(job_id, next_pacific_midnight(timezone.now()))
    except TransientError:
        # Back to queued, so the task's retry (with backoff) can claim it again.
        IndexJob.objects.filter(pk=job_id, status=Status.RUNNING).update(status=Status.QUEUED)
        raise
    except YouTubeError as exc:
        return _job_fail(job_id, f"YouTube error: {exc}")
    if listing.complete:
        _fan_out_done(job, relist, listing.hidden)


@dataclass
class _Published:
    """How many index_video tasks a listing has published so far (their priority follows)."""

    count: int = 0


def _fan_out_page(
    job: IndexJob, video_ids: list[str], pks: dict[str, int], relist: bool, published: _Published
) -> bool:
    """JobVideo rows for one page's videos, and their tasks once those rows are committed.
    False when the job stopped running (cancelled while listing): list no further."""
    page = [pks[v] for v in video_ids]
    done = set()
    if not job.reindex:
        done = set(
            Transcript.objects.filter(
                video_id__in=page, status__in=SETTLED_TRANSCRIPTS
            ).values_list("video_id", flat=True)
        )
    with transaction.atomic():
        # The job's row lock orders this page against Cancel: either Cancel sees these rows
        # (and skips them) or this page sees the job cancelled.
        status = (
            IndexJob.objects.select_for_update().filter(pk=job.pk).values_list("status", flat=True)
        )
        if status.first() != Status.RUNNING:
            return False
        JobVideo.objects.bulk_create(
            [
                JobVideo(
                    job_id=job.pk,
                    video_id=pk,
                    outcome=Outcome.SKIPPED if pk in done else Outcome.PENDING,
                    reason="already indexed" if pk in done else "",
                )
                for pk in page
            ],
            ignore_conflicts=True,
        )
        todo = [v for v in video_ids if pks[v] not in done]
        skipped = len(page) - len(todo)
        # Counted among the published ones, not the listed ones: a playlist of 5,000 videos
        # already indexed but its last 10 has 10 to do, and they go first.
        first, published.count = published.count, published.count + len(todo)

        def publish() -> None:
            if not relist:  # a re-listing rebuilds the live counts at its end instead
                progress.job_listed(job_id=job.pk, total=len(page), skipped=skipped)
            _publish_videos(job.pk, todo, first=first)
            if done:
                # Already indexed, now in this playlist too: their search documents carry
                # their playlists (playlist_ids, kept by migration 0018's triggers).
                search_index_quietly(sorted(done))

        transaction.on_commit(publish)
    return True


def _fan_out_done(job: IndexJob, relist: bool, hidden: int) -> None:
    """The listing is complete: store the totals (and how many entries YouTube hides as
    private or deleted videos) and mark the job dispatched (the sweeper watches it from now
    on); the job finishes when its last video settles, or right away when every video has
    settled already (or there was none)."""
    with transaction.atomic():
        locked = IndexJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != Status.RUNNING or locked.dispatched_at is not None:
            return  # cancelled while listing, or another delivery already fanned out
        counts = JobVideo.objects.filter(job_id=job.pk).aggregate(
            total=Count("id"), skipped=Count("id", filter=Q(outcome=Outcome.SKIPPED))
        )
        locked.total, locked.skipped = counts["total"], counts["skipped"]
        locked.hidden = hidden
        locked.dispatched_at = timezone.now()
        locked.save(update_fields=["total", "skipped", "hidden", "dispatched_at"])
        total, skipped = locked.total, locked.skipped
        transaction.on_commit(lambda: _dispatched(job.pk, total, skipped, relist))
    logger.info("job %s: %d videos, %d skipped, %d hidden", job.pk, total, skipped, hidden)


def _dispatched(job_id: int, total: int, skipped: int, relist: bool) -> None:
    from indexing.tasks import finish_job, sweep_job

    if relist:
        _progress_rebuild(job_id)
    if progress.job_listed_all(job_id=job_id, total=total, skipped=skipped):
        finish_job.delay(job_id)  # everything settled while we were listing (or nothing to do)
    sweep_job.apply_async((job_id,), countdown=conf.get("INDEXING_SWEEP_AFTER_SECONDS"))


def video_priority(position: int) -> int:
    """The broker priority of a job's video published `position`-th (from 0): see
    VIDEO_PRIORITY_STEPS."""
    for bound, priority in VIDEO_PRIORITY_STEPS:
        if position < bound:
            return priority
    return 9


def _publish_videos(job_id: int, video_ids: list[str], *, first: int = 0) -> None:
    """The videos' tasks, the first of them the job's `first`-th published (their priority).

    One producer and one Redis round trip per PUBLISH_BATCH messages: kombu's publish batch
    pipelines the LPUSHes, where one publish each cost a round trip and a new Redis client
    (~0.3 ms of the orchestrator's CPU per video)."""
    from indexing.tasks import index_video

    for at in range(0, len(video_ids), PUBLISH_BATCH):
        with index_video.app.producer_or_acquire() as producer, producer.batch():
            for n, video_id in enumerate(video_ids[at : at + PUBLISH_BATCH], 1):
                priority = video_priority(first + at + n - 1)
                index_video.apply_async((video_id, job_id), producer=producer, priority=priority)
                if n % PUBLISH_YIELD_EVERY == 0:
                    _let_others_run()


def _publish(job_id: int, video_ids: list[str]) -> None:
    """Re-publish videos of a dispatched job (retry failed, sweeper), and watch it again."""
    from indexing.tasks import sweep_job

    _publish_videos(job_id, video_ids)
    sweep_job.apply_async((job_id,), countdown=conf.get("INDEXING_SWEEP_AFTER_SECONDS"))


# --- one video ------------------------------------------------------------------------------


class RetryLater(Exception):
    """Try this video again in `countdown` seconds (transient error, IP block, lock busy)."""

    def __init__(self, countdown: float, reason: str, *, counts: bool = True) -> None:
        super().__init__(reason)
        self.countdown = countdown
        self.reason = reason
        self.counts = counts


def backoff(attempt: int, *, factor: float = 1.0) -> float:
    """Exponential backoff with jitter: base·2^attempt·factor, capped, times 0.5–1.5."""
    base = conf.get("INDEXING_BACKOFF_BASE_SECONDS") * factor
    delay = min(conf.get("INDEXING_BACKOFF_MAX_SECONDS"), base * 2**attempt)
    return round(delay * (0.5 + random.random()), 2)


def _job_reindex(job_id: int) -> bool:
    return IndexJob.objects.filter(pk=job_id, reindex=True).exists()


@dataclass
class _VideoLock:
    """The per-video Redis lock of one task; released once, with the settle when it can be."""

    name: str
    token: str | None  # None: not ours
    released: bool = False

    def release_queue(self, pipe) -> None:
        if self.token and not self.released:
            locks.lock_release_queue(pipe, self.name, self.token)
            self.released = True

    def release(self) -> None:
        if self.token and not self.released:
            locks.lock_release(self.name, self.token)
            self.released = True


def video_index_run(*, video_id: str, job_id: int, attempt: int = 0) -> str | None:
    """Index one video for one job; returns the outcome recorded, or None if nothing to do.

    `video_id` is the YouTube id: the fetch needs no database access, so a greenlet holds a
    pooled PostgreSQL connection only for the short write at the end, never during HTTP.
    Redis is asked twice: once before the fetch (gate, lock, rate token) and once after it
    (settle, lock release): each round trip costs a wait for the worker's CPU under load.
    """
    pipe = redis_client().pipeline(transaction=False)
    progress.video_gate_queue(pipe, job_id=job_id, video_id=video_id)
    lock_name = f"video:{video_id}"
    token = locks.lock_acquire_queue(
        pipe, lock_name, ttl_seconds=conf.get("INDEXING_VIDEO_LOCK_SECONDS")
    )
    # A token taken for a video that turns out to need no fetch only slows the pace a little.
    ratelimit.try_take_queue(pipe)
    replies = pipe.execute()
    gate = progress.video_gate_read(replies)
    lock = _VideoLock(lock_name, token if replies[progress.GATE_REPLIES] else None)
    try:
        if gate.settled or gate.cancelled:
            return None
        if lock.token is None:
            # Another worker has this video (maybe for another job): come back when it is done.
            raise RetryLater(
                2 + random.random() * 3, "video locked by another worker", counts=False
            )
        reindex = _job_reindex(job_id) if gate.reindex is None else gate.reindex
        if not reindex and gate.indexed:
            # Indexed since the fan-out (another job): no fetch, if PostgreSQL agrees.
            recorded = _record(
                job_id,
                video_id,
                Outcome.INDEXED,
                "already indexed",
                attempt,
                if_indexed=True,
                lock=lock,
            )
            if recorded:
                return recorded
        _release_connection()
        ratelimit.acquire(first_wait=ratelimit.taken_wait(replies[progress.GATE_REPLIES + 1]))
        return _fetch_and_record(job_id, video_id, attempt, lock)
    finally:
        lock.release()


def _fetch_and_record(job_id: int, video_id: str, attempt: int, lock: _VideoLock) -> str | None:
    try:
        result = transcript_client.transcript_fetch(video_id)
    except transcript_client.TranscriptUnavailable as exc:
        status = {"disabled": Transcript.Status.DISABLED, "none": Transcript.Status.NONE}
        outcome = Outcome.NO_TRANSCRIPT if exc.kind in status else Outcome.UNAVAILABLE
        tstatus = status.get(exc.kind, Transcript.Status.UNAVAILABLE)
        return _record(
            job_id, video_id, outcome, exc.message, attempt, transcript=tstatus, lock=lock
        )
    except transcript_client.Blocked as exc:
        ratelimit.slow_down(seconds=conf.get("INDEXING_BLOCKED_SLOWDOWN_SECONDS"))
        factor = conf.get("INDEXING_BLOCKED_BACKOFF_FACTOR")
        return _retry_or_fail(job_id, video_id, exc.message, attempt, factor=factor)
    except transcript_client.TranscriptTransient as exc:
        return _retry_or_fail(job_id, video_id, exc.message, attempt)
    except transcript_client.TranscriptError as exc:
        return _record(
            job_id, video_id, Outcome.FAILED, exc.message, attempt, transcript="failed", lock=lock
        )
    _let_others_run()  # the library just parsed the transcript; the write is next
    return _record(job_id, video_id, Outcome.INDEXED, "", attempt, result=result, lock=lock)


def _let_others_run() -> None:
    """Yield to the other greenlets between two stretches of CPU work of one video (parsing,
    then building its write). Under gevent a greenlet runs until it waits on I/O, so responses
    that arrived meanwhile wait for both stretches; with YouTube's latency nearly constant, the
    greenlets delayed together then stay together (a convoy), and each of their requests comes
    back late again. Measured in docs/BENCHMARKS.md. On threads it only releases the GIL."""
    time.sleep(0)


def _release_connection() -> None:
    """Hand the pooled PostgreSQL connection back before waiting on the network: under gevent
    each greenlet holds its own, and 100 greenlets on a pool of 10 would queue for it."""
    if not connection.in_atomic_block:
        connection.close()


def _retry_or_fail(
    job_id: int, video_id: str, reason: str, attempt: int, *, factor: float = 1.0
) -> str:
    if attempt >= conf.get("INDEXING_MAX_RETRIES"):
        message = f"{reason} (gave up after {attempt + 1} attempts)"
        return _record(job_id, video_id, Outcome.FAILED, message, attempt, transcript="failed")
    raise RetryLater(backoff(attempt, factor=factor), reason)


def video_retry_noted(*, job_id: int, video_id: str, reason: str, countdown: float) -> None:
    """Before a retry: count it, and mark the video busy until then so the sweeper waits."""
    progress.count_retry(job_id=job_id)
    JobVideo.objects.filter(
        job_id=job_id, video__youtube_id=video_id, outcome=Outcome.PENDING
    ).update(
        attempts=F("attempts") + 1,
        reason=f"retrying: {reason}"[:1000],
        updated_at=timezone.now() + timedelta(seconds=countdown),
    )


def _record(
    job_id: int,
    video_id: str,
    outcome: str,
    reason: str,
    attempt: int,
    *,
    result: transcript_client.TranscriptResult | None = None,
    transcript: str | None = None,
    if_indexed: bool = False,
    lock: _VideoLock | None = None,
) -> str | None:
    """Claim the job's outcome for the video and store its transcript (or why there is none)
    in one statement, then settle the video in Redis; the last one to settle queues finish_job.
    Nothing pending (cancelled, or a duplicate delivery recorded it already) writes nothing."""
    now = timezone.now()
    write = None
    if result is not None:
        write = transcript_write(
            source="claim",
            language=result.language,
            is_generated=result.is_generated,
            segments=result.segments,
            fetched_at=now,
        )
    elif transcript is not None:
        write = transcript_mark_write(
            source="claim", status=transcript, error=reason, fetched_at=now
        )
    if result is not None:
        _let_others_run()  # chunking and the statement's parameters were the second stretch
    pk = _claim_outcome(job_id, video_id, outcome, reason, attempt, write, if_indexed=if_indexed)
    # Back to the pool before the Redis calls: the connection's work is done.
    _release_connection()
    if pk is None:
        return None
    if result is not None:
        search_index_quietly([pk])
    indexed = result is not None or transcript in SETTLED_TRANSCRIPTS or if_indexed
    # The video's transcript state changed: cached search results are stale (bumped in the
    # settle's round trip).
    _settle(job_id, video_id, outcome, indexed=indexed, lock=lock, bump_search=write is not None)
    return outcome


_CLAIM_SQL = f"""
    UPDATE {JobVideo._meta.db_table} AS jv
       SET outcome = %s, reason = %s, attempts = %s, updated_at = now()
      FROM {Video._meta.db_table} AS v
     WHERE v.youtube_id = %s AND jv.video_id = v.id AND jv.job_id = %s AND jv.outcome = %s
           {{condition}}
 RETURNING v.id, v.search_tier
"""  # noqa: S608 (table names from our models, values as parameters)
_IF_INDEXED_SQL = f"""
       AND EXISTS (SELECT 1 FROM {Transcript._meta.db_table} AS t
                    WHERE t.video_id = v.id AND t.status = ANY(%s))
"""  # noqa: S608 (table names from our models, values as parameters)


def _claim_outcome(
    job_id: int,
    video_id: str,
    outcome: str,
    reason: str,
    attempt: int,
    write: TranscriptWrite | None = None,
    *,
    if_indexed: bool = False,
) -> int | None:
    """The claim and the transcript write are one statement, so one round trip and its own
    transaction (raw SQL: this runs once per video, and the ORM's compile step cost as much as
    the queries); the write's CTEs see the claimed row only, so a lost claim writes nothing."""
    params = [outcome, reason[:1000], attempt + 1, video_id, job_id, Outcome.PENDING]
    claim = _CLAIM_SQL.format(condition="")
    if if_indexed:
        # Only if the transcript really is stored: the Redis hint may be stale.
        claim = _CLAIM_SQL.format(condition=_IF_INDEXED_SQL)
        params.append([str(s) for s in SETTLED_TRANSCRIPTS])
    sql = f"WITH claim AS ({claim}) {write.sql if write else ''} SELECT id FROM claim"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params + (write.params if write else []))
        row = cursor.fetchone()
    return row[0] if row else None


def search_index_quietly(pks: list[int]) -> None:
    """These videos' copies in the search engine brought up to date (Elasticsearch documents;
    nothing to do on PostgreSQL, whose indexes follow the rows); a failure is logged, never
    raised."""
    try:
        index_videos(pks, bump=False)  # the caller bumps the cache version (or its upsert did)
    except Exception:
        # The search engine is a copy rebuilt from PostgreSQL: log, never fail the video.
        logger.exception("search index update failed for %s", pks)


def _settle(
    job_id: int,
    video_id: str,
    outcome: str,
    *,
    indexed: bool = False,
    lock: _VideoLock | None = None,
    bump_search: bool = False,
) -> None:
    """Settle the video in Redis, releasing its lock and, with `bump_search`, invalidating the
    cached search results in the same round trip (when the cache is on the same Redis)."""
    bump_along = bump_search and search_cache.on_redis(settings.REDIS_URL)

    def also(pipe) -> None:
        if lock is not None:
            lock.release_queue(pipe)
        if bump_along:
            search_cache.bump_version_queue(pipe)

    last = progress.settle(
        job_id=job_id, video_id=video_id, outcome=outcome, indexed=indexed, also=also
    )
    if bump_search and not bump_along:
        search_cache.bump_version()
    if last:
        from indexing.tasks import finish_job

        finish_job.delay(job_id)


# --- finishing, cancelling, retrying --------------------------------------------------------


def _outcome_counts(job_id: int) -> dict[str, int]:
    rows = JobVideo.objects.filter(job_id=job_id).values("outcome").annotate(n=Count("id"))
    counts = {o.value: 0 for o in Outcome}
    counts.update({r["outcome"]: r["n"] for r in rows})
    return counts


def job_finish(*, job_id: int) -> IndexJob | None:
    """Write final counts, duration and status once every video has an outcome; idempotent."""
    counts = _outcome_counts(job_id)
    if counts[Outcome.PENDING]:
        return None
    job = IndexJob.objects.filter(pk=job_id).first()
    if job is None:
        return None
    retries = progress.snapshot(job_id=job_id).counts.get("retries", 0)
    fields = {
        "total": sum(counts.values()),
        "skipped": counts[Outcome.SKIPPED],
        "indexed": counts[Outcome.INDEXED],
        "no_transcript": counts[Outcome.NO_TRANSCRIPT],
        "unavailable": counts[Outcome.UNAVAILABLE],
        "failed": counts[Outcome.FAILED],
        "retries": max(job.retries, retries),
    }
    todo = fields["total"] - fields["skipped"]
    if fields["failed"] and fields["failed"] == todo:
        status, message = Status.FAILED, f"all {todo} videos failed"
    elif fields["failed"]:
        status, message = Status.DONE_WITH_FAILURES, f"{fields['failed']} of {todo} videos failed"
    else:
        status, message = Status.DONE, ""
    now = timezone.now()
    finished = IndexJob.objects.filter(pk=job_id, status=Status.RUNNING).update(
        status=status, message=message, finished_at=now, **fields
    )
    if not finished:
        # Cancelled (or already finished): keep the status, refresh the counts.
        IndexJob.objects.filter(pk=job_id).exclude(status__in=IndexJob.ACTIVE).update(**fields)
    return IndexJob.objects.get(pk=job_id)


def index_job_cancel(*, job: IndexJob) -> IndexJob:
    with transaction.atomic():
        changed = IndexJob.objects.filter(pk=job.pk, status__in=IndexJob.ACTIVE).update(
            status=Status.CANCELLED, message="cancelled", finished_at=timezone.now()
        )
        if not changed:
            raise ApplicationError("This job is not running.", status_code=409)
        JobVideo.objects.filter(job_id=job.pk, outcome=Outcome.PENDING).update(
            outcome=Outcome.SKIPPED, reason="cancelled", updated_at=timezone.now()
        )
        transaction.on_commit(lambda: progress.cancel_flag_set(job_id=job.pk))
    return job_finish(job_id=job.pk)


def index_job_retry_failed(*, job: IndexJob) -> IndexJob:
    """Put a finished job's failed videos back in the queue (or re-list it if it never got
    as far as its videos)."""
    if job.status not in (Status.DONE_WITH_FAILURES, Status.FAILED, Status.CANCELLED):
        raise ApplicationError("Only a finished job with failures can be retried.", status_code=409)
    if job.dispatched_at is None:
        return _relist(job)
    failed = list(
        JobVideo.objects.filter(job_id=job.pk, outcome=Outcome.FAILED).values_list(
            "video__youtube_id", flat=True
        )
    )
    if not failed:
        raise ApplicationError("This job has no failed videos to retry.")
    with _reactivating():
        IndexJob.objects.filter(pk=job.pk).update(
            status=Status.RUNNING, message="retrying failed videos", finished_at=None
        )
        JobVideo.objects.filter(job_id=job.pk, outcome=Outcome.FAILED).update(
            outcome=Outcome.PENDING, reason="", attempts=0, updated_at=timezone.now()
        )
        transaction.on_commit(lambda: _republish(job.pk, failed))
    return IndexJob.objects.get(pk=job.pk)


def _relist(job: IndexJob) -> IndexJob:
    """List the job again; the videos it had listed and failed (before its listing failed) or
    cancelled (before their turn) run again with it: pending, no longer settled in its live
    state and the job's cancel flag gone, else the re-listing published them and their tasks
    saw them settled or cancelled and did nothing (a cancelled job's retry ended "done" with
    its cancelled videos never indexed)."""
    redo = JobVideo.objects.filter(job_id=job.pk).filter(
        Q(outcome=Outcome.FAILED) | Q(outcome=Outcome.SKIPPED, reason="cancelled")
    )
    redo_ids = list(redo.values_list("video__youtube_id", flat=True))

    def requeue() -> None:
        progress.cancel_flag_clear(job_id=job.pk)
        if redo_ids and progress.snapshot(job_id=job.pk).found:
            progress.unsettle(job_id=job.pk, video_ids=redo_ids)
        # The sweeper counts this job's re-queues afresh (a job it failed as lost would else
        # fail again at its first look) and from now (its created_at and started_at are old).
        progress.orchestrator_queued_anew(job_id=job.pk)
        _queue_orchestrator(job.pk)

    with _reactivating():
        IndexJob.objects.filter(pk=job.pk).update(
            status=Status.QUEUED, message="", finished_at=None, resume_at=None
        )
        redo.update(outcome=Outcome.PENDING, reason="", attempts=0, updated_at=timezone.now())
        transaction.on_commit(requeue)
    return IndexJob.objects.get(pk=job.pk)


@contextmanager
def _reactivating() -> Iterator[None]:
    """A transaction that makes a finished job active again: the partial unique constraint
    one_active_job_per_playlist refuses it while another job of the playlist runs (a 409)."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise ApplicationError(
            "Another job for this playlist is running; wait for it to finish.", status_code=409
        ) from None


def _progress_rebuild(job_id: int) -> None:
    """Redis lost the job's live state (restart, expiry): rebuild it from PostgreSQL."""
    counts = _outcome_counts(job_id)
    total = sum(counts.values())
    skipped = counts[Outcome.SKIPPED]
    reindex = _job_reindex(job_id)
    progress.job_begin(
        job_id=job_id, total=total, skipped=skipped, todo=total - skipped, reindex=reindex
    )
    settled = JobVideo.objects.filter(job_id=job_id).exclude(
        outcome__in=[Outcome.PENDING, Outcome.SKIPPED]
    )
    for outcome, video_id in settled.values_list("outcome", "video__youtube_id").iterator():
        progress.settle(job_id=job_id, video_id=video_id, outcome=outcome)


def _republish(job_id: int, video_ids: list[str]) -> None:
    if progress.snapshot(job_id=job_id).found:
        progress.unsettle(job_id=job_id, video_ids=video_ids)
    else:
        _progress_rebuild(job_id)
    _publish(job_id, video_ids)


# --- the sweeper ----------------------------------------------------------------------------


# Jobs whose videos the sweeper watches: running ones once dispatched, and failed ones (failed
# while listing, with the pages fanned out before still running: _failed_job_videos_go_on).
SWEPT = Q(status=Status.RUNNING, dispatched_at__isnull=False) | Q(status=Status.FAILED)


def job_sweep(*, job_id: int) -> str:
    """Make sure a running job ends (or a failed one's videos still pending settle): finish it
    when nothing is pending; when it has made no progress for INDEXING_SWEEP_AFTER_SECONDS and the
    queue is empty, its pending videos' messages were lost (a worker killed mid-task): re-queue
    them, and fail those re-queued too often. A failed job keeps its status and message."""
    job = IndexJob.objects.filter(SWEPT, pk=job_id).first()
    if job is None:
        return "idle"
    pending = JobVideo.objects.filter(job_id=job_id, outcome=Outcome.PENDING)
    if not pending.exists():
        job_finish(job_id=job_id)
        return "finished"
    if not progress.snapshot(job_id=job_id).found:
        # Redis lost the job's live state (restarted, flushed) while its videos run on: its
        # page would read "0 / 481 videos" until the job ends. Rebuilt now, at the next sweep
        # (beat's, a starting worker's), not only once the job has stalled.
        _progress_rebuild(job_id)
    after = timedelta(seconds=conf.get("INDEXING_SWEEP_AFTER_SECONDS"))
    now = timezone.now()
    last = JobVideo.objects.filter(job_id=job_id).aggregate(m=Max("updated_at"))["m"]
    since = job.dispatched_at or job.finished_at  # a failed job's: when it failed
    if (last and last > now - after) or (since and since > now - after):
        return "alive"
    if _queue_backlog():
        return "queued"  # messages are waiting: the job is slow, not lost
    lost = list(pending.filter(updated_at__lte=now).values_list("pk", "video__youtube_id"))
    requeue, give_up = _split_by_requeues(job_id, lost)
    for pk, video_id in give_up:
        _record_lost(job_id, pk, video_id)
    JobVideo.objects.filter(pk__in=[pk for pk, _ in requeue]).update(updated_at=now)
    if requeue:
        logger.warning("job %s: re-queueing %d lost videos", job_id, len(requeue))
        _publish(job_id, [v for _, v in requeue])
    elif not pending.exists():
        job_finish(job_id=job_id)
    return f"requeued {len(requeue)}, failed {len(give_up)}"


def _split_by_requeues(job_id: int, lost: list[tuple[int, str]]):
    limit = conf.get("INDEXING_MAX_REQUEUES")
    requeue, give_up = [], []
    for pk, video_id in lost:
        count = progress.requeue_count(job_id=job_id, video_id=video_id)
        (give_up if count > limit else requeue).append((pk, video_id))
    return requeue, give_up


def _record_lost(job_id: int, pk: int, video_id: str) -> None:
    reason = "lost: no worker finished it after several re-queues"
    changed = JobVideo.objects.filter(pk=pk, outcome=Outcome.PENDING).update(
        outcome=Outcome.FAILED, reason=reason, updated_at=timezone.now()
    )
    if changed:
        _settle(job_id, video_id, Outcome.FAILED)


def _queue_backlog() -> int:
    """Messages waiting in the interactive queue (0 when the broker cannot tell)."""
    from indexing.tasks import index_video

    try:
        with index_video.app.connection_for_read() as conn:
            return conn.default_channel.queue_declare(
                queue="interactive", passive=True
            ).message_count
    except Exception:
        return 0


# A job still to be listed: queued, or running but not dispatched yet (its listing not ended).
UNLISTED = Q(status=Status.QUEUED) | Q(status=Status.RUNNING, dispatched_at__isnull=True)


def orchestrator_lost_after() -> timedelta:
    """How long a job still to be listed may show no sign of life before its orchestrator is
    presumed lost: 3 sweeps' worth (15 min by default), and never under twice index_playlist's
    longest retry backoff. Each retry's claim renews the job's started_at, so a job retrying
    after transient errors shows life at least every 300 s plus its listing's time: 15 minutes
    is three such periods, room for a slow listing and for a message a busy worker prefetched."""
    sweep_after = conf.get("INDEXING_SWEEP_AFTER_SECONDS")
    return timedelta(seconds=max(3 * sweep_after, 2 * ORCHESTRATOR_RETRY_MAX_SECONDS))


def job_orchestrator_sweep(*, job_id: int) -> str:
    """Make sure a job still to be listed gets an orchestrator (index_playlist): a queued job
    whose message was lost (Redis restarted without persistence or was flushed, the publish
    after commit failed) or a running one whose orchestrator died mid-listing with its message
    would otherwise wait forever, and Keep up to date would never start its playlist again.

    Sign of life, the latest of: the job's created_at; its started_at (set by every claim for
    listing, each retry of index_playlist's included); its JobVideo rows' updated_at (written
    page by page while listing, and by its videos' tasks); the sweeper's last re-queue of its
    orchestrator (Redis); and the listing lock, held and renewed each page by an orchestrator
    listing it right now, however slowly. None for `orchestrator_lost_after()` and no message
    waiting in the interactive queue (an ETA'd retry is held by a worker, hence the margin):
    the orchestrator is queued again; a second one is harmless (the listing lock, the claim).
    After INDEXING_MAX_REQUEUES re-queues the job fails with the reason, its pending videos too.
    """
    job = IndexJob.objects.filter(UNLISTED, pk=job_id).first()
    if job is None:
        return "idle"
    if _orchestrator_alive(job) or locks.lock_held(_listing_lock_name(job_id)):
        return "alive"
    if _queue_backlog():
        return "queued"  # messages are waiting: the job's may be among them
    requeues = progress.orchestrator_requeued(job_id=job_id)
    if requeues > conf.get("INDEXING_MAX_REQUEUES"):
        _orchestrator_give_up(job, requeues - 1)
        return "failed"
    logger.warning("job %s (%s): re-queueing its lost orchestrator", job_id, job.status)
    _queue_orchestrator(job_id)
    return "requeued orchestrator"


def _orchestrator_alive(job: IndexJob) -> bool:
    since = timezone.now() - orchestrator_lost_after()
    seen = [job.created_at, job.started_at]
    seen.append(JobVideo.objects.filter(job_id=job.pk).aggregate(m=Max("updated_at"))["m"])
    requeued = progress.orchestrator_requeued_at(job_id=job.pk)
    if requeued is not None:
        seen.append(datetime.fromtimestamp(requeued, tz=since.tzinfo))
    return any(at is not None and at > since for at in seen)


def _orchestrator_give_up(job: IndexJob, requeues: int) -> None:
    times = f"{requeues} re-queue{'' if requeues == 1 else 's'}"
    if job.status == Status.QUEUED:
        reason = f"lost: no worker started the job after {times}"
    else:
        reason = f"lost: the playlist's listing stopped and did not resume after {times}"
    with transaction.atomic():
        _job_fail(job.pk, reason)
        JobVideo.objects.filter(job_id=job.pk, outcome=Outcome.PENDING).update(
            outcome=Outcome.FAILED, reason=reason, updated_at=timezone.now()
        )
    job_finish(job_id=job.pk)  # the counts of a job that no longer runs


def jobs_sweep() -> dict[str, str]:
    """Sweep every running job (and every failed one with videos pending), re-queue the lost
    orchestrators of jobs still to be listed, and resume waiting_quota jobs whose reset time
    has passed."""
    results = {}
    pending = JobVideo.objects.filter(job=OuterRef("pk"), outcome=Outcome.PENDING)
    watched = Q(status=Status.RUNNING, dispatched_at__isnull=False) | Q(
        Exists(pending), status=Status.FAILED
    )
    for job_id in IndexJob.objects.filter(watched).values_list("pk", flat=True):
        results[str(job_id)] = job_sweep(job_id=job_id)
    for job_id in IndexJob.objects.filter(UNLISTED).values_list("pk", flat=True):
        results[str(job_id)] = job_orchestrator_sweep(job_id=job_id)
    due = IndexJob.objects.filter(status=Status.WAITING_QUOTA, resume_at__lte=timezone.now())
    for job_id in due.values_list("pk", flat=True):
        _queue_orchestrator(job_id)
        results[str(job_id)] = "resumed"
    return results
