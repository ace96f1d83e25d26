"""/api/playlists/: my playlists with how much of each is indexed and its last job."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated

from playlists.models import Playlist
from playlists.selectors import playlist_list_for


class PlaylistSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="api_id")
    indexed_count = serializers.IntegerField()
    last_job_id = serializers.IntegerField(allow_null=True)
    last_job_status = serializers.CharField(allow_null=True)
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Playlist
        fields = [
            "id",
            "title",
            "channel_title",
            "item_count",
            "privacy_status",
            "thumbnail_url",
            "indexed_count",
            "last_job_id",
            "last_job_status",
            "url",
        ]

    def get_thumbnail_url(self, playlist: Playlist) -> str:
        return thumbnail_url(playlist)


def thumbnail_url(playlist: Playlist) -> str:
    for size in ("medium", "high", "default"):
        if url := (playlist.thumbnails.get(size) or {}).get("url"):
            return url
    return ""


class PlaylistListApi(ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = PlaylistSerializer

    def get_queryset(self):
        return playlist_list_for(user=self.request.user)
