from __future__ import annotations

from django.contrib import admin
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from videos.models import Channel, Transcript, TranscriptChunk, Video


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


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["title", "youtube_id", "created_at"]
    search_fields = ["title", "youtube_id"]


class TranscriptInline(admin.StackedInline):
    model = Transcript
    extra = 0
    can_delete = False
    readonly_fields = ["language", "is_generated", "status", "error", "fetched_at"]


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
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

    @admin.display(description="transcript", ordering="transcript__status")
    def transcript_status(self, video: Video) -> str:
        transcript = getattr(video, "transcript", None)
        return transcript.get_status_display() if transcript else "not fetched yet"


@admin.register(Transcript)
class TranscriptAdmin(admin.ModelAdmin):
    list_display = ["video", "language", "is_generated", "status", "fetched_at"]
    list_filter = ["status", "is_generated", "language"]
    search_fields = ["video__youtube_id", "video__title"]
    list_select_related = ["video"]
    raw_id_fields = ["video"]


@admin.register(TranscriptChunk)
class TranscriptChunkAdmin(admin.ModelAdmin):
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
