"""Transcript fetching on youtube-transcript-api, pointed at settings.YOUTUBE_WEB_URL.

The library only knows https://www.youtube.com; a transport adapter mounted on that prefix sends
its requests to the configured base URL instead (the emulator in development and tests), so the
library's own parsing and error detection run unchanged. An API instance and its Session are not
thread-safe: each greenlet/thread checks one out of a small pool and returns it, which also keeps
HTTP connections alive between videos.

Errors become three kinds a task can act on:
  TranscriptUnavailable  permanent: disabled, none in the wanted languages, video unavailable,
                         age-restricted. The video is recorded with that reason, never retried.
  Blocked                YouTube blocked this egress (RequestBlocked/IpBlocked, which is also
                         what the library raises for 429): back off long, slow everyone down.
  TranscriptTransient    5xx, connection errors, unparsable pages: retry with backoff.
"""

from __future__ import annotations

import queue
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from youtube_transcript_api import (
    AgeRestricted,
    CouldNotRetrieveTranscript,
    InvalidVideoId,
    IpBlocked,
    NoTranscriptFound,
    PoTokenRequired,
    RequestBlocked,
    TranscriptsDisabled,
    VideoUnavailable,
    VideoUnplayable,
    YouTubeRequestFailed,
    YouTubeTranscriptApi,
)
from youtube_transcript_api.proxies import GenericProxyConfig

from videos.services import Segment

YOUTUBE_ORIGIN = "https://www.youtube.com"
# (connect, read) seconds: requests has no default timeout, and a hung socket would hold a
# worker slot until the task's hard time limit.
DEFAULT_TIMEOUT = (5.0, 30.0)


class TranscriptError(Exception):
    """Base of the fetcher's errors; `kind` is what the task records."""

    kind = "failed"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TranscriptUnavailable(TranscriptError):
    """Permanent for this video. kind: disabled | none | unavailable."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


class TranscriptTransient(TranscriptError):
    kind = "transient"


class Blocked(TranscriptError):
    kind = "blocked"


@dataclass(frozen=True, slots=True)
class TranscriptResult:
    language: str
    is_generated: bool
    segments: list[Segment]


class RebaseAdapter(HTTPAdapter):
    """Sends requests for https://www.youtube.com/* to another base URL, with a timeout."""

    def __init__(self, base_url: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")

    def send(self, request, **kwargs):
        if request.url.startswith(YOUTUBE_ORIGIN):
            request.url = self.base_url + request.url[len(YOUTUBE_ORIGIN) :]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = DEFAULT_TIMEOUT
        return super().send(request, **kwargs)


def _is_youtube(url: str) -> bool:
    return url.rstrip("/") in (YOUTUBE_ORIGIN, "https://youtube.com")


def build_session(*, web_url: str | None = None) -> requests.Session:
    web_url = web_url or settings.YOUTUBE_WEB_URL
    session = requests.Session()
    # Proxies come only from TRANSCRIPT_PROXY_URL, never from HTTP(S)_PROXY in the environment.
    session.trust_env = False
    base = YOUTUBE_ORIGIN if _is_youtube(web_url) else web_url
    adapter = RebaseAdapter(base, pool_connections=2, pool_maxsize=2)
    session.mount(YOUTUBE_ORIGIN, adapter)
    return session


def proxy_config(url: str | None = None) -> GenericProxyConfig | None:
    url = settings.TRANSCRIPT_PROXY_URL if url is None else url
    return GenericProxyConfig(http_url=url, https_url=url) if url else None


class TranscriptFetcher:
    """One library instance with its own Session; use from one greenlet/thread at a time."""

    def __init__(self, *, web_url: str | None = None, proxy_url: str | None = None) -> None:
        self.session = build_session(web_url=web_url)
        self.api = YouTubeTranscriptApi(
            http_client=self.session, proxy_config=proxy_config(proxy_url)
        )

    def fetch(self, video_id: str, *, languages: Sequence[str] | None = None) -> TranscriptResult:
        languages = list(languages or settings.TRANSCRIPT_LANGUAGES)
        try:
            transcripts = self.api.list(video_id)
            track = _choose(transcripts, languages)
            fetched = track.fetch()
        except CouldNotRetrieveTranscript as exc:
            raise map_error(exc) from exc
        except requests.RequestException as exc:
            raise TranscriptTransient(f"{type(exc).__name__}: {exc}"[:300]) from exc
        segments = [Segment(s.start, s.duration, s.text) for s in fetched.snippets]
        return TranscriptResult(fetched.language_code, fetched.is_generated, segments)

    def close(self) -> None:
        self.session.close()


def _choose(transcripts, languages: list[str]):
    """Manual before auto-generated, in the order of preference of `languages`."""
    try:
        return transcripts.find_manually_created_transcript(languages)
    except NoTranscriptFound:
        return transcripts.find_generated_transcript(languages)


def map_error(exc: CouldNotRetrieveTranscript) -> TranscriptError:
    name = type(exc).__name__
    if isinstance(exc, RequestBlocked | IpBlocked):
        return Blocked(f"{name}: YouTube blocked transcript requests from this IP")
    if isinstance(exc, TranscriptsDisabled):
        return TranscriptUnavailable("transcripts are disabled for this video", "disabled")
    if isinstance(exc, NoTranscriptFound):
        wanted = ", ".join(settings.TRANSCRIPT_LANGUAGES)
        return TranscriptUnavailable(f"no transcript in the wanted languages ({wanted})", "none")
    if isinstance(exc, AgeRestricted):
        return TranscriptUnavailable("video is age-restricted", "unavailable")
    if isinstance(exc, VideoUnavailable | InvalidVideoId):
        return TranscriptUnavailable("video is unavailable", "unavailable")
    if isinstance(exc, VideoUnplayable):
        return TranscriptUnavailable(f"video is unplayable: {exc.reason}"[:300], "unavailable")
    if isinstance(exc, PoTokenRequired):
        return TranscriptError("YouTube requires a PO token for this transcript")
    if isinstance(exc, YouTubeRequestFailed):
        # The library keeps only str(HTTPError): "503 Server Error: ... for url: ...".
        match = re.match(r"\s*(\d{3})\b", str(getattr(exc, "reason", "")))
        code = int(match.group(1)) if match else None
        if code is None or code >= 500 or code in (408, 429):
            return TranscriptTransient(f"YouTube answered HTTP {code or 'error'}")
        return TranscriptError(f"YouTube answered HTTP {code}")
    return TranscriptTransient(f"{name}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300])


_POOL: queue.LifoQueue[TranscriptFetcher] = queue.LifoQueue()


@contextmanager
def fetcher() -> Iterator[TranscriptFetcher]:
    """Check out a fetcher for this greenlet/thread; it goes back for reuse afterwards.

    A fetcher built for other settings (tests change YOUTUBE_WEB_URL) is dropped, not reused.
    """
    key = (settings.YOUTUBE_WEB_URL, settings.TRANSCRIPT_PROXY_URL)
    try:
        item = _POOL.get_nowait()
        if getattr(item, "_key", None) != key:
            item.close()
            item = None
    except queue.Empty:
        item = None
    if item is None:
        item = TranscriptFetcher()
        item._key = key
    try:
        yield item
    except (TranscriptUnavailable, Blocked):
        _POOL.put(item)
        raise
    except BaseException:
        # A request that failed mid-way may leave a half-read connection: drop this fetcher.
        item.close()
        raise
    else:
        _POOL.put(item)


def transcript_fetch(video_id: str, *, languages: Sequence[str] | None = None) -> TranscriptResult:
    with fetcher() as f:
        return f.fetch(video_id, languages=languages)
