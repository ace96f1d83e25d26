"""Writes to the index. Every write keyed on a YouTube id is an upsert, so it is idempotent."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from videos.models import Channel, Transcript, TranscriptChunk, Video
from videos.parsing import ChannelData, VideoData
from videos.search.cache import bump_version_on_commit

CHUNK_SECONDS = 30.0

# Fields a videos.list answer fills; a playlist item or search result fills only the first few.
DETAIL_FIELDS = (
    "title",
    "description",
    "channel",
    "published_at",
    "duration_seconds",
    "thumbnails",
    "view_count",
    "like_count",
    "comment_count",
    "language",
    "tags",
    "details_fetched_at",
)
SNIPPET_FIELDS = ("title", "description", "channel", "published_at", "thumbnails")


def channel_upsert_many(*, channels: Iterable[ChannelData]) -> dict[str, int]:
    """INSERT ... ON CONFLICT (youtube_id) DO UPDATE; returns {youtube_id: pk}."""
    unique = {c.youtube_id: c for c in channels if c.youtube_id}
    if not unique:
        return {}
    rows = [
        Channel(
            youtube_id=c.youtube_id,
            title=c.title,
            description=c.description,
            thumbnails=c.thumbnails,
        )
        for c in unique.values()
    ]
    # Titles only: a bare channel reference (from a video) must not blank a full description.
    Channel.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["youtube_id"],
        update_fields=["title", "updated_at"],
    )
    return dict(Channel.objects.filter(youtube_id__in=unique).values_list("youtube_id", "id"))


def video_upsert_many(
    *,
    videos: Iterable[VideoData],
    update_fields: Sequence[str] = DETAIL_FIELDS,
    source: str = Video.Source.PLAYLIST,
) -> dict[str, int]:
    """Upsert videos (and their channels) in one statement each; returns {youtube_id: pk}.

    `update_fields` says which columns an existing row takes from this batch: pass
    SNIPPET_FIELDS for partial records (playlist items) so they never erase details.
    """
    unique = {v.youtube_id: v for v in videos if v.youtube_id}
    if not unique:
        return {}
    channel_ids = channel_upsert_many(
        channels=(
            ChannelData(youtube_id=v.channel_id, title=v.channel_title)
            for v in unique.values()
            if v.channel_id
        )
    )
    now = timezone.now()
    details_at = now if "details_fetched_at" in update_fields else None
    rows = [
        Video(
            youtube_id=v.youtube_id,
            channel_id=channel_ids.get(v.channel_id),
            title=v.title,
            description=v.description,
            published_at=v.published_at,
            duration_seconds=v.duration_seconds,
            thumbnails=v.thumbnails,
            view_count=v.view_count,
            like_count=v.like_count,
            comment_count=v.comment_count,
            language=v.language,
            tags=v.tags,
            source=source,
            details_fetched_at=details_at,
        )
        for v in unique.values()
    ]
    Video.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["youtube_id"],
        update_fields=[*update_fields, "updated_at"],
        batch_size=1000,
    )
    bump_version_on_commit()  # cached search results may now be stale
    return dict(Video.objects.filter(youtube_id__in=unique).values_list("youtube_id", "id"))


@dataclass(frozen=True, slots=True)
class Segment:
    """One timed caption line as YouTube gives it."""

    start: float
    duration: float
    text: str


@dataclass(frozen=True, slots=True)
class Chunk:
    position: int
    start: float
    duration: float
    text: str
    segment_starts: tuple[float, ...] = ()
    segment_offsets: tuple[int, ...] = ()


def chunk_segments(segments: Iterable[Segment], *, seconds: float = CHUNK_SECONDS) -> list[Chunk]:
    """Group caption lines into chunks of about `seconds`, each starting at its first line.

    A chunk closes at the first line that would take it past `seconds`, so no line is split and
    each chunk's start is a moment someone can jump to. Each chunk keeps where its lines start
    (second and character offset), so a match inside it can be placed at its own line.
    """
    chunks: list[Chunk] = []
    texts: list[str] = []
    starts: list[float] = []
    offsets: list[int] = []
    length = 0
    end = 0.0

    def close() -> None:
        chunks.append(
            Chunk(
                len(chunks),
                starts[0],
                round(end - starts[0], 3),
                " ".join(texts),
                tuple(starts),
                tuple(offsets),
            )
        )

    for segment in segments:
        text = " ".join(segment.text.replace("\x00", "").split())
        if not text:
            continue
        if texts and segment.start + segment.duration - starts[0] > seconds:
            close()
            texts, starts, offsets, length = [], [], [], 0
        offsets.append(length + (1 if texts else 0))
        length = offsets[-1] + len(text)
        starts.append(segment.start)
        texts.append(text)
        end = max(end, segment.start + segment.duration)
    if texts:
        close()
    return chunks


_TRANSCRIPT_SAVE_SQL = f"""
    WITH old_chunks AS (DELETE FROM {TranscriptChunk._meta.db_table} WHERE video_id = %s)
    INSERT INTO {Transcript._meta.db_table}
           (video_id, language, is_generated, status, error, fetched_at)
    VALUES (%s, %s, %s, %s, '', %s)
    ON CONFLICT (video_id) DO UPDATE
       SET language = EXCLUDED.language, is_generated = EXCLUDED.is_generated,
           status = EXCLUDED.status, error = EXCLUDED.error, fetched_at = EXCLUDED.fetched_at
 RETURNING id, (SELECT search_tier FROM {Video._meta.db_table} WHERE id = %s)
