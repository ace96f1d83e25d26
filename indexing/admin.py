from __future__ import annotations

from django.contrib import admin

from indexing.models import ApiKey, IndexJob, JobVideo, Topic


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "masked", "is_active", "disabled_reason", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    readonly_fields = ["disabled_at", "created_at"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "query", "is_active", "poll_interval_minutes", "last_polled_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "query"]
    filter_horizontal = []
    raw_id_fields = ["videos"]


class JobVideoInline(admin.TabularInline):
    model = JobVideo
    extra = 0
    can_delete = False
    raw_id_fields = ["video"]
    readonly_fields = ["video", "outcome", "reason", "attempts", "updated_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(IndexJob)
class IndexJobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "playlist",
        "user",
        "status",
        "total",
        "indexed",
        "no_transcript",
        "unavailable",
        "failed",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "reindex"]
    search_fields = ["playlist__title", "playlist__youtube_id", "user__username"]
    list_select_related = ["playlist", "user"]
    readonly_fields = [f.name for f in IndexJob._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
