"""Pages: search results, a video with its full transcript (and its download), and "more
moments" (htmx)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from rest_framework.exceptions import ValidationError

from config.api import ApplicationError
from media.selectors import audio_extraction_latest
from videos import selectors
from videos.api.search import SearchParamsSerializer, search_from_params
from videos.search.types import (
    DURATIONS,
    MAX_QUERY_LENGTH,
    SOURCES,
    TRANSCRIPT_KINDS,
    format_timestamp,
)
from videos.transcripts import FORMATS, transcript_response


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    detail = getattr(exc, "detail", {})
    if isinstance(detail, dict):
        return "; ".join(_field_error(key, msgs) for key, msgs in detail.items())
    return str(detail)


def _field_error(key: str, msgs: list) -> str:
    # The search box is not a field called "q" to the person who typed in it.
    if key == "q" and any(getattr(m, "code", "") == "max_length" for m in msgs):
        return f"The query is longer than {MAX_QUERY_LENGTH} characters."
    return f"{key}: {' '.join(map(str, msgs))}"


def search_page(request: HttpRequest) -> HttpResponse:
    params = request.GET
    context: dict = {
        "q": params.get("q", ""),
        "form": params,
        "sorts": ("relevance", "date"),
        "durations": tuple(DURATIONS),
        "transcript_kinds": TRANSCRIPT_KINDS,
        "sources": SOURCES,
        "suggested": selectors.filter_suggestions(request.user),
    }
    status = 200
    if "q" in params or any(params.get(k) for k in SearchParamsSerializer.FILTER_FIELDS):
        try:
            page = search_from_params(params)
        except (ValidationError, ApplicationError) as exc:
            context["error"] = _error_text(exc)
            status = 400
        else:
            context["page"] = page
            context["previous_query"] = _with_page(params, min(page.page - 1, page.last_page))
            context["next_query"] = _with_page(params, page.page + 1)
            context["last_query"] = _with_page(params, page.last_page)
    return render(request, "videos/search.html", context, status=status)


def _with_page(params, page: int) -> str:
    copy = params.copy()
    copy["page"] = str(page)
    return copy.urlencode()


def video_page(request: HttpRequest, youtube_id: str) -> HttpResponse:
    video = selectors.video_get(youtube_id=youtube_id)
    chunks = [
        {
            "start": c.start,
            "seconds": int(c.start),
            "timestamp": format_timestamp(c.start),
            "text": c.text,
        }
        for c in selectors.video_chunks(video=video)
    ]
    moments = []
    q = request.GET.get("q", "")
    if q.strip():
        try:
            moments = selectors.video_moments(video=video, q=q)
        except ApplicationError:
            moments = []
    start = request.GET.get("t", "")
    context = {
        "video": video,
        "audio": audio_extraction_latest(user=request.user, video=video),
        "chunks": chunks,
        "transcript_formats": tuple(FORMATS),
        "q": q,
        "moments": moments,
        "start": int(start) if start.isdigit() else 0,
    }
    return render(request, "videos/video.html", context)


def video_moments(request: HttpRequest, youtube_id: str) -> HttpResponse:
    """Every matching moment of one video, for the "more moments" expander."""
    video = selectors.video_get(youtube_id=youtube_id)
    try:
        moments = selectors.video_moments(video=video, q=request.GET.get("q", ""))
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain")
    return render(
        request,
        "videos/_moments.html",
        {"video": video, "moments": moments, "all": True, "q": request.GET.get("q", "")},
    )


@require_safe
def video_transcript(request: HttpRequest, youtube_id: str, ext: str) -> HttpResponse:
    """The transcript as a .txt, .srt or .vtt file. What went wrong is said in plain text: the
    address was asked for a text file, not a page."""
    try:
        file = selectors.transcript_file_get(youtube_id=youtube_id, fmt=ext)
    except ApplicationError as exc:
        return HttpResponse(
            exc.message, status=exc.status_code, content_type="text/plain; charset=utf-8"
        )
    return transcript_response(file)
