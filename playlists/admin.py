from __future__ import annotations

from django.contrib import admin

from playlists.models import GoogleAccount, Playlist, PlaylistItem


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


@admin.register(Playlist)
class PlaylistAdmin(admin.ModelAdmin):
    list_display = ["title", "youtube_id", "channel_title", "item_count", "privacy_status"]
    search_fields = ["title", "youtube_id", "channel_title"]
    list_filter = ["privacy_status"]
    raw_id_fields = ["owners"]


@admin.register(PlaylistItem)
class PlaylistItemAdmin(admin.ModelAdmin):
    list_display = ["playlist", "position", "video", "added_at"]
    search_fields = ["playlist__youtube_id", "video__youtube_id", "video__title"]
    list_select_related = ["playlist", "video"]
    raw_id_fields = ["playlist", "video"]
