"""Pages: "Extract audio" on a video's page, and the MP3's download."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from config.api import ApplicationError
from media import selectors, services
from videos.selectors import video_get


@login_required
def audio_request(request: HttpRequest, youtube_id: str) -> HttpResponse:
    video = video_get(youtube_id=youtube_id)
    if request.method != "POST":
        # Back from signing in (login's `next`), or a bookmarked link: the page has the button.
        return redirect("videos:video", youtube_id=youtube_id)
    try:
        _extraction, created = services.audio_extraction_request(user=request.user, video=video)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if created:
            messages.success(
                request, f"Extracting the audio: a link will be sent to {request.user.email}."
            )
        else:
            messages.info(request, "This audio is already being extracted for you.")
    page = reverse("videos:video", args=[youtube_id])
    # Back to the page as it was: with the moments of the search it was opened from.
    if q := request.POST.get("q", "").strip():
        page += "?" + urlencode({"q": q})
    return redirect(page)


PAGE_SIZE = 50


@require_GET
@login_required
def audio_list(request: HttpRequest) -> HttpResponse:
    """My audio: every extraction I asked for, newest first, with its state or its download."""
    page = Paginator(selectors.audio_extraction_list_for(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    # While one of them is being extracted, the list refreshes itself (htmx, every 2 s).
    running = any(audio.is_active for audio in page.object_list)
    return render(request, "media/list.html", {"page": page, "running": running})


@require_GET
def audio_status(request: HttpRequest, youtube_id: str) -> HttpResponse:
    """The video page's audio section alone: htmx polls it while the extraction runs, and the
    finished section comes back without the trigger."""
    video = video_get(youtube_id=youtube_id)
    audio = selectors.audio_extraction_latest(user=request.user, video=video)
    return render(request, "media/_audio.html", {"video": video, "audio": audio})


@require_GET
@login_required
def audio_download(request: HttpRequest, pk: int) -> FileResponse:
    extraction = selectors.audio_extraction_get_for(user=request.user, pk=pk)
    if not extraction.is_ready:
        # Not done yet, failed, or its file removed since (the video's page offers to ask again).
        raise Http404("This MP3 is not available.")
    return FileResponse(
        extraction.file.open("rb"),
        as_attachment=True,
        filename=extraction.filename,
        content_type="audio/mpeg",
    )
