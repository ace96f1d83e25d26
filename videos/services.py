"""Writes to the index. Every write keyed on a YouTube id is an upsert, so it is idempotent."""

from __future__ import annotations

import json
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


# Upserts take their rows in youtube_id order: two statements upserting overlapping rows (two
# topics polled at once) then lock them in the same order, and never wait on each other in a
# cycle ("deadlock detected" when each went in its own order).
_CHANNEL_UPSERT_SQL = f"""
    INSERT INTO {Channel._meta.db_table}
           (youtube_id, title, description, thumbnails, created_at, updated_at)
    SELECT c.youtube_id, c.title, '', '{{}}'::jsonb, now(), now()
      FROM unnest(%s::text[], %s::text[]) AS c(youtube_id, title) ORDER BY c.youtube_id
    ON CONFLICT (youtube_id) DO UPDATE SET title = EXCLUDED.title, updated_at = EXCLUDED.updated_at
    RETURNING youtube_id, id
"""  # noqa: S608 (table names from our models, values as parameters)


def channel_upsert_many(*, channels: Iterable[ChannelData]) -> dict[str, int]:
    """INSERT ... ON CONFLICT (youtube_id) DO UPDATE ... RETURNING; returns {youtube_id: pk}.

    Titles only: a bare channel reference (from a video) must not blank a full description."""
    unique = {c.youtube_id: c for c in channels if c.youtube_id}
    if not unique:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            _CHANNEL_UPSERT_SQL, [list(unique), [c.title or "" for c in unique.values()]]
        )
        return dict(cursor.fetchall())


# Columns a video row takes from a VideoData (and their SQL types in the batch's JSON).
_VIDEO_COLUMNS = {
    "youtube_id": "text",
    "channel_id": "bigint",
    "title": "text",
    "description": "text",
    "published_at": "timestamptz",
    "duration_seconds": "integer",
    "thumbnails": "jsonb",
    "view_count": "bigint",
    "like_count": "bigint",
    "comment_count": "bigint",
    "language": "text",
    "tags": "jsonb",
    "source": "text",
    "details_fetched_at": "timestamptz",
}


def _video_upsert_sql(update_fields: Sequence[str]) -> str:
    columns = ", ".join(_VIDEO_COLUMNS)
    record = ", ".join(f"{name} {kind}" for name, kind in _VIDEO_COLUMNS.items())
    values = ", ".join(
        "ARRAY(SELECT jsonb_array_elements_text(r.tags))" if name == "tags" else f"r.{name}"
        for name in _VIDEO_COLUMNS
    )
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in [*update_fields, "updated_at"])
    return f"""
        INSERT INTO {Video._meta.db_table} ({columns}, created_at, updated_at)
        SELECT {values}, now(), now() FROM jsonb_to_recordset(%s::jsonb) AS r({record})
        ORDER BY r.youtube_id
        ON CONFLICT (youtube_id) DO UPDATE SET {updates}
        RETURNING youtube_id, id
    """  # noqa: S608 (table and column names from our models, values as parameters)


def video_upsert_many(
    *,
    videos: Iterable[VideoData],
    update_fields: Sequence[str] = DETAIL_FIELDS,
    source: str = Video.Source.PLAYLIST,
) -> dict[str, int]:
    """Upsert videos (and their channels) in one statement each; returns {youtube_id: pk}.

    `update_fields` says which columns an existing row takes from this batch: pass
    SNIPPET_FIELDS for partial records (playlist items) so they never erase details.
    Raw SQL with RETURNING: the ORM's bulk_create compile plus a read-back of the ids cost
    ~16 ms per 50 videos, over half of a playlist listing's CPU (docs/BENCHMARKS.md).
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
    fields = [f for f in update_fields if f in _VIDEO_COLUMNS or f == "channel"]
    fields = ["channel_id" if f == "channel" else f for f in fields]
    details_at = timezone.now() if "details_fetched_at" in update_fields else None
    rows = [
        {
            "youtube_id": v.youtube_id,
            "channel_id": channel_ids.get(v.channel_id),
            "title": v.title or "",
            "description": v.description or "",
            "published_at": v.published_at.isoformat() if v.published_at else None,
            "duration_seconds": v.duration_seconds,
            "thumbnails": v.thumbnails or {},
            "view_count": v.view_count,
            "like_count": v.like_count,
            "comment_count": v.comment_count,
            "language": v.language or "",
            "tags": list(v.tags or []),
            "source": source,
            "details_fetched_at": details_at.isoformat() if details_at else None,
        }
        for v in unique.values()
    ]
    with connection.cursor() as cursor:
        cursor.execute(_video_upsert_sql(fields), [json.dumps(rows)])
        pks = dict(cursor.fetchall())
    bump_version_on_commit()  # cached search results may now be stale
    return pks


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


@dataclass(frozen=True)
class TranscriptWrite:
    """Data-modifying CTEs that replace one video's transcript (and its chunks) in a single
    statement, for a statement whose CTE named `source` yields that video's (id, search_tier),
    or no row, and then nothing is written. The caller adds the source CTE before `sql` and its
    own final SELECT after it (the ids in `saved`).

    One statement is one round trip and its own transaction: the fan-out's greenlets otherwise
    held a pooled connection "idle in transaction" across six round trips (BEGIN, claim, upsert,
    COPY, its data, COMMIT), each followed by a wait for the worker's CPU (docs/BENCHMARKS.md).
    """

    sql: str
    params: list


_TRANSCRIPT = Transcript._meta.db_table
_CHUNKS = TranscriptChunk._meta.db_table
_UPSERT_TRANSCRIPT = f"""
    INSERT INTO {_TRANSCRIPT} (video_id, language, is_generated, status, error, fetched_at)
    SELECT id, %s, %s, %s, %s, %s FROM {{source}}
    ON CONFLICT (video_id) DO UPDATE SET {{update}}
    RETURNING id, video_id, language, is_generated
