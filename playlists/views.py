"""Google sign-in (start, callback, disconnect) and the playlists page."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from config.api import ApplicationError
from indexing import services as indexing_services
from indexing.models import IndexJob
from indexing.youtube import oauth
from indexing.youtube.data_api import YouTubeClient
from indexing.youtube.errors import AuthError, QuotaExceeded, QuotaExhausted, YouTubeError
from indexing.youtube.keypool import next_pacific_midnight
from playlists import selectors, services
from playlists.models import Playlist

logger = logging.getLogger(__name__)

SESSION_KEY = "google_oauth"
MAX_PLAYLIST_PAGES = 20  # 1,000 playlists: more than any account has


def _callback_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("playlists:google-callback"))


def _next_on_this_site(request: HttpRequest) -> str:
    """The page that sent the person to sign in (login's ?next=), if it is one of ours."""
    value = request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    # A path only: redirect() would take a bare word for a URL name.
    return value if safe and value.startswith("/") else ""


def google_start(request: HttpRequest) -> HttpResponse:
    start = oauth.authorization_start(redirect_uri=_callback_url(request))
    # state and the PKCE verifier wait in the session for the callback, with where to go back.
    request.session[SESSION_KEY] = {
        "state": start.state,
        "code_verifier": start.code_verifier,
        "next": _next_on_this_site(request),
    }
    url = start.url
    hint = request.GET.get("login_hint", "")
    if hint and len(hint) <= 254:
        url += "&" + urlencode({"login_hint": hint})
    return redirect(url)


def _back_to_sign_in(request: HttpRequest, message: str) -> HttpResponse:
    messages.error(request, message)
    return redirect("accounts:login")


def google_callback(request: HttpRequest) -> HttpResponse:
    pending = request.session.pop(SESSION_KEY, None)
    if not pending:
        return _back_to_sign_in(request, "That sign-in link has expired. Please try again.")
    if request.GET.get("error"):
        return _back_to_sign_in(request, "Google sign-in was cancelled.")
    try:
        credentials = oauth.authorization_finish(
            redirect_uri=_callback_url(request),
            state=pending["state"],
            code_verifier=pending["code_verifier"],
            authorization_response=request.build_absolute_uri(),
        )
        profile = oauth.userinfo(credentials)
    except oauth.OAuthFlowError as exc:
        return _back_to_sign_in(request, exc.message)
    except YouTubeError:
        return _back_to_sign_in(request, "Google's sign-in service did not answer. Try again.")
    user = services.google_sign_in(credentials=credentials, profile=profile)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, f"Signed in as {profile.get('email') or user.username}.")
    return redirect(pending.get("next") or "playlists:list")


@require_POST
@login_required
def google_disconnect(request: HttpRequest) -> HttpResponse:
    confirmed = services.google_disconnect(user=request.user)
    logout(request)
    if confirmed:
        messages.success(request, "Google is disconnected: TubeIndex's access was revoked.")
    else:
        messages.warning(
            request, "Your tokens are deleted here, but Google did not confirm the revocation."
        )
    return redirect("home")


def _sync_from_youtube(request: HttpRequest) -> HttpResponse | None:
    """Refresh the user's playlists and Liked videos from YouTube; a redirect if they must
    sign in again, None otherwise (YouTube being down only shows a warning)."""
    try:
        credentials = services.google_credentials(user=request.user)
    except services.GoogleAuthRequired as exc:
        return _back_to_sign_in(request, exc.message)
    if credentials is None:
        return None
    client = YouTubeClient(credentials=credentials)
    try:
        resources, token = [], None
        for _ in range(MAX_PLAYLIST_PAGES):
            page = client.playlists_mine(page_token=token)
            resources += page.items
            token = page.next_page_token
            if not token:
                break
        services.playlist_upsert_many(resources=resources, owner=request.user)
        channel = client.channels_mine()
        if channel and (likes := services.liked_api_id(channel)):
            # One unit for the size the list shows: the first page's pageInfo.totalResults.
            total = client.playlist_items(likes).total_results
            services.liked_playlist(owner=request.user, channel=channel, item_count=total)
        services.google_credentials_store(user=request.user, credentials=credentials)
    except AuthError:
        return _back_to_sign_in(
            request, "Your Google sign-in expired or was revoked. Please sign in again."
        )
    except (QuotaExceeded, QuotaExhausted) as exc:
        reset = getattr(exc, "reset_at", None) or next_pacific_midnight(timezone.now())
        messages.warning(
            request,
            f"YouTube's daily quota is used up until {reset:%Y-%m-%d %H:%M} UTC; "
            "showing the playlists we know.",
        )
    except YouTubeError as exc:
        logger.warning("playlist sync failed: %s", exc)
        messages.warning(request, "YouTube did not answer; showing the playlists we know.")
    return None


