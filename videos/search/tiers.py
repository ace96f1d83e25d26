"""Search tiers (videos.models.SearchTier): which videos' chunks are searched first.

Tiers follow views: the top share of videos, then up to the hot share, then up to the warm
share, then the rest. New videos start cold; `search_retier` (daily from Celery beat, or
`manage.py rebuild_search_index --tiers-only`) moves the videos whose rank changed tier, with
their chunks.
"""

# ruff: noqa: S608 -- interpolated SQL is table names and constants only.

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

from videos.models import SearchTier, TranscriptChunk, Video

# Cumulative shares of all videos, by views. SEARCH-NOTES.md: a hot tier of ~12.5 % keeps rare
# words fast; the top tier (~1.5 %, ~8x smaller) is where a filler word said in a quarter of
# all chunks still finds its first 1,000 matches; the warm tier (to 37.5 %, ~2.3x the hot one)
# is where two ordinary words that top and hot say together a few hundred times find the rest
# (docs/BENCHMARKS.md).
TOP_SHARE = 0.015
HOT_SHARE = 0.125
WARM_SHARE = 0.375


@dataclass(frozen=True)
class Retiered:
    top: int
    hot: int
    warm: int
    cold: int
    chunks_moved: int

    def __str__(self) -> str:
        total = self.top + self.hot + self.warm + self.cold
        return (
            f"search tiers: top {self.top}, hot {self.hot}, warm {self.warm}, cold {self.cold}"
            f" of {total} videos; {self.chunks_moved} chunks changed tier"
        )


def shares_valid(top_share: float, hot_share: float, warm_share: float) -> bool:
    return 0 <= top_share <= hot_share <= warm_share <= 1


def search_retier(
    *, top_share: float = TOP_SHARE, hot_share: float = HOT_SHARE, warm_share: float = WARM_SHARE
) -> Retiered:
    """Re-tier every video by views (ties by id), and its chunks; only rows that move are
    written. Raises ValueError unless 0 <= top_share <= hot_share <= warm_share <= 1."""
    if not shares_valid(top_share, hot_share, warm_share):
        raise ValueError("the shares must be between 0 and 1, top <= hot <= warm")
    videos, chunks = Video._meta.db_table, TranscriptChunk._meta.db_table
    total = Video.objects.count()
    top, hot, warm = (int(total * share) for share in (top_share, hot_share, warm_share))
    tier = (
        f"CASE WHEN r.rank <= %s THEN {SearchTier.TOP:d} WHEN r.rank <= %s"
        f" THEN {SearchTier.HOT:d} WHEN r.rank <= %s THEN {SearchTier.WARM:d}"
        f" ELSE {SearchTier.COLD:d} END"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {videos} v SET search_tier = {tier} FROM ("
            f"SELECT id, row_number() OVER (ORDER BY view_count DESC NULLS LAST, id) AS rank"
            f" FROM {videos}) r WHERE r.id = v.id AND v.search_tier <> {tier}",
            [top, hot, warm, top, hot, warm],
        )
        cursor.execute(
            f"UPDATE {chunks} c SET search_tier = v.search_tier FROM {videos} v "
            "WHERE v.id = c.video_id AND c.search_tier IS DISTINCT FROM v.search_tier"
        )
        moved = cursor.rowcount
    return Retiered(top=top, hot=hot - top, warm=warm - hot, cold=total - warm, chunks_moved=moved)