"""  # noqa: S608 (table names from our models, values as parameters)


# No savepoint inside a caller's transaction (index_video's): it cost two round trips per video,
# and an error here aborts that whole transaction anyway.
@transaction.atomic(savepoint=False)
def transcript_save(
    *, video_id: int, language: str, is_generated: bool, segments: Sequence[Segment]
) -> Transcript:
    """Replace the video's transcript with these segments, chunked; idempotent."""
    # One statement upserts the transcript and deletes the old chunks (a data-modifying WITH
    # runs whether or not it is read): update_or_create + QuerySet.delete() cost 5 extra round
    # trips per video, and bulk_create's ORM compile step as much CPU as the query itself, which
    # the playlist fan-out pays thousands of times (docs/BENCHMARKS.md).
    transcript = Transcript(
        video_id=video_id,
        language=language,
        is_generated=is_generated,
        status=Transcript.Status.FETCHED,
        error="",
        fetched_at=timezone.now(),
    )
    chunks = chunk_segments(segments)
    # COPY is ~1.7 ms per video cheaper than executemany (YOUTUBE-NOTES.md).
    table = TranscriptChunk._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            _TRANSCRIPT_SAVE_SQL,
            [
                video_id,
                video_id,
                language,
                is_generated,
                transcript.status,
                transcript.fetched_at,
                video_id,
            ],
        )
        # The video's search tier goes into the COPY, so the chunk trigger never runs here.
        transcript.pk, tier = cursor.fetchone()
        transcript._state.adding = False
        raw = cursor.cursor
        with raw.copy(
            f"COPY {table} (transcript_id, video_id, position, start, duration, text,"
            " segment_starts, segment_offsets, search_tier) FROM STDIN"
        ) as copy:
            for chunk in chunks:
                copy.write_row(
                    (
                        transcript.pk,
                        video_id,
                        chunk.position,
                        chunk.start,
                        chunk.duration,
                        chunk.text,
                        [float(s) for s in chunk.segment_starts],
                        list(chunk.segment_offsets),
                        tier,
                    )
                )
    bump_version_on_commit()
    return transcript


_TRANSCRIPT_MARK_SQL = f"""
    WITH old_chunks AS (DELETE FROM {TranscriptChunk._meta.db_table} WHERE video_id = %s)
    INSERT INTO {Transcript._meta.db_table}
           (video_id, language, is_generated, status, error, fetched_at)
    VALUES (%s, '', false, %s, %s, %s)
    ON CONFLICT (video_id) DO UPDATE
       SET status = EXCLUDED.status, error = EXCLUDED.error, fetched_at = EXCLUDED.fetched_at
 RETURNING id, language, is_generated
"""  # noqa: S608 (table names from our models, values as parameters)


@transaction.atomic(savepoint=False)
def transcript_mark(*, video_id: int, status: str, error: str = "") -> Transcript:
    """Record that a video has no usable transcript, and why; removes any old chunks.

    One statement, like transcript_save: the fan-out calls this for every caption-less video.
    """
    fetched_at = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_TRANSCRIPT_MARK_SQL, [video_id, video_id, status, error[:2000], fetched_at])
        pk, language, is_generated = cursor.fetchone()
    bump_version_on_commit()
    transcript = Transcript(
        pk=pk,
        video_id=video_id,
        language=language,
        is_generated=is_generated,
        status=status,
        error=error[:2000],
        fetched_at=fetched_at,
    )
    transcript._state.adding = False
    return transcript
