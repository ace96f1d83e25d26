"""YouTube Data API v3 client on google-api-python-client, pointed at settings.YOUTUBE_API_URL.

Two modes:
- `YouTubeClient(credentials=...)`: a user's OAuth credentials (their playlists, likes).
- `YouTubeClient(pool=KeyPool())` (the default): API keys from the pool, which reserves quota
  before each call, moves to the next key when Google says a key is spent and disables a key
  Google rejects. When no key is left the call raises QuotaExhausted(reset_at).

httplib2 is not thread-safe, so each thread (or greenlet, under gevent's monkeypatching) gets
its own Http object and service. Errors always come out as indexing.youtube.errors classes.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import google_auth_httplib2
import httplib2
from django.conf import settings
from django.utils import timezone
from google.auth.credentials import Credentials
from google.auth.exceptions import RefreshError, TransportError
from googleapiclient.discovery import Resource, build
from googleapiclient.errors import HttpError
from googleapiclient.http import HttpRequest

from indexing.youtube.errors import (
    CONNECTION_ERRORS,
    AuthError,
    KeyInvalid,
    QuotaExceeded,
    QuotaExhausted,
    TransientError,
    YouTubeError,
    classify,
)
from indexing.youtube.keypool import SEARCH, UNITS, KeyPool, Lease, next_pacific_midnight

logger = logging.getLogger(__name__)

MAX_IDS_PER_CALL = 50
MAX_RESULTS = 50
VIDEO_PARTS = "snippet,contentDetails,statistics,status"
PLAYLIST_PARTS = "snippet,contentDetails,status"
PLAYLIST_ITEM_PARTS = "snippet,contentDetails,status"
CHANNEL_PARTS = "snippet,contentDetails"
DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 2


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list call: raw resources plus what is needed to ask for the next one."""

    items: list[dict[str, Any]] = field(default_factory=list)
    next_page_token: str | None = None
    total_results: int | None = None

    @classmethod
    def from_response(cls, response: dict[str, Any]) -> Page:
        info = response.get("pageInfo") or {}
        total = info.get("totalResults")
        return cls(
            items=list(response.get("items") or []),
            next_page_token=response.get("nextPageToken") or None,
            total_results=int(total) if total is not None else None,
        )


