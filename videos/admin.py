from __future__ import annotations

import logging
from collections.abc import Iterable

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.utils.functional import cached_property

from config.display import RowsWithTheirNames
from videos import search
from videos.models import Channel, Transcript, TranscriptChunk, Video

logger = logging.getLogger(__name__)


class EstimatedCountPaginator(Paginator):
    """COUNT(*) over millions of chunks is slow; the planner's estimate is good enough."""

    @cached_property
    def count(self) -> int:
        query = self.object_list.query
        if query.where:
            return super().count
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE relname = %s",
                [self.object_list.model._meta.db_table],
            )
            row = cursor.fetchone()
        estimate = int(row[0]) if row and row[0] and row[0] > 0 else 0
        return estimate if estimate > 10_000 else super().count


class SearchSyncAdmin(admin.ModelAdmin):
    """Edits and deletions made here reach search as the indexing tasks' writes do: once the
    transaction commits, the videos they touch are brought up to date in the search engine
    (Elasticsearch's documents; PostgreSQL's vectors follow the rows by themselves), deleted
    videos leave it, and cached results are invalidated. Without this a video deleted here
    kept turning up for the cache's ten minutes, and on Elasticsearch for good."""

    # The field of this admin's rows that names their video: "video_id" for a video's rows
    # (transcripts, chunks), "pk" for videos themselves.
    video_field = "video_id"

    def video_ids(self, objects: Iterable | QuerySet) -> list[int]:
        """The videos whose search entries `objects` (rows of this admin's model) are part of;
        a queryset (a bulk delete) is read for those ids only."""
        if isinstance(objects, QuerySet):
            return sorted(set(objects.values_list(self.video_field, flat=True)))
        return sorted({getattr(row, self.video_field) for row in objects})

    # What deleting this model's rows does to their videos: they go (Video), or they stay
    # with less to find (Channel, Transcript, TranscriptChunk).
    deleting_removes_videos = False

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        self._sync(request, changed=self.video_ids([form.instance]))

    def delete_model(self, request, obj) -> None:
        ids = self.video_ids([obj])
        super().delete_model(request, obj)
        self._after_delete(request, ids)

    def delete_queryset(self, request, queryset) -> None:
        ids = self.video_ids(queryset)
        super().delete_queryset(request, queryset)
        self._after_delete(request, ids)

    def _after_delete(self, request, ids: list[int]) -> None:
        if self.deleting_removes_videos:
            self._sync(request, removed=ids)
        else:
            self._sync(request, changed=ids)

    def _sync(self, request, *, changed: list[int] = (), removed: list[int] = ()) -> None:
        def sync() -> None:
            try:
                search.remove_videos(removed)
                search.index_videos(changed)
            except Exception as exc:
                # Saved all the same: the engine is a copy, rebuilt from PostgreSQL.
                logger.exception(
                    "admin: search engine not updated (videos changed %s, removed %s)",
                    changed,
                    removed,
                )
                messages.warning(
                    request,
                    f"Saved, but the search engine could not be updated ({type(exc).__name__}):"
                    " searches may show the old version until `manage.py rebuild_search_index`.",
                )

        transaction.on_commit(sync)


@admin.register(Channel)
class ChannelAdmin(SearchSyncAdmin):
    list_display = ["title", "youtube_id", "created_at"]
    search_fields = ["title", "youtube_id"]
    # Deleting a channel keeps its videos (their channel becomes empty): they change.

    def video_ids(self, objects: Iterable[Channel] | QuerySet) -> list[int]:
        return list(Video.objects.filter(channel__in=objects).values_list("pk", flat=True))


class TranscriptInline(admin.StackedInline):
    model = Transcript
    extra = 0
    can_delete = False
    readonly_fields = ["language", "is_generated", "status", "error", "fetched_at"]


@admin.register(Video)
class VideoAdmin(SearchSyncAdmin):
    list_display = [
        "title",
        "youtube_id",
        "channel",
        "published_at",
        "duration_seconds",
        "language",
        "source",
        "transcript_status",
    ]
    list_filter = ["source", "language", "transcript__status", "transcript__is_generated"]
    search_fields = ["title", "youtube_id", "channel__title"]
    list_select_related = ["channel", "transcript"]
    raw_id_fields = ["channel"]
    date_hierarchy = "published_at"
    # search_tier follows views (the daily re-tier moves the video's chunks with it).
    readonly_fields = ["created_at", "updated_at", "details_fetched_at", "search_tier"]
    inlines = [TranscriptInline]
    deleting_removes_videos = True
    video_field = "pk"

    @admin.display(description="transcript", ordering="transcript__status")
    def transcript_status(self, video: Video) -> str:
        transcript = getattr(video, "transcript", None)
        return transcript.get_status_display() if transcript else "not fetched yet"


class _OfAVideo(RowsWithTheirNames, SearchSyncAdmin):
    """Rows that belong to one video (`video_id`): their video stays, with what is left."""


@admin.register(Transcript)
class TranscriptAdmin(_OfAVideo):
    list_display = ["video", "language", "is_generated", "status", "fetched_at"]
    list_filter = ["status", "is_generated", "language"]
    search_fields = ["video__youtube_id", "video__title"]
    list_select_related = ["video"]
    raw_id_fields = ["video"]


@admin.register(TranscriptChunk)
class TranscriptChunkAdmin(_OfAVideo):
    list_display = ["video", "position", "start", "duration", "short_text"]
    search_fields = ["video__youtube_id"]
    list_select_related = ["video"]
    raw_id_fields = ["video", "transcript"]
    # Set with the rows and by the daily re-tier: a chunk left without one is in no tier's
    # index and so in no search.
    readonly_fields = ["search_tier"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    @admin.display(description="text")
    def short_text(self, chunk: TranscriptChunk) -> str:
        return chunk.text[:80]
