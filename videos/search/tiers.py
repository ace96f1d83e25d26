"""Search tiers (videos.models.SearchTier): which videos' chunks are searched first.

Tiers follow views: the top share of videos, then up to the hot share, then the rest. New
videos start cold; `search_retier` (daily from Celery beat, or `manage.py rebuild_search_index
--tiers-only`) moves the videos whose rank changed tier, with their chunks.
"""

# ruff: noqa: S608 -- interpolated SQL is table names and constants only.

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

from videos.models import SearchTier, TranscriptChunk, Video

# Shares of all videos, by views. SEARCH-NOTES.md: a hot tier of ~12.5 % keeps rare words fast;
# the top tier (~1.5 %, ~8x smaller) is where a filler word said in a quarter of all chunks
# still finds its first 1,000 matches (docs/BENCHMARKS.md).
TOP_SHARE = 0.015
HOT_SHARE = 0.125


@dataclass(frozen=True)
class Retiered:
    top: int
    hot: int
    cold: int
    chunks_moved: int

    def __str__(self) -> str:
        return (
            f"search tiers: top {self.top}, hot {self.hot}, cold {self.cold} of"
            f" {self.top + self.hot + self.cold} videos; {self.chunks_moved} chunks changed tier"
        )


def search_retier(*, top_share: float = TOP_SHARE, hot_share: float = HOT_SHARE) -> Retiered:
    """Re-tier every video by views (ties by id), and its chunks; only rows that move are
    written. Raises ValueError unless 0 <= top_share <= hot_share <= 1."""
    if not 0 <= top_share <= hot_share <= 1:
        raise ValueError("the top and hot shares must be between 0 and 1, top <= hot")
    videos, chunks = Video._meta.db_table, TranscriptChunk._meta.db_table
    total = Video.objects.count()
    top, hot = int(total * top_share), int(total * hot_share)
    tier = (
        f"CASE WHEN r.rank <= %s THEN {SearchTier.TOP:d} WHEN r.rank <= %s"
        f" THEN {SearchTier.HOT:d} ELSE {SearchTier.COLD:d} END"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {videos} v SET search_tier = {tier} FROM ("
            f"SELECT id, row_number() OVER (ORDER BY view_count DESC NULLS LAST, id) AS rank"
            f" FROM {videos}) r WHERE r.id = v.id AND v.search_tier <> {tier}",
            [top, hot, top, hot],
        )
        cursor.execute(
            f"UPDATE {chunks} c SET search_tier = v.search_tier FROM {videos} v "
            "WHERE v.id = c.video_id AND c.search_tier IS DISTINCT FROM v.search_tier"
        )
        moved = cursor.rowcount
    return Retiered(top=top, hot=hot - top, cold=total - hot, chunks_moved=moved)