def rfc3339(value: datetime | str) -> str:
    """publishedAfter/Before as the API wants it: UTC with a Z, whole seconds."""
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        raise ValueError("datetimes sent to YouTube must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def unique_ids(ids: Iterable[str]) -> list[str]:
    """Order kept, duplicates and blanks dropped: each id costs a slot in a 50-id call."""
    return list(dict.fromkeys(i for i in ids if i))


def batches(ids: list[str], size: int = MAX_IDS_PER_CALL) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def backoff_seconds(attempt: int, *, base: float = 0.5, cap: float = 8.0) -> float:
    """Exponential backoff with full jitter (attempt 1 -> up to 0.5 s, 2 -> 1 s, ...)."""
    return random.uniform(0, min(cap, base * 2 ** (attempt - 1)))


class YouTubeClient:
    """Typed access to the Data API calls TubeIndex needs. Safe to share between threads."""

    def __init__(
        self,
        *,
        credentials: Credentials | None = None,
        pool: KeyPool | None = None,
        api_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        if credentials is not None and pool is not None:
            raise ValueError("pass either OAuth credentials or a key pool, not both")
        self.credentials = credentials
        self.pool = None if credentials is not None else (pool or KeyPool())
        self.api_url = (api_url or settings.YOUTUBE_API_URL).rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.sleep = sleep
        self.now = now or (self.pool.now if self.pool else timezone.now)
        self._local = threading.local()

    # --- public calls ---------------------------------------------------------------------

    def search_videos(
        self,
        q: str,
        *,
        published_after: datetime | str | None = None,
        order: str = "date",
        page_token: str | None = None,
        max_results: int = MAX_RESULTS,
        language: str | None = None,
        channel_id: str | None = None,
    ) -> Page:
        """search.list for videos (the "search" quota bucket: 100 calls a day per key)."""
        params: dict[str, Any] = {
            "part": "snippet",
            "type": "video",
            "q": q,
            "order": order,
            "maxResults": min(max(max_results, 1), MAX_RESULTS),
        }
        if published_after is not None:
            params["publishedAfter"] = rfc3339(published_after)
        if page_token:
            params["pageToken"] = page_token
        if language:
            params["relevanceLanguage"] = language
        if channel_id:
            params["channelId"] = channel_id
        return Page.from_response(self._call(SEARCH, lambda s: s.search().list(**params)))

    def videos(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        """videos.list in calls of 50 ids; ids YouTube does not know are simply absent."""
        items: list[dict[str, Any]] = []
        for batch in batches(unique_ids(ids)):
            joined = ",".join(batch)
            response = self._call(
                UNITS, lambda s, j=joined: s.videos().list(part=VIDEO_PARTS, id=j, maxResults=50)
            )
            items.extend(response.get("items") or [])
        return items

    def playlists_mine(self, page_token: str | None = None) -> Page:
        """The signed-in user's playlists (OAuth mode)."""
        params: dict[str, Any] = {"part": PLAYLIST_PARTS, "mine": True, "maxResults": MAX_RESULTS}
        if page_token:
            params["pageToken"] = page_token
        return Page.from_response(self._call(UNITS, lambda s: s.playlists().list(**params)))

    def playlists_by_id(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for batch in batches(unique_ids(ids)):
            joined = ",".join(batch)
            response = self._call(
                UNITS,
                lambda s, j=joined: s.playlists().list(part=PLAYLIST_PARTS, id=j, maxResults=50),
            )
            items.extend(response.get("items") or [])
        return items

    def playlist_items(self, playlist_id: str, page_token: str | None = None) -> Page:
        params: dict[str, Any] = {
            "part": PLAYLIST_ITEM_PARTS,
            "playlistId": playlist_id,
            "maxResults": MAX_RESULTS,
        }
        if page_token:
            params["pageToken"] = page_token
        return Page.from_response(self._call(UNITS, lambda s: s.playlistItems().list(**params)))

    def iter_playlist_items(self, playlist_id: str) -> Iterator[dict[str, Any]]:
        """Every item of a playlist, page after page (one call per 50 items)."""
        token: str | None = None
        while True:
            page = self.playlist_items(playlist_id, page_token=token)
            yield from page.items
            token = page.next_page_token
            if not token:
                return

    def channels_mine(self) -> dict[str, Any] | None:
        """The signed-in user's channel; contentDetails.relatedPlaylists has likes/uploads."""
        response = self._call(
            UNITS, lambda s: s.channels().list(part=CHANNEL_PARTS, mine=True, maxResults=1)
        )
        items = response.get("items") or []
        return items[0] if items else None

    # --- plumbing -----------------------------------------------------------------------------

    def _http(self) -> httplib2.Http:
        return httplib2.Http(timeout=self.timeout)

    def _service(self, api_key: str | None) -> Resource:
        """This thread's service for this key (or for the OAuth credentials)."""
        services: dict[str | None, Resource] | None = getattr(self._local, "services", None)
        if services is None:
            services = self._local.services = {}
        service = services.get(api_key)
        if service is None:
            service = services[api_key] = self._build(api_key)
        return service

    def _build(self, api_key: str | None) -> Resource:
        http: httplib2.Http = self._http()
        if self.credentials is not None:
            http = google_auth_httplib2.AuthorizedHttp(self.credentials, http=http)
        return build(
            "youtube",
            "v3",
            developerKey=api_key,
            http=http,
            client_options={"api_endpoint": self.api_url},
            static_discovery=True,
            cache_discovery=False,
        )

    def _call(self, bucket: str, make: Callable[[Resource], HttpRequest]) -> dict[str, Any]:
        """Run one API call: reserve quota, rotate keys, retry transient errors, classify."""
        attempt = 0
        while True:
            lease = self.pool.reserve(bucket) if self.pool is not None else None
            error = self._execute(make, lease)
            if isinstance(error, dict):
                return error
            if lease is not None and self._retire_key(lease, error):
                continue
            if isinstance(error, QuotaExceeded):
                # OAuth mode: the project behind our OAuth client is spent until the reset.
                reset_at = next_pacific_midnight(self.now())
                raise QuotaExhausted(reset_at, bucket, f"OAuth quota spent: {error}")
            if error.retryable and attempt < self.retries:
                attempt += 1
                logger.info("YouTube %s, retry %d of %d", error, attempt, self.retries)
                self.sleep(backoff_seconds(attempt))
                continue
            raise error

    def _execute(
        self, make: Callable[[Resource], HttpRequest], lease: Lease | None
    ) -> dict[str, Any] | YouTubeError:
        """The response body, or the classified error (returned, so it is raised without the
        HttpError attached: that one's text holds the request URI and so the API key)."""
        try:
            request = make(self._service(lease.key if lease else None))
            # The library's own retries would also retry 429 quota answers; ours do not.
            return request.execute(num_retries=0)
        except RefreshError as exc:
            return AuthError(f"OAuth refresh failed: {exc}"[:300], status=401, reason="refresh")
        except TransportError as exc:
            return TransientError(f"OAuth transport: {exc}"[:300], reason="transport")
        except (HttpError, *CONNECTION_ERRORS) as exc:
            return classify(exc)

    def _retire_key(self, lease: Lease, error: YouTubeError) -> bool:
        """Take a spent or rejected key out of rotation; True when the call should move on."""
        if isinstance(error, QuotaExceeded):
            self.pool.mark_exhausted(lease.key_id, lease.bucket)
            return True
        if isinstance(error, KeyInvalid):
            self.pool.disable(lease.key_id, str(error))
            return True
        return False
