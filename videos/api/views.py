from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from config.api import ErrorSerializer
from videos import selectors
from videos.api.serializers import VideoDetailSerializer, VideoSerializer
from videos.models import Video
from videos.transcripts import FORMATS, transcript_response


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


class FormatIsNotARenderer(BaseContentNegotiation):
    """`?format=` names the transcript's format here, not one of DRF's renderers (which would
    answer ?format=srt with a 404): errors are JSON whatever was asked for."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class VideoTranscriptApi(APIView):
    """The video's transcript as a file to download: plain text with a timestamp a line, SRT
    or WebVTT subtitles (the same as the video page's Download links)."""

    renderer_classes = [JSONRenderer]  # for errors; the file is sent as it is
    content_negotiation_class = FormatIsNotARenderer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=True,
                enum=list(FORMATS),
                description="txt: one caption line a line, after its timestamp ([1:02] ...); "
                "srt: SubRip; vtt: WebVTT.",
            )
        ],
        responses={
            **{
                (200, f.content_type.split(";")[0]): OpenApiResponse(
                    OpenApiTypes.STR,
                    description="The file, as an attachment named '<title> [<youtube_id>].<ext>'",
                )
                for f in FORMATS.values()
            },
            400: OpenApiResponse(ErrorSerializer, description="An unknown format"),
            404: OpenApiResponse(
                ErrorSerializer, description="No such video, or it has no transcript"
            ),
        },
    )
    def get(self, request, youtube_id: str) -> HttpResponse:
        fmt = request.query_params.get("format", "")
        return transcript_response(selectors.transcript_file_get(youtube_id=youtube_id, fmt=fmt))
