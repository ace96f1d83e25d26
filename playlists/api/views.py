"""/api/playlists/: my playlists with how much of each is indexed and its last job; one of them,
and Keep up to date turned on or off (PATCH)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ErrorSerializer
from playlists.models import Playlist
from playlists.selectors import playlist_get_for, playlist_list_for
from playlists.services import playlist_follow_set


class PlaylistSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="api_id")
    indexed_count = serializers.IntegerField()
    last_job_id = serializers.IntegerField(allow_null=True)
    last_job_status = serializers.CharField(allow_null=True)
    last_job_message = serializers.CharField(
        allow_null=True, help_text="why the last job failed, or what it is waiting for"
    )
    keep_up_to_date = serializers.BooleanField(
        help_text="indexed again PLAYLIST_REFRESH_HOURS (24) after its last job ends"
    )
    keep_up_to_date_error = serializers.CharField(
        allow_null=True,
        help_text="why the schedule started no job at its last look (e.g. paused until you "
        "sign in with Google again); empty when it did",
    )
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
            "last_job_message",
            "keep_up_to_date",
            "keep_up_to_date_error",
            "url",
        ]

    def get_thumbnail_url(self, playlist: Playlist) -> str:
        return thumbnail_url(playlist)


def thumbnail_url(playlist: Playlist) -> str:
    for size in ("medium", "high", "default"):
        if url := (playlist.thumbnails.get(size) or {}).get("url"):
            return url
    return ""


class PlaylistUpdateSerializer(serializers.Serializer):
    """What a PATCH may change (read partially, as PATCH is: a field left out is left as it
    is; a PATCH that changes nothing is a 400)."""

    keep_up_to_date = serializers.BooleanField(
        help_text="true: index the playlist again PLAYLIST_REFRESH_HOURS (24) after its last "
        "job ends, for as long as it stays on; false: stop"
    )

    def validate(self, attrs: dict) -> dict:
        if not attrs:
            # A typo ({"keep_uptodate": true}) must not look like a success.
            raise serializers.ValidationError({"keep_up_to_date": ["This field is required."]})
        return attrs


class PlaylistListApi(ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = PlaylistSerializer

    def get_queryset(self):
        return playlist_list_for(user=self.request.user)


class PlaylistDetailApi(APIView):
    """One of my playlists, by the id the list shows ("LL" for Liked videos); PATCH
    {"keep_up_to_date": true} keeps it indexed. Someone else's playlist is a 404."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: PlaylistSerializer, 404: ErrorSerializer})
    def get(self, request, playlist_id: str):
        playlist = playlist_get_for(user=request.user, api_id=playlist_id)
        return Response(PlaylistSerializer(playlist).data)

    @extend_schema(
        request=PlaylistUpdateSerializer,
        responses={200: PlaylistSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def patch(self, request, playlist_id: str):
        playlist = playlist_get_for(user=request.user, api_id=playlist_id)
        serializer = PlaylistUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        playlist_follow_set(
            user=request.user,
            playlist=playlist,
            keep_up_to_date=serializer.validated_data["keep_up_to_date"],
        )
        playlist = playlist_get_for(user=request.user, pk=playlist.pk)
        return Response(PlaylistSerializer(playlist).data)
