"""Writes for Google identities and playlists: sign-in, stored credentials, playlist upserts."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import UTC
from typing import Any
from urllib.parse import parse_qs, urlparse

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from google.oauth2.credentials import Credentials

from config.api import ApplicationError
from indexing.youtube import oauth
from indexing.youtube.errors import AuthError
from playlists.models import LIKED_ID, GoogleAccount, Playlist, PlaylistFollow

logger = logging.getLogger(__name__)

# PL/OL/UU/LL/FL/RD/UL... + 10..64 URL-safe characters: every public playlist id shape.
PLAYLIST_ID_RE = re.compile(r"^(?:PL|OL|UU|LL|FL|RD|UL|PU|LM|OLAK5uy_)[A-Za-z0-9_-]{0,64}$")
_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com"}


class GoogleAuthRequired(ApplicationError):
    """The user's Google grant is missing, revoked or expired: they must sign in again.

    A 403, not a 401: the caller is signed in to TubeIndex (a 401 tells a script its API token
    is wrong, and carries a WWW-Authenticate this one has none for); what is refused is the
    YouTube access only a Google sign-in in a browser gives back, at `extra["sign_in"]`."""

    status_code = 403

    def __init__(self, message: str) -> None:
        super().__init__(message, extra={"sign_in": reverse("playlists:google-start")})


def playlist_id_parse(text: str) -> str:
    """A playlist id from an id or a YouTube URL (…/playlist?list=ID, …/watch?v=…&list=ID)."""
    value = (text or "").strip()
    if not value:
        raise ApplicationError("Paste a playlist URL or id.")
    if "://" in value or value.startswith(("www.", "youtube.com", "m.youtube.com")):
        parsed = urlparse(value if "://" in value else f"https://{value}")
        if parsed.hostname not in _YOUTUBE_HOSTS:
            raise ApplicationError("That is not a YouTube URL.", extra={"value": value[:200]})
        value = (parse_qs(parsed.query).get("list") or [""])[0]
        if not value:
            raise ApplicationError("That URL has no playlist (no list= parameter).")
    if value == LIKED_ID:
        return value
    if len(value) < 12 or not PLAYLIST_ID_RE.match(value):
        raise ApplicationError("That is not a valid playlist id.", extra={"value": value[:200]})
    return value


# --- Google sign-in and credentials --------------------------------------------------------


def _username_for(email: str, google_id: str) -> str:
    User = get_user_model()
    candidate = (email or f"google-{google_id}")[:150]
    if User.objects.filter(username=candidate).exists():
        candidate = f"google-{google_id}"[:150]
    return candidate


@transaction.atomic
def google_sign_in(*, credentials: Credentials, profile: dict[str, Any]):
    """Create or update the user keyed by Google's account id; store the tokens encrypted."""
    google_id = str(profile["sub"])
    email = profile.get("email") or ""
    account = GoogleAccount.objects.select_for_update().filter(google_id=google_id).first()
    if account is None:
        User = get_user_model()
        user = User(username=_username_for(email, google_id), email=email)
        user.first_name = (profile.get("given_name") or "")[:150]
        user.last_name = (profile.get("family_name") or "")[:150]
        user.set_unusable_password()
        user.save()
        account = GoogleAccount(user=user, google_id=google_id)
    account.email = email
    account.name = (profile.get("name") or "")[:200]
    account.picture = (profile.get("picture") or "")[:500]
    _store_tokens(account, credentials)
    account.revoked_at = None
    account.save()
    # Keep up to date waited for this sign-in: it resumes at the schedule's next run.
    PlaylistFollow.objects.filter(user=account.user, last_error=PlaylistFollow.GRANT_PAUSED).update(
        last_error=""
    )
    return account.user


def _store_tokens(account: GoogleAccount, credentials: Credentials) -> None:
    account.access_token = credentials.token or ""
    # Google sends a refresh token only with consent; keep the one we have otherwise.
    if credentials.refresh_token:
        account.refresh_token = credentials.refresh_token
    account.token_expiry = (
        credentials.expiry.replace(tzinfo=UTC) if credentials.expiry is not None else None
    )
    if credentials.scopes:
        account.scopes = " ".join(sorted(credentials.scopes))


def _credentials_of(account: GoogleAccount) -> Credentials:
    expiry = account.token_expiry
    return Credentials(
        token=account.access_token or None,
        refresh_token=account.refresh_token or None,
        token_uri=settings.GOOGLE_TOKEN_URI,
        client_id=settings.GOOGLE_CLIENT_ID,
        client_secret=settings.GOOGLE_CLIENT_SECRET,
        scopes=account.scopes.split() or None,
        # google-auth compares expiry with a naive UTC datetime.
        expiry=expiry.astimezone(UTC).replace(tzinfo=None) if expiry else None,
    )


def google_credentials(*, user) -> Credentials | None:
    """The user's valid credentials, refreshed (and re-stored) when expired.

    None for a user without a Google account (an admin with a password); GoogleAuthRequired
    when the grant was revoked or cannot be refreshed.
    """
    account = GoogleAccount.objects.filter(user=user).first()
    if account is None:
        return None
    if account.revoked_at or not (account.access_token or account.refresh_token):
        raise GoogleAuthRequired(
            "Your Google access was revoked. Please sign in with Google again."
        )
    credentials = _credentials_of(account)
    if credentials.valid:
        return credentials
    if not credentials.refresh_token:
        raise GoogleAuthRequired("Your Google sign-in expired. Please sign in with Google again.")
    try:
        oauth.credentials_refresh(credentials)
    except AuthError as exc:
        google_grant_lost(account_id=account.pk, reason=str(exc))
        raise GoogleAuthRequired(
            "Your Google sign-in expired or was revoked. Please sign in with Google again."
        ) from exc
    google_credentials_store(user=user, credentials=credentials)
    return credentials


