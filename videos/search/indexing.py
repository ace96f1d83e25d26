"""Bulk actions for Elasticsearch, built from the database: one video document per video and
one chunk document per transcript chunk, each carrying the video's filter fields."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from videos.models import Transcript, TranscriptChunk, Video
from videos.search.documents import CHUNK_INDEX, VIDEO_INDEX
from videos.search.elastic import SEGMENT_FIELDS

BATCH = 500


def _transcript_kind(video: Video) -> str:
    transcript = getattr(video, "transcript", None)
    if transcript is None or transcript.status != Transcript.Status.FETCHED:
        return "none"
    return "auto" if transcript.is_generated else "manual"


def video_filter_fields(video: Video) -> dict[str, Any]:
    return {
        "channel_id": video.channel_id,
        "published_at": video.published_at.isoformat() if video.published_at else None,
        "duration_seconds": video.duration_seconds,
        "language": (video.language or getattr(video, "_transcript_language", "")).lower(),
        "source": video.source,
        "transcript_kind": _transcript_kind(video),
        # Kept by triggers from the topics' and playlists' tables (migration 0018).
        "topic_ids": list(video.topic_ids),
        "playlist_ids": list(video.playlist_ids),
    }


def video_document(video: Video) -> dict:
    return {
        "youtube_id": video.youtube_id,
        "title": video.title,
        "tags": list(video.tags),
        "description": video.description,
        "channel_title": video.channel.title if video.channel else "",
        "view_count": video.view_count,
        **video_filter_fields(video),
    }


def document_actions(
    video_ids: Sequence[int], *, videos: bool = True, chunks: bool = True
) -> Iterator[dict[str, Any]]:
    """Index actions for these videos and/or all their chunks, in batches of BATCH videos."""
    ids = list(video_ids)
    for at in range(0, len(ids), BATCH):
        batch = ids[at : at + BATCH]
        rows = Video.objects.select_related("channel", "transcript").filter(pk__in=batch)
        shared: dict[int, dict[str, Any]] = {}
        for video in rows:
            transcript = getattr(video, "transcript", None)
            video._transcript_language = transcript.language if transcript else ""
            doc = video_document(video)
            shared[video.pk] = video_filter_fields(video)
            shared[video.pk]["youtube_id"] = video.youtube_id
            if videos:
                yield {"_op_type": "index", "_index": VIDEO_INDEX, "_id": str(video.pk), **doc}
        if not chunks:
            continue
        rows = TranscriptChunk.objects.filter(video_id__in=batch).order_by("video_id", "position")
        columns = ("id", "video_id", "position", "start", "text", *SEGMENT_FIELDS)
        for chunk in rows.only(*columns).iterator():
            yield {
                "_op_type": "index",
                "_index": CHUNK_INDEX,
                "_id": str(chunk.pk),
                "video_id": chunk.video_id,
                "position": chunk.position,
                "start": chunk.start,
                "text": chunk.text,
                "segment_starts": chunk.segment_starts,
                "segment_offsets": chunk.segment_offsets,
                **shared[chunk.video_id],
            }


def actions_for_rows(
    rows: Iterable[Any], *, videos: bool, chunks: bool
) -> Iterator[dict[str, Any]]:
    """Actions for model rows (videos or chunks) as django-elasticsearch-dsl hands them over,
    grouped by video so each video's fields are read once."""
    batch: list[int] = []
    for row in rows:
        video_id = getattr(row, "video_id", None) or row.pk
        if not batch or batch[-1] != video_id:
            batch.append(video_id)
        if len(batch) >= BATCH:
            yield from document_actions(batch, videos=videos, chunks=chunks)
            batch = []
    if batch:
        yield from document_actions(batch, videos=videos, chunks=chunks)
