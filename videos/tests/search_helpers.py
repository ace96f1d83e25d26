"""Building a small index through the real write services, for the search tests."""

from __future__ import annotations

from datetime import UTC, datetime

from videos.parsing import VideoData
from videos.services import Segment, transcript_save, video_upsert_many


def add_video(
    youtube_id: str,
    *,
    title: str = "",
    description: str = "",
    tags: tuple[str, ...] = (),
    channel: str = "Plain Channel",
    published: datetime = datetime(2024, 6, 1, tzinfo=UTC),
    duration: int = 600,
    language: str = "en",
    source: str = "playlist",
    said: list[tuple[float, str]] | None = None,
    generated: bool = False,
) -> int:
    """One video (and its channel); `said` is [(start second, words)] of its transcript."""
    ids = video_upsert_many(
        videos=[
            VideoData(
                youtube_id=youtube_id,
                title=title,
                description=description,
                tags=list(tags),
                channel_id="UC" + channel.replace(" ", "")[:20],
                channel_title=channel,
                published_at=published,
                duration_seconds=duration,
                language=language,
            )
        ],
        source=source,
    )
    pk = ids[youtube_id]
    if said is not None:
        segments = [Segment(start, 4.0, text) for start, text in said]
        transcript_save(video_id=pk, language=language, is_generated=generated, segments=segments)
    return pk


def filler(start: float, count: int) -> list[tuple[float, str]]:
    """Unrelated speech, so matching lines land in their own ~30 s chunks."""
    return [(start + 5 * i, "weather today stays mild and grey") for i in range(count)]


def es_search_answer(hits: list[dict]) -> dict:
    """One Elasticsearch search's answer, as it stands on its own or inside an _msearch answer
    (Elasticsearch's docs: there with its status)."""
    return {
        "took": 1,
        "timed_out": False,
        "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
        "hits": {"total": {"value": len(hits), "relation": "eq"}, "max_score": 1.0, "hits": hits},
        "status": 200,
    }
