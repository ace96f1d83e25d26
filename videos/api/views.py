from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.pagination import CursorPagination

from config.api import ErrorSerializer
from videos import selectors
from videos.api.serializers import VideoDetailSerializer, VideoSerializer
from videos.models import Video


class NewestFirstPagination(CursorPagination):
    # Cursor paging stays stable while new videos arrive and is O(1) deep into the list.
    ordering = ("-published_at", "-id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class VideoListApi(generics.ListAPIView):
    """Indexed videos, newest first."""

    serializer_class = VideoSerializer
    pagination_class = NewestFirstPagination

    def get_queryset(self):
        return selectors.video_list()


class VideoDetailApi(generics.RetrieveAPIView):
    """One video with its whole transcript, in chunks with start times."""

    serializer_class = VideoDetailSerializer
    lookup_field = "youtube_id"

    @extend_schema(responses={200: VideoDetailSerializer, 404: ErrorSerializer})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_object(self) -> Video:
        return selectors.video_get(youtube_id=self.kwargs["youtube_id"])
