"""Audio extraction: ask for a video's MP3, make it (in a worker), tell the person by e-mail.

A request is a row (AudioExtraction) queued on commit to the `media` queue. The task claims it
with one conditional UPDATE (queued or running: a worker killed mid-download hands the message
back, and the next one starts again), downloads and converts with yt-dlp and ffmpeg
(indexing.youtube.audio), then marks it done or failed with the reason and sends one e-mail
either way. Every outcome lands on the row: nothing stays "running" because a step failed.

The MP3 is one file per video, MEDIA_ROOT/audio/<youtube_id>.mp3: a later request for a video
whose file exists is ready at once, without downloading again. A file nobody has asked for in
AUDIO_KEEP_DAYS is removed by the beat sweep (audio_files_expire); asking again makes it anew.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from config.api import ApplicationError
from indexing.youtube.audio import AudioError, AudioTransient, download_mp3
from media.models import AudioExtraction

logger = logging.getLogger(__name__)

Status = AudioExtraction.Status
AUDIO_DIR = "audio"
# A running extraction older than this lost its worker (the task's hard limit is 16 minutes,
# and a killed worker's message comes back only after the broker's visibility timeout).
STALE_AFTER_S = 20 * 60
MAX_ATTEMPTS = 6


def _name(youtube_id: str) -> str:
    """The MP3's name in the storage (the extraction's `file`), one per video."""
    return f"{AUDIO_DIR}/{youtube_id}.mp3"


_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


def audio_path(youtube_id: str) -> Path:
    """MEDIA_ROOT/audio/<youtube_id>.mp3; an id that is not one (a slash, dots) is refused
    rather than turned into a path."""
    if not _YOUTUBE_ID.fullmatch(youtube_id):
        raise ValueError(f"not a YouTube video id: {youtube_id!r}")
    return Path(settings.MEDIA_ROOT) / _name(youtube_id)


def audio_extraction_request(*, user, video) -> tuple[AudioExtraction, bool]:
    """Ask for `video`'s audio for `user` (who gets the e-mail). Returns (extraction, created):
    the request already queued or running for them when there is one."""
    if not user.is_authenticated:
        raise ApplicationError(
            "Sign in to extract audio: the link is sent by e-mail.", status_code=403
        )
    if not user.email:
        raise ApplicationError(
            "Your account has no e-mail address to send the link to.", status_code=400
        )
    try:
        existing = audio_path(video.youtube_id)
    except ValueError as exc:
        raise ApplicationError(f"No audio can be extracted for this video: {exc}") from exc
    from media.tasks import extract_audio

    try:
        with transaction.atomic():
            # Under the video's file lock: the expiry cannot remove the file between this look
            # and the row that says it is ready (audio_files_expire).
            _lock_file(video.youtube_id)
            ready = {}
            if existing.exists():  # made for an earlier request: ready at once, the task mails
                ready = {
                    "status": Status.DONE,
                    "file": _name(video.youtube_id),
                    "finished_at": timezone.now(),
                    "size_bytes": existing.stat().st_size,
                }
            extraction = AudioExtraction.objects.create(user=user, video=video, **ready)
            transaction.on_commit(lambda: extract_audio.delay(extraction.pk))
    except IntegrityError:
        active = AudioExtraction.objects.filter(
            user=user, video=video, status__in=AudioExtraction.ACTIVE
        ).first()
        if active is None:  # finished between the insert and this read: ask again
            return audio_extraction_request(user=user, video=video)
        return active, False
    logger.info("audio of %s requested (extraction %s)", video.youtube_id, extraction.pk)
    return extraction, True


def _lock_file(youtube_id: str) -> None:
    """The video's MP3 lock until the transaction ends (a PostgreSQL advisory lock)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"audio:{youtube_id}"])


class NoFreeSlot(Exception):
    """This worker process already runs AUDIO_CONCURRENCY extractions: try again shortly."""


