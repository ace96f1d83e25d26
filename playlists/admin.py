from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Exists, OuterRef

from config.display import RowsWithTheirNames
from playlists.models import GoogleAccount, Playlist, PlaylistFollow, PlaylistItem


@admin.register(GoogleAccount)
class GoogleAccountAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "user", "token_expiry", "revoked_at", "updated_at"]
    search_fields = ["email", "name", "google_id"]
    # Tokens are never shown, not even masked: they are not in any field list here.
    fields = [
        "user",
        "google_id",
        "email",
        "name",
        "picture",
        "scopes",
        "token_expiry",
        "revoked_at",
    ]
    readonly_fields = fields


class KeptUpToDateFilter(admin.SimpleListFilter):
    title = "kept up to date"
    parameter_name = "kept_up_to_date"

    def lookups(self, request, model_admin):
        return [("yes", "by someone"), ("no", "by nobody")]

    def queryset(self, request, queryset):
        followed = Exists(PlaylistFollow.objects.filter(playlist=OuterRef("pk")))
        if self.value() == "yes":
            return queryset.filter(followed)
        if self.value() == "no":
            return queryset.filter(~followed)
        return queryset


@admin.register(Playlist)
class PlaylistAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "youtube_id",
        "channel_title",
        "item_count",
        "privacy_status",
        "kept_up_to_date_by",
    ]
    search_fields = ["title", "youtube_id", "channel_title"]
    list_filter = ["privacy_status", KeptUpToDateFilter]
    raw_id_fields = ["owners"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(followers=Count("follows"))

    @admin.display(description="kept up to date by", ordering="followers")
    def kept_up_to_date_by(self, playlist: Playlist) -> int:
        return playlist.followers


@admin.register(PlaylistFollow)
class PlaylistFollowAdmin(RowsWithTheirNames, admin.ModelAdmin):
    """Keep up to date, per person and playlist: when the schedule last looked at it and why
    it started no job then (its jobs are under Indexing → Index jobs, started by: schedule)."""

    list_display = ["playlist", "user", "created_at", "checked_at", "last_error"]
    list_filter = [("last_error", admin.EmptyFieldListFilter)]
    search_fields = ["playlist__title", "playlist__youtube_id", "user__username"]
    list_select_related = ["playlist", "user"]
    raw_id_fields = ["playlist", "user"]
    readonly_fields = ["created_at", "checked_at", "last_error"]


@admin.register(PlaylistItem)
class PlaylistItemAdmin(RowsWithTheirNames, admin.ModelAdmin):
    list_display = ["playlist", "position", "video", "added_at"]
    search_fields = ["playlist__youtube_id", "video__youtube_id", "video__title"]
    list_select_related = ["playlist", "video"]
    raw_id_fields = ["playlist", "video"]