def google_credentials_store(*, user, credentials: Credentials) -> None:
    """Persist tokens that changed (google-auth refreshes them in place during API calls)."""
    account = GoogleAccount.objects.filter(user=user).first()
    if account is None or not credentials.token or credentials.token == account.access_token:
        return
    _store_tokens(account, credentials)
    account.save(update_fields=["access_token", "refresh_token", "token_expiry", "scopes"])


def google_grant_lost(*, account_id: int, reason: str) -> None:
    logger.info("Google grant of account %s lost: %s", account_id, reason)
    GoogleAccount.objects.filter(pk=account_id).update(
        revoked_at=timezone.now(), access_token="", updated_at=timezone.now()
    )


def google_grant_refused(*, user, reason: str) -> None:
    """Google refused to refresh the user's token during an API call: the grant is gone, as
    when google_credentials() finds so itself."""
    account_id = GoogleAccount.objects.filter(user=user).values_list("pk", flat=True).first()
    if account_id is not None:
        google_grant_lost(account_id=account_id, reason=reason)


def google_disconnect(*, user) -> bool:
    """Revoke the grant at Google and forget the tokens; True when Google confirmed."""
    account = GoogleAccount.objects.filter(user=user).first()
    if account is None:
        return True
    confirmed = oauth.revoke(account.refresh_token or account.access_token)
    account.access_token = ""
    account.refresh_token = ""
    account.token_expiry = None
    account.revoked_at = timezone.now()
    account.save()
    return confirmed


# --- Playlists ------------------------------------------------------------------------------


def _thumbnails(snippet: dict[str, Any]) -> dict[str, Any]:
    return snippet.get("thumbnails") or {}


def playlist_upsert_many(
    *, resources: Iterable[dict[str, Any]], owner=None, privacy: str | None = None
) -> list[Playlist]:
    """Upsert `youtube#playlist` resources by id; optionally mark `owner` as one of theirs."""
    rows = {}
    for resource in resources:
        snippet = resource.get("snippet") or {}
        status = resource.get("status") or {}
        details = resource.get("contentDetails") or {}
        rows[resource["id"]] = Playlist(
            youtube_id=resource["id"],
            title=(snippet.get("title") or "")[:500],
            description=snippet.get("description") or "",
            channel_youtube_id=snippet.get("channelId") or "",
            channel_title=(snippet.get("channelTitle") or "")[:500],
            thumbnails=_thumbnails(snippet),
            item_count=int(details.get("itemCount") or 0),
            privacy_status=privacy or status.get("privacyStatus") or "",
        )
    if not rows:
        return []
    fields = ["title", "description", "channel_youtube_id", "channel_title", "thumbnails"]
    fields += ["item_count", "privacy_status", "updated_at"]
    Playlist.objects.bulk_create(
        rows.values(), update_conflicts=True, unique_fields=["youtube_id"], update_fields=fields
    )
    playlists = list(Playlist.objects.filter(youtube_id__in=rows))
    if owner is not None:
        Playlist.owners.through.objects.bulk_create(
            [Playlist.owners.through(playlist_id=p.pk, user_id=owner.pk) for p in playlists],
            ignore_conflicts=True,
        )
    order = list(rows)
    return sorted(playlists, key=lambda p: order.index(p.youtube_id))


def playlist_stub(*, youtube_id: str, owner=None, title: str = "") -> Playlist:
    """A playlist known only by id (yet): its metadata arrives with the first listing."""
    playlist, _ = Playlist.objects.get_or_create(youtube_id=youtube_id, defaults={"title": title})
    if owner is not None:
        playlist.owners.add(owner)
    return playlist


def liked_api_id(channel: dict[str, Any]) -> str | None:
    """The id YouTube knows the channel's Liked videos by (relatedPlaylists.likes)."""
    related = (channel.get("contentDetails") or {}).get("relatedPlaylists") or {}
    return related.get("likes") or None


def liked_playlist(
    *, owner, channel: dict[str, Any], item_count: int | None = None
) -> Playlist | None:
    """The owner's Liked videos, from channels.list mine=true (relatedPlaylists.likes).

    channels.list gives no size for it; `item_count` comes from its first playlistItems page.
    """
    likes = liked_api_id(channel)
    if not likes:
        return None
    youtube_id = f"{LIKED_ID}:{channel['id']}" if likes == LIKED_ID else likes
    playlist, _ = Playlist.objects.update_or_create(
        youtube_id=youtube_id,
        defaults={
            "title": "Liked videos",
            "channel_youtube_id": channel["id"],
            "channel_title": ((channel.get("snippet") or {}).get("title") or "")[:500],
            "privacy_status": "private",
            **({"item_count": item_count} if item_count is not None else {}),
        },
    )
    playlist.owners.add(owner)
    return playlist


# --- Keep up to date ------------------------------------------------------------------------


def playlist_follow_set(*, user, playlist: Playlist, keep_up_to_date: bool) -> bool:
    """Turn Keep up to date on or off for one of the user's playlists; True when it changed.
    The schedule (indexing/follows.py) does the rest."""
    if not playlist.owners.filter(pk=user.pk).exists():
        raise ApplicationError("You have no playlist with this id.", status_code=404)
    if keep_up_to_date:
        _, created = PlaylistFollow.objects.get_or_create(user=user, playlist=playlist)
        return created
    deleted, _ = PlaylistFollow.objects.filter(user=user, playlist=playlist).delete()
    return bool(deleted)
