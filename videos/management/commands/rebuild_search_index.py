"""Rebuild the search index: vectors and tiers on PostgreSQL, documents on Elasticsearch.

PostgreSQL vectors are current after every write (a video's is a GENERATED column, a chunk's
words and word pairs are written by a trigger on INSERT and on UPDATE of its text); rebuilding
recomputes them (needed after a change of text search configuration or dictionary), re-tiers
chunks into peak, top, hot, warm, cool and cold (by the video's views: peak share, next up to
the top share, the hot share, the warm share, the cool share, the rest), refreshes planner
statistics, rebuilds the chunks' vocabulary (for prefixes) and invalidates cached results.
With --tiers-only it only re-tiers (cheap when few videos move; run it periodically).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.db.models import F

from videos.models import TranscriptChunk, Video
from videos.search import index_videos
from videos.search.cache import bump_version
from videos.search.tiers import (
    COOL_SHARE,
    HOT_SHARE,
    PEAK_SHARE,
    SHARES_ERROR,
    TOP_SHARE,
    WARM_SHARE,
    search_retier,
    shares_valid,
)


class Command(BaseCommand):
    help = "Rebuild search vectors and tiers (PostgreSQL) or documents (Elasticsearch)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tiers-only", action="store_true", help="only re-tier")
        parser.add_argument("--batch", type=int, default=2000, help="videos per transaction")
        parser.add_argument(
            "--peak-share", type=float, default=PEAK_SHARE, help="share of videos in the peak tier"
        )
        parser.add_argument(
            "--top-share",
            type=float,
            default=TOP_SHARE,
            help="share of videos in the peak and top tiers together",
        )
        parser.add_argument(
            "--hot-share",
            type=float,
            default=HOT_SHARE,
            help="share of videos in the peak, top and hot tiers together",
        )
        parser.add_argument(
            "--warm-share",
            type=float,
            default=WARM_SHARE,
            help="share of videos in the peak, top, hot and warm tiers together",
        )
        parser.add_argument(
            "--cool-share",
            type=float,
            default=COOL_SHARE,
            help="share of videos in all tiers but cold together",
        )

    def handle(
        self,
        *args,
        tiers_only: bool,
        batch: int,
        peak_share: float,
        top_share: float,
        hot_share: float,
        warm_share: float,
        cool_share: float,
        **options,
    ) -> None:
        shares = {"peak_share": peak_share, "top_share": top_share}
        shares |= {"hot_share": hot_share, "warm_share": warm_share, "cool_share": cool_share}
        if not shares_valid(*shares.values()):
            self.stderr.write(SHARES_ERROR)
            return
        started = time.monotonic()
        if settings.SEARCH_BACKEND == "elasticsearch":
            self._elasticsearch(batch)
        else:
            self.stdout.write(str(search_retier(**shares)))
            if not tiers_only:
                self._recompute(batch)
        bump_version()
        self.stdout.write(f"search index rebuilt in {time.monotonic() - started:.1f} s")

    def _recompute(self, batch: int) -> None:
        # Rewriting the title recomputes a video's generated vector; rewriting a chunk's text
        # fires the trigger that writes its vectors (migration 0011).
        ids = list(Video.objects.order_by("id").values_list("id", flat=True))
        for at in range(0, len(ids), batch):
            part = ids[at : at + batch]
            with transaction.atomic():
                Video.objects.filter(pk__in=part).update(title=F("title"))
                TranscriptChunk.objects.filter(video_id__in=part).update(text=F("text"))
            self.stdout.write(f"vectors: {min(at + batch, len(ids))}/{len(ids)} videos")
        with transaction.atomic(), connection.cursor() as cursor:
            # The chunks' vocabulary (migration 0013) only grows as chunks are written: built
            # again here, without the lexemes of deleted chunks or of an older dictionary.
            cursor.execute("DELETE FROM videos_chunklexeme")
            cursor.execute(
                "INSERT INTO videos_chunklexeme (lexeme) SELECT DISTINCT l"
                " FROM videos_transcriptchunk, unnest(tsvector_to_array(search_vector)) l"
            )
            self.stdout.write(f"chunk vocabulary: {cursor.rowcount} lexemes")
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
