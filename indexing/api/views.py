"""/api/jobs/: start, list, follow, cancel and retry indexing jobs (one's own only)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ErrorSerializer, started_response
from indexing import selectors, services
from indexing.api.serializers import (
    JobSerializer,
    JobStartSerializer,
    JobWithProgressSerializer,
    job_with_progress,
)
from indexing.models import IndexJob
from playlists.services import playlist_id_parse


def _own_job(request, pk: int) -> IndexJob:
    # Someone else's job is a 404, not a 403: its existence is not ours to reveal.
    return get_object_or_404(IndexJob.objects.select_related("playlist"), pk=pk, user=request.user)


class JobListApi(ListAPIView):
    """GET: my jobs, newest first. POST {playlist_id}: start indexing (202 + the job's URL)."""

    permission_classes = [IsAuthenticated]
    serializer_class = JobSerializer

    def get_queryset(self):
        return selectors.job_list_for(user=self.request.user)

    def get_serializer_class(self):
        # What POST reads: OPTIONS and the browsable API's form ask for these two fields only.
        if self.request.method == "POST":
            return JobStartSerializer
        return JobSerializer

    @extend_schema(
        request=JobStartSerializer,
        responses={
            202: JobSerializer,
            200: JobSerializer,
            400: ErrorSerializer,
            401: OpenApiResponse(ErrorSerializer, description="No token, or a wrong one"),
            403: OpenApiResponse(
                ErrorSerializer,
                description="Someone else's private playlist; or your Google sign-in expired or "
                "was revoked: sign in with Google again in a browser (extra.sign_in)",
            ),
            404: OpenApiResponse(ErrorSerializer, description="Your account has no Liked videos"),
            503: OpenApiResponse(ErrorSerializer, description="YouTube did not answer"),
        },
    )
    def post(self, request):
        serializer = JobStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        youtube_id = playlist_id_parse(serializer.validated_data["playlist_id"])
        playlist = services.playlist_resolve(user=request.user, youtube_id=youtube_id)
        job, created = services.index_job_start(
            user=request.user, playlist=playlist, reindex=serializer.validated_data["reindex"]
        )
        data = JobSerializer(job, context={"request": request}).data
        return started_response(data, created=created)


class JobDetailApi(APIView):
    """A job with its live progress: done/total, rate, ETA, counts, latest failures."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: JobWithProgressSerializer, 404: ErrorSerializer})
    def get(self, request, pk: int):
        job = _own_job(request, pk)
        return Response(job_with_progress(selectors.job_progress(job=job), request))


class JobCancelApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: JobWithProgressSerializer,
            404: ErrorSerializer,
            409: OpenApiResponse(ErrorSerializer, description="The job is not running"),
        },
    )
    def post(self, request, pk: int):
        job = services.index_job_cancel(job=_own_job(request, pk))
        return Response(job_with_progress(selectors.job_progress(job=job), request))


class JobRetryFailedApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            202: JobWithProgressSerializer,
            400: OpenApiResponse(ErrorSerializer, description="The job has no failed videos"),
            404: ErrorSerializer,
            409: OpenApiResponse(
                ErrorSerializer,
                description="The job has not finished, or another job of its playlist runs",
            ),
        },
    )
    def post(self, request, pk: int):
        job = services.index_job_retry_failed(job=_own_job(request, pk))
        data = job_with_progress(selectors.job_progress(job=job), request)
        return Response(data, status=status.HTTP_202_ACCEPTED)