"""  # noqa: S608 (table names from our models, values as parameters)


def transcript_write(
    *, source: str, language: str, is_generated: bool, segments: Sequence[Segment], fetched_at
) -> TranscriptWrite:
    """The transcript upserted, its old chunks deleted, the new ones inserted with the video's
    search tier (so the chunk trigger never runs here)."""
    chunks = chunk_segments(segments)
    update = (
        "language = EXCLUDED.language, is_generated = EXCLUDED.is_generated, "
        "status = EXCLUDED.status, error = EXCLUDED.error, fetched_at = EXCLUDED.fetched_at"
    )
    # The INSERT reads old_chunks' count first, so the DELETE has run before any new row meets
    # the (video, position) unique index: sibling CTEs otherwise run in no set order.
    sql = f"""
        , old_chunks AS (
            DELETE FROM {_CHUNKS} WHERE video_id IN (SELECT id FROM {source}) RETURNING 1
        )
        , saved AS ({_UPSERT_TRANSCRIPT.format(source=source, update=update)})
        , new_chunks AS (
            INSERT INTO {_CHUNKS} (transcript_id, video_id, position, start, duration, text,
                                   segment_starts, segment_offsets, search_tier)
            SELECT saved.id, saved.video_id, c.position, c.start, c.duration, c.text,
                   c.starts::float8[], c.offsets::int[], {source}.search_tier
              FROM saved JOIN {source} ON {source}.id = saved.video_id,
                   unnest(%s::int[], %s::float8[], %s::float8[], %s::text[], %s::text[],
                          %s::text[]) AS c(position, start, duration, text, starts, offsets)
             WHERE (SELECT count(*) FROM old_chunks) >= 0
        )
    """  # noqa: S608 (table names from our models, values as parameters)
    params = [
        language,
        is_generated,
        Transcript.Status.FETCHED,
        "",
        fetched_at,
        [c.position for c in chunks],
        [float(c.start) for c in chunks],
        [float(c.duration) for c in chunks],
        [c.text for c in chunks],
        ["{" + ",".join(map(repr, map(float, c.segment_starts))) + "}" for c in chunks],
        ["{" + ",".join(map(str, c.segment_offsets)) + "}" for c in chunks],
    ]
    return TranscriptWrite(sql, params)


def transcript_mark_write(*, source: str, status: str, error: str, fetched_at) -> TranscriptWrite:
    """The transcript marked with a status and why (no usable one), its old chunks deleted."""
    update = "status = EXCLUDED.status, error = EXCLUDED.error, fetched_at = EXCLUDED.fetched_at"
    sql = f"""
        , old_chunks AS (DELETE FROM {_CHUNKS} WHERE video_id IN (SELECT id FROM {source}))
        , saved AS ({_UPSERT_TRANSCRIPT.format(source=source, update=update)})
    """  # noqa: S608 (table names from our models, values as parameters)
    return TranscriptWrite(sql, ["", False, status, error[:2000], fetched_at])


_VIDEO_SOURCE = f"WITH video AS (SELECT id, search_tier FROM {Video._meta.db_table} WHERE id = %s)"  # noqa: S608


def _write_one(video_id: int, write: TranscriptWrite) -> tuple[int, str, bool]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"{_VIDEO_SOURCE} {write.sql} SELECT id, language, is_generated FROM saved",  # noqa: S608
            [video_id, *write.params],
        )
        row = cursor.fetchone()
    if row is None:
        raise Video.DoesNotExist(f"no video with id {video_id}")
    return row


# No savepoint inside a caller's transaction: it cost two round trips per video, and an error
# here aborts that whole transaction anyway.
@transaction.atomic(savepoint=False)
def transcript_save(
    *, video_id: int, language: str, is_generated: bool, segments: Sequence[Segment]
) -> Transcript:
    """Replace the video's transcript with these segments, chunked; idempotent."""
    fetched_at = timezone.now()
    write = transcript_write(
        source="video",
        language=language,
        is_generated=is_generated,
        segments=segments,
        fetched_at=fetched_at,
    )
    pk, _, _ = _write_one(video_id, write)
    bump_version_on_commit()
    return _transcript(
        pk, video_id, language, is_generated, Transcript.Status.FETCHED, "", fetched_at
    )


@transaction.atomic(savepoint=False)
def transcript_mark(*, video_id: int, status: str, error: str = "") -> Transcript:
    """Record that a video has no usable transcript, and why; removes any old chunks.

    One statement, like transcript_save: the fan-out calls this for every caption-less video.
    """
    fetched_at = timezone.now()
    write = transcript_mark_write(source="video", status=status, error=error, fetched_at=fetched_at)
    pk, language, is_generated = _write_one(video_id, write)
    bump_version_on_commit()
    return _transcript(pk, video_id, language, is_generated, status, error[:2000], fetched_at)


def _transcript(pk, video_id, language, is_generated, status, error, fetched_at) -> Transcript:
    transcript = Transcript(
        pk=pk,
        video_id=video_id,
        language=language,
        is_generated=is_generated,
        status=status,
        error=error,
        fetched_at=fetched_at,
    )
    transcript._state.adding = False
    return transcript
