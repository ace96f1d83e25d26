from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from indexing.selectors import job_live_counts
from videos.models import Transcript, TranscriptChunk, Video


def index_stats() -> dict:
    transcripts = Transcript.objects.aggregate(
        fetched=Count("id", filter=Q(status=Transcript.Status.FETCHED)), total=Count("id")
    )
    return {
        "video_count": Video.objects.count(),
        "transcripts": transcripts,
        "chunk_count": TranscriptChunk.objects.count(),
    }


def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: what is in the index, and (signed in) your latest jobs."""
    latest = list(Video.objects.select_related("channel").order_by("-created_at")[:8])
    # Counting millions of chunks on every visit is wasteful; a few seconds stale is fine.
    stats = cache.get_or_set("home:stats", index_stats, timeout=15)
    if stats["video_count"] < len(latest):
        # Fewer videos counted than the page lists ("0 videos" above a new user's first
        # playlist, counted before it was indexed): a small index, so count it again now.
        stats = index_stats()
        cache.set("home:stats", stats, timeout=15)
    context = {**stats, "latest_videos": latest}
    if request.user.is_authenticated:
        jobs = list(request.user.index_jobs.select_related("playlist")[:10])
        for job in jobs:
            # A running job's row says 0 videos until it ends: the count found so far instead.
            job.videos_now = (job_live_counts(job=job) or {}).get("total", job.total)
        context["jobs"] = jobs
    return render(request, "home.html", context)


@extend_schema(exclude=True)
class ApiRootView(APIView):
    """TubeIndex API: videos, search, playlists, indexing jobs and audio. Schema at /api/schema/."""

    permission_classes: list = []

    def get(self, request, format=None):
        links = {
            "videos": reverse("video-list", request=request, format=format),
            "search": reverse("search-api", request=request, format=format),
            "playlists": reverse("playlist-list-api", request=request, format=format),
            "jobs": reverse("job-list-api", request=request, format=format),
            "audio": reverse("audio-list-api", request=request, format=format),
            "schema": reverse("schema", request=request, format=format),
            "docs": reverse("api-docs", request=request, format=format),
        }
        return Response(links)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: an address under /api/ that no endpoint answers gets the API's error shape
    (its clients read JSON); every other address gets the site's page (templates/404.html)."""
    if request.path.startswith("/api/"):
        message = f"There is no {request.path} in the API; its endpoints are listed at /api/."
        return JsonResponse({"message": message, "extra": {}}, status=404)
    return defaults.page_not_found(request, exception)