@login_required
def playlist_list(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and (response := _sync_from_youtube(request)):
        return response
    return _render_list(request)


def _render_list(request: HttpRequest, *, error: str = "", status: int = 200, value: str = ""):
    playlists = list(selectors.playlist_list_for(user=request.user))
    labels = dict(IndexJob.Status.choices)
    for playlist in playlists:
        # The badge says "Waiting for quota", not the stored "waiting_quota".
        playlist.last_job_label = labels.get(playlist.last_job_status, playlist.last_job_status)
    context = {
        "playlists": playlists,
        "error": error,
        "pasted": value,
        "refresh_hours": settings.PLAYLIST_REFRESH_HOURS,
    }
    return render(request, "playlists/list.html", context, status=status)


@require_POST
@login_required
def playlist_add(request: HttpRequest) -> HttpResponse:
    """The paste box: any playlist URL or id, added to the list (and indexed if asked)."""
    value = request.POST.get("playlist", "")
    try:
        youtube_id = services.playlist_id_parse(value)
        playlist = indexing_services.playlist_resolve(user=request.user, youtube_id=youtube_id)
    except services.GoogleAuthRequired as exc:
        return _back_to_sign_in(request, exc.message)
    except ApplicationError as exc:
        return _render_list(request, error=exc.message, status=exc.status_code, value=value)
    if request.POST.get("index"):
        job, _ = indexing_services.index_job_start(user=request.user, playlist=playlist)
        return redirect("indexing:job", pk=job.pk)
    messages.success(request, f"Added {playlist}.")
    return redirect("playlists:list")


@require_POST
@login_required
def playlist_index(request: HttpRequest) -> HttpResponse:
    """Start Indexing for one or several of my playlists."""
    ids = request.POST.getlist("playlist")
    reindex = bool(request.POST.get("reindex"))
    playlists = list(Playlist.objects.filter(owners=request.user, pk__in=_ints(ids)))
    if not playlists:
        return _render_list(request, error="Pick at least one playlist to index.", status=400)
    jobs = [
        indexing_services.index_job_start(user=request.user, playlist=p, reindex=reindex)[0]
        for p in playlists
    ]
    if len(jobs) == 1:
        return redirect("indexing:job", pk=jobs[0].pk)
    messages.success(request, f"Indexing {len(jobs)} playlists.")
    return redirect("home")


@require_POST
@login_required
def playlist_keep_up_to_date(request: HttpRequest, pk: int) -> HttpResponse:
    """The Keep up to date column's button: keep_up_to_date=on or off, for one of mine."""
    playlist = get_object_or_404(Playlist.objects.filter(owners=request.user), pk=pk)
    value = request.POST.get("keep_up_to_date", "")
    if value not in ("on", "off"):
        return _render_list(
            request, error="Keep up to date is turned on or off: nothing changed.", status=400
        )
    services.playlist_follow_set(
        user=request.user, playlist=playlist, keep_up_to_date=value == "on"
    )
    if value == "on":
        hours = settings.PLAYLIST_REFRESH_HOURS
        messages.success(
            request,
            f"{playlist} is kept up to date: it is indexed again {hours} hours after its last "
            "job ends (new videos only), or within the hour if it was never indexed.",
        )
    else:
        messages.success(request, f"{playlist} is no longer kept up to date.")
    return redirect("playlists:list")


def _ints(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]
