from __future__ import annotations

from django.contrib import admin

from config.display import RowsWithTheirNames
from media.models import AudioExtraction


@admin.register(AudioExtraction)
class AudioExtractionAdmin(RowsWithTheirNames, admin.ModelAdmin):
    list_display = [
        "video",
        "user",
        "status",
        "size_bytes",
        "attempts",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status"]
    list_select_related = ["video", "user"]
    search_fields = ["video__youtube_id", "video__title", "user__email"]
    raw_id_fields = ["video", "user"]
    readonly_fields = ["file", "size_bytes", "attempts", "started_at", "finished_at", "notified_at"]
    date_hierarchy = "created_at"
