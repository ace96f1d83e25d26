"""Rebuild the search index: vectors and tiers on PostgreSQL, documents on Elasticsearch.

PostgreSQL vectors are GENERATED columns, current after every write; rebuilding recomputes
them (needed after a change of text search configuration or dictionary), re-tiers chunks into
top, hot and cold (by the video's views: top share, next up to the hot share, the rest),
refreshes planner statistics and invalidates cached results. With --tiers-only it only
re-tiers (cheap when few videos move; run it periodically).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.db.models import F

from videos.models import SearchTier, TranscriptChunk, Video
from videos.search import index_videos
from videos.search.cache import bump_version

# Shares of all videos, by views. SEARCH-NOTES.md: a hot tier of ~12.5 % keeps rare words fast;
# the top tier (~1.5 %, ~8x smaller) is where a filler word said in a quarter of all chunks
# still finds its first 1,000 matches (docs/BENCHMARKS.md).
TOP_SHARE = 0.015
HOT_SHARE = 0.125


class Command(BaseCommand):
    help = "Rebuild search vectors and tiers (PostgreSQL) or documents (Elasticsearch)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tiers-only", action="store_true", help="only re-tier")
        parser.add_argument("--batch", type=int, default=2000, help="videos per transaction")
        parser.add_argument(
            "--top-share", type=float, default=TOP_SHARE, help="share of videos in the top tier"
        )
        parser.add_argument(
            "--hot-share",
            type=float,
            default=HOT_SHARE,
            help="share of videos in the top and hot tiers together",
        )

    def handle(
        self,
        *args,
        tiers_only: bool,
        batch: int,
        top_share: float,
        hot_share: float,
        **options,
    ) -> None:
        if not 0 <= top_share <= hot_share <= 1:
            self.stderr.write("--top-share and --hot-share must be between 0 and 1, top <= hot")
            return
        started = time.monotonic()
        if settings.SEARCH_BACKEND == "elasticsearch":
            self._elasticsearch(batch)
        else:
            self._retier(top_share, hot_share)
            if not tiers_only:
                self._recompute(batch)
        bump_version()
        self.stdout.write(f"search index rebuilt in {time.monotonic() - started:.1f} s")

    def _retier(self, top_share: float, hot_share: float) -> None:
        videos, chunks = Video._meta.db_table, TranscriptChunk._meta.db_table
        total = Video.objects.count()
        top, hot = int(total * top_share), int(total * hot_share)
        tier = (
            f"CASE WHEN r.rank <= %s THEN {SearchTier.TOP:d} WHEN r.rank <= %s"
            f" THEN {SearchTier.HOT:d} ELSE {SearchTier.COLD:d} END"
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {videos} v SET search_tier = {tier} FROM ("  # noqa: S608
                f"SELECT id, row_number() OVER (ORDER BY view_count DESC NULLS LAST, id) AS rank"
                f" FROM {videos}) r WHERE r.id = v.id AND v.search_tier <> {tier}",
                [top, hot, top, hot],
            )
            cursor.execute(
                f"UPDATE {chunks} c SET search_tier = v.search_tier FROM {videos} v "  # noqa: S608
                "WHERE v.id = c.video_id AND c.search_tier IS DISTINCT FROM v.search_tier"
            )
            moved = cursor.rowcount
        self.stdout.write(
            f"search tiers: top {top}, hot {hot - top}, cold {total - hot} of {total} videos;"
            f" {moved} chunks changed tier"
        )

    def _recompute(self, batch: int) -> None:
        # Rewriting a column makes PostgreSQL recompute the generated vectors of the row.
        ids = list(Video.objects.order_by("id").values_list("id", flat=True))
        for at in range(0, len(ids), batch):
            part = ids[at : at + batch]
            with transaction.atomic():
                Video.objects.filter(pk__in=part).update(title=F("title"))
                TranscriptChunk.objects.filter(video_id__in=part).update(text=F("text"))
            self.stdout.write(f"vectors: {min(at + batch, len(ids))}/{len(ids)} videos")
        with connection.cursor() as cursor:
            for model in (Video, TranscriptChunk):
                cursor.execute(f"ANALYZE {model._meta.db_table}")

    def _elasticsearch(self, batch: int) -> None:
        from django_elasticsearch_dsl.registries import registry

        for index in registry.get_indices():
            index.delete(ignore_unavailable=True)
            index.create()
        ids = list(Video.objects.order_by("id").values_list("id", flat=True))
        for at in range(0, len(ids), batch):
            index_videos(ids[at : at + batch])
            self.stdout.write(f"documents: {min(at + batch, len(ids))}/{len(ids)} videos")