def audio_extraction_run(*, extraction_id: int) -> str:
    """The task's body: claim, extract, record. Raises AudioTransient (the task retries) and
    NoFreeSlot (the task sends itself again, not counted as an attempt)."""
    slots = _extraction_slots()
    if not slots.acquire(blocking=False):
        raise NoFreeSlot
    try:
        if not _claim(extraction_id):
            return "not active"  # done, failed, or running elsewhere: a duplicate delivery
        extraction = AudioExtraction.objects.select_related("video").get(pk=extraction_id)
        youtube_id = extraction.video.youtube_id
        target = audio_path(youtube_id)
        if not target.exists():
            try:
                _extract(youtube_id, target)
            except AudioTransient:
                _unclaim(extraction_id)  # for the task's retry to claim
                raise
            except AudioError as exc:
                return audio_extraction_fail(extraction_id=extraction_id, reason=exc.message)
        size = target.stat().st_size
        _finish(extraction_id, status=Status.DONE, file=_name(youtube_id), size=size)
        return "done"
    finally:
        slots.release()


def _claim(extraction_id: int) -> bool:
    """queued -> running, in one conditional UPDATE; also a running one whose worker is gone
    (started longer ago than any task can run: the sweep or the broker sent it again)."""
    now = timezone.now()
    lost = Q(status=Status.RUNNING, started_at__lt=now - timedelta(seconds=STALE_AFTER_S))
    claimable = AudioExtraction.objects.filter(Q(status=Status.QUEUED) | lost, pk=extraction_id)
    return bool(claimable.update(status=Status.RUNNING, started_at=now, attempts=F("attempts") + 1))


def _unclaim(extraction_id: int) -> None:
    AudioExtraction.objects.filter(pk=extraction_id, status=Status.RUNNING).update(
        status=Status.QUEUED, queued_at=timezone.now()
    )


def audio_extraction_requeued(*, extraction_id: int) -> None:
    """Its task was sent again (no free slot): the sweep's clock starts over."""
    AudioExtraction.objects.filter(pk=extraction_id, status=Status.QUEUED).update(
        queued_at=timezone.now()
    )


_slots: threading.BoundedSemaphore | None = None


def _extraction_slots() -> threading.BoundedSemaphore:
    """AUDIO_CONCURRENCY extractions at once in this process (gevent's semaphore under the
    gevent pool, which patches threading). A task finding none free sends itself again
    rather than waiting: a wait would hold a worker slot and count against its time limit."""
    global _slots
    if _slots is None:
        _slots = threading.BoundedSemaphore(settings.AUDIO_CONCURRENCY)
    return _slots


