"""Search tiers (videos.models.SearchTier): which videos' chunks are searched first.

Tiers follow views: the peak share of videos, then up to the top share, the hot share, the
warm share, then the rest. New videos start cold; `search_retier` (daily from Celery beat, or
`manage.py rebuild_search_index --tiers-only`) moves the videos whose rank changed tier, with
their chunks.
"""

# ruff: noqa: S608 -- interpolated SQL is table names and constants only.

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

from videos.models import TIER_ORDER, TranscriptChunk, Video

# Cumulative shares of all videos, by views. SEARCH-NOTES.md: a hot tier of ~12.5 % keeps rare
# words fast; the top tier (~1.5 %, ~8x smaller) is where a word said in a few percent of all
# chunks still finds its first 1,000 matches, and the peak tier (0.5 %) where a filler word
# said in a quarter of them does; the warm tier (to 37.5 %, ~2.3x the hot one) is where two
# ordinary words that the tiers before say together a few hundred times find the rest
# (docs/BENCHMARKS.md "Third pass").
PEAK_SHARE = 0.005
TOP_SHARE = 0.015
HOT_SHARE = 0.125
WARM_SHARE = 0.375


@dataclass(frozen=True)
class Retiered:
    peak: int
    top: int
    hot: int
    warm: int
    cold: int
    chunks_moved: int

    def __str__(self) -> str:
        total = self.peak + self.top + self.hot + self.warm + self.cold
        return (
            f"search tiers: peak {self.peak}, top {self.top}, hot {self.hot}, warm {self.warm},"
            f" cold {self.cold} of {total} videos; {self.chunks_moved} chunks changed tier"
        )


def shares_valid(*shares: float) -> bool:
    """Cumulative shares, first tier first: each between 0 and 1, none below the one before."""
    return all(0 <= a <= b <= 1 for a, b in zip((0, *shares), shares, strict=False))


def search_retier(
    *,
    peak_share: float = PEAK_SHARE,
    top_share: float = TOP_SHARE,
    hot_share: float = HOT_SHARE,
    warm_share: float = WARM_SHARE,
) -> Retiered:
    """Re-tier every video by views (ties by id), and its chunks; only rows that move are
    written. Raises ValueError unless 0 <= peak <= top <= hot <= warm <= 1."""
    shares = (peak_share, top_share, hot_share, warm_share)
    if not shares_valid(*shares):
        raise ValueError("the shares must be between 0 and 1, peak <= top <= hot <= warm")
    videos, chunks = Video._meta.db_table, TranscriptChunk._meta.db_table
    total = Video.objects.count()
    peak, top, hot, warm = (int(total * share) for share in shares)
    # One WHEN per tier but the last, in TIER_ORDER: rank <= its cumulative count.
    whens = "".join(f" WHEN r.rank <= %s THEN {tier:d}" for tier in TIER_ORDER[:-1])
    tier = f"CASE{whens} ELSE {TIER_ORDER[-1]:d} END"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {videos} v SET search_tier = {tier} FROM ("
            f"SELECT id, row_number() OVER (ORDER BY view_count DESC NULLS LAST, id) AS rank"
            f" FROM {videos}) r WHERE r.id = v.id AND v.search_tier <> {tier}",
            [peak, top, hot, warm] * 2,
        )
        cursor.execute(
            f"UPDATE {chunks} c SET search_tier = v.search_tier FROM {videos} v "
            "WHERE v.id = c.video_id AND c.search_tier IS DISTINCT FROM v.search_tier"
        )
        moved = cursor.rowcount
    return Retiered(
        peak=peak,
        top=top - peak,
        hot=hot - top,
        warm=warm - hot,
        cold=total - warm,
        chunks_moved=moved,
    )
