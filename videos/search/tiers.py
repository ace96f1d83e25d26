"""Search tiers (videos.models.SearchTier): which videos' chunks are searched first.

Tiers follow views: the peak share of videos, then up to the top share, the hot share, the
warm share, the cool share, then the rest. New videos start cold; `search_retier` (daily from
Celery beat, or `manage.py rebuild_search_index --tiers-only`) moves the videos whose rank
changed tier, with their chunks.
"""

# ruff: noqa: S608 -- interpolated SQL is table names and constants only.

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

from videos.models import TIER_ORDER, TranscriptChunk, Video

# Cumulative shares of all videos, by views, each tier ~3x the one before (videos.models.
# SearchTier): the peak tier (0.5 %) is where a filler word said in a quarter of all chunks
# finds its first 1,000 matches, the top tier where a word said in a few percent of them does;
# the later tiers take the rarer words and word pairs, each query stopping in the first tier
# that completes its 1,000 (docs/BENCHMARKS.md "Fourth pass": the earlier shares 0.5, 1.5,
# 12.5 and 37.5 % made a query that needed a few rows past the top tier build the whole hot
# tier's bitmap, 11x the top tier's).
PEAK_SHARE = 0.005
TOP_SHARE = 0.015
HOT_SHARE = 0.045
WARM_SHARE = 0.135
COOL_SHARE = 0.405


@dataclass(frozen=True)
class Retiered:
    peak: int
    top: int
    hot: int
    warm: int
    cool: int
    cold: int
    chunks_moved: int

    def __str__(self) -> str:
        total = self.peak + self.top + self.hot + self.warm + self.cool + self.cold
        return (
            f"search tiers: peak {self.peak}, top {self.top}, hot {self.hot}, warm {self.warm},"
            f" cool {self.cool}, cold {self.cold} of {total} videos;"
            f" {self.chunks_moved} chunks changed tier"
        )


SHARES_ERROR = "the shares must be between 0 and 1, peak <= top <= hot <= warm <= cool"


def shares_valid(*shares: float) -> bool:
    """Cumulative shares, first tier first: each between 0 and 1, none below the one before."""
    return all(0 <= a <= b <= 1 for a, b in zip((0, *shares), shares, strict=False))


def search_retier(
    *,
    peak_share: float = PEAK_SHARE,
    top_share: float = TOP_SHARE,
    hot_share: float = HOT_SHARE,
    warm_share: float = WARM_SHARE,
    cool_share: float = COOL_SHARE,
) -> Retiered:
    """Re-tier every video by views (ties by id), and its chunks; only rows that move are
    written. Raises ValueError unless 0 <= peak <= top <= hot <= warm <= cool <= 1."""
    shares = (peak_share, top_share, hot_share, warm_share, cool_share)
    if not shares_valid(*shares):
        raise ValueError(SHARES_ERROR)
    videos, chunks = Video._meta.db_table, TranscriptChunk._meta.db_table
    total = Video.objects.count()
    peak, top, hot, warm, cool = (int(total * share) for share in shares)
    # One WHEN per tier but the last, in TIER_ORDER: rank <= its cumulative count.
    whens = "".join(f" WHEN r.rank <= %s THEN {tier:d}" for tier in TIER_ORDER[:-1])
    tier = f"CASE{whens} ELSE {TIER_ORDER[-1]:d} END"
    ranks = (
        f"(SELECT id, row_number() OVER (ORDER BY view_count DESC NULLS LAST, id) AS rank"
        f" FROM {videos}) r"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # The moving videos are locked first, in youtube_id order as the upserts lock theirs
        # (videos.services): an UPDATE taking them in its join's order deadlocked with a
        # listing's upsert of the same videos. They then get the tier the ranking gave them.
        cursor.execute(
            f"SELECT v.id, {tier} FROM {videos} v JOIN {ranks} ON r.id = v.id"
            f" WHERE v.search_tier <> {tier} ORDER BY v.youtube_id FOR UPDATE OF v",
            [peak, top, hot, warm, cool] * 2,
        )
        moving = cursor.fetchall()
        cursor.execute(
            f"UPDATE {videos} v SET search_tier = m.tier"
            " FROM unnest(%s::bigint[], %s::smallint[]) AS m(id, tier) WHERE v.id = m.id",
            [[pk for pk, _tier in moving], [tier for _pk, tier in moving]],
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
        cool=cool - warm,
        cold=total - cool,
        chunks_moved=moved,
    )