def _extract(youtube_id: str, target: Path) -> None:
    """Download into a folder of its own, then move the MP3 into place in one rename, so a
    half-written file is never taken for a finished one (by this request or another)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f".{youtube_id}-", dir=target.parent))
    try:
        mp3 = download_mp3(youtube_id, folder)
        os.replace(mp3.path, target)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def audio_extraction_fail(*, extraction_id: int, reason: str) -> str:
    _finish(extraction_id, status=Status.FAILED, error=reason[:1000])
    logger.info("audio extraction %s failed: %s", extraction_id, reason)
    return "failed"


def _finish(
    extraction_id: int, *, status: str, file: str = "", size: int | None = None, error: str = ""
) -> None:
    AudioExtraction.objects.filter(pk=extraction_id, status__in=AudioExtraction.ACTIVE).update(
        status=status, file=file, size_bytes=size, error=error, finished_at=timezone.now()
    )


@transaction.atomic
def audio_extraction_notify(*, extraction_id: int) -> bool:
    """The e-mail for a finished extraction, once: notified_at is claimed in the transaction
    that sends it, so a mail server that fails leaves it unclaimed for the task's retry."""
    claimed = AudioExtraction.objects.filter(
        pk=extraction_id, notified_at__isnull=True, status__in=[Status.DONE, Status.FAILED]
    ).update(notified_at=timezone.now())
    if not claimed:
        return False
    extraction = AudioExtraction.objects.select_related("video", "user").get(pk=extraction_id)
    context = {
        "extraction": extraction,
        "video": extraction.video,
        "download_url": settings.SITE_URL + reverse("media:download", args=[extraction.pk]),
        "video_url": settings.SITE_URL
        + reverse("videos:video", args=[extraction.video.youtube_id]),
    }
    title = extraction.video.title or extraction.video.youtube_id
    ready = extraction.status == Status.DONE
    subject = f"Your MP3 of “{title}” is ready" if ready else f"No MP3 of “{title}”"
    body = render_to_string("media/audio_email.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [extraction.user.email])
    logger.info("audio extraction %s: e-mail sent (%s)", extraction_id, extraction.status)
    return True


def audio_extraction_sweep(*, now=None) -> dict[str, int]:
    """Beat, every few minutes: a request whose task should have run long ago is sent again.
    That is a running one whose worker died (its message comes back from the broker only
    after the visibility timeout, an hour), and a queued one whose message went missing (the
    broker's Redis restarted, say) or waits behind a long queue. After MAX_ATTEMPTS starts it
    fails with the reason. A duplicate message is harmless: only one claim wins, and the
    rename into place and the e-mail's claim are idempotent."""
    from media.tasks import extract_audio

    now = now or timezone.now()
    stale = now - timedelta(seconds=STALE_AFTER_S)
    lost = AudioExtraction.objects.filter(
        Q(status=Status.RUNNING, started_at__lt=stale)
        | Q(status=Status.QUEUED, queued_at__lt=stale)
    )
    counts = {"requeued": 0, "failed": 0}
    for extraction in lost.only("pk", "attempts"):
        if extraction.attempts >= MAX_ATTEMPTS:
            reason = f"the worker stopped during all {extraction.attempts} attempts"
            audio_extraction_fail(extraction_id=extraction.pk, reason=reason)
            extract_audio.delay(extraction.pk)  # it only sends the e-mail now
            counts["failed"] += 1
            continue
        # Queued again, with the sweep's clock started over: the next sweep waits for this
        # message's run first.
        AudioExtraction.objects.filter(pk=extraction.pk, status__in=AudioExtraction.ACTIVE).update(
            status=Status.QUEUED, queued_at=now
        )
        extract_audio.delay(extraction.pk)
        counts["requeued"] += 1
    if any(counts.values()):
        logger.info("audio sweep: %s", counts)
    return counts


def audio_files_expire(*, now=None) -> int:
    """Beat, with the sweep: remove the MP3s nobody has asked for in settings.AUDIO_KEEP_DAYS
    days (0 keeps them forever), so the disk does not fill with every video ever asked for.
    A file stays while a request for its video is queued or running, or finished within those
    days (a request for a stored file is ready at once, so it starts the days over). Its rows
    stay: "No longer stored" on My audio, and asking again extracts it anew. Returns how many
    files were removed."""
    days = settings.AUDIO_KEEP_DAYS
    folder = Path(settings.MEDIA_ROOT) / AUDIO_DIR
    if not days or not folder.is_dir():
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    files = {p.stem: p for p in folder.glob("*.mp3") if _YOUTUBE_ID.fullmatch(p.stem)}
    wanted = AudioExtraction.objects.filter(
        Q(status__in=AudioExtraction.ACTIVE) | Q(status=Status.DONE, finished_at__gte=cutoff)
    )
    # One query for every file; only those it leaves are locked and asked again, one by one.
    kept = set(
        wanted.filter(video__youtube_id__in=list(files)).values_list("video__youtube_id", flat=True)
    )
    removed = 0
    for youtube_id, path in sorted(files.items()):
        if youtube_id in kept:
            continue
        with transaction.atomic():
            _lock_file(youtube_id)  # a request for it now waits, then finds no file
            if wanted.filter(video__youtube_id=youtube_id).exists():
                continue  # asked for since the first look
            try:
                if path.stat().st_mtime >= cutoff.timestamp():
                    continue  # made within the days (its row finishes a moment later)
                path.unlink()
            except FileNotFoundError:
                continue
        removed += 1
    if removed:
        logger.info("audio: removed %d MP3s nobody asked for in %d days", removed, days)
    return removed
