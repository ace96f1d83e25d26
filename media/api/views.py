"""/api/audio/: ask for a video's MP3 and follow the request (one's own only)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ErrorSerializer, started_response
from media import selectors, services
from media.api.serializers import AudioExtractionSerializer
from videos.selectors import video_get


class AudioListApi(ListAPIView):
    """GET: my audio extractions, newest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = AudioExtractionSerializer

    def get_queryset(self):
        return selectors.audio_extraction_list_for(user=self.request.user)


class AudioRequestApi(APIView):
    """POST: extract this video's audio as an MP3; the link is e-mailed when it is ready
    (202 and the request's URL; 200 with the one already running)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            202: AudioExtractionSerializer,
            200: AudioExtractionSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def post(self, request, youtube_id: str):
        video = video_get(youtube_id=youtube_id)
        extraction, created = services.audio_extraction_request(user=request.user, video=video)
        data = AudioExtractionSerializer(extraction, context={"request": request}).data
        return started_response(data, created=created)


class AudioDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: AudioExtractionSerializer, 404: ErrorSerializer})
    def get(self, request, pk: int):
        extraction = selectors.audio_extraction_get_for(user=request.user, pk=pk)
        return Response(AudioExtractionSerializer(extraction, context={"request": request}).data)
