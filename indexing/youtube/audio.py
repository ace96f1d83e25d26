"""A video's audio as an MP3, with yt-dlp (download) and ffmpeg (conversion).

yt-dlp only knows https://www.youtube.com: a YoutubeDL whose every request to that origin goes
to settings.YOUTUBE_WEB_URL instead (the emulator in development and tests), so yt-dlp's own
YouTube extractor, format choice, downloader and post-processor run unchanged; pointed at
https://www.youtube.com it is plain yt-dlp. Media URLs (googlevideo.com on YouTube, the
emulator's /videoplayback here) come from the player response and are fetched as they are.

Errors become two kinds a task can act on:
  AudioUnavailable  permanent: private, deleted, age-restricted or unplayable video, no
                    audio format, ffmpeg missing. Recorded with that reason, never retried.
  AudioTransient    connection errors, 5xx, 429, an interrupted download: retry with backoff.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from yt_dlp import YoutubeDL
from yt_dlp.networking.common import Request
from yt_dlp.networking.exceptions import HTTPError, TransportError
from yt_dlp.utils import DownloadError, ExtractorError, PostProcessingError

from indexing.youtube.errors import YouTubeError

logger = logging.getLogger(__name__)

YOUTUBE_ORIGIN = "https://www.youtube.com"
MP3_QUALITY = "5"  # LAME VBR quality 5: ~130 kbit/s, plenty for speech
SOCKET_TIMEOUT_S = 30.0


class AudioError(YouTubeError):
    """Base of the MP3 client's errors (`message` is fit for the person who asked)."""


class AudioUnavailable(AudioError):
    """Permanent for this video (or this worker: no ffmpeg)."""


class AudioTransient(AudioError):
    retryable = True


@dataclass(frozen=True, slots=True)
class Mp3:
    path: Path
    title: str
    duration_seconds: int | None


class _RedirectedYoutubeDL(YoutubeDL):
    """Sends requests for https://www.youtube.com to `web_url` (YoutubeDL.urlopen is the one
    door every extractor and downloader request goes through)."""

    def __init__(self, params: dict, *, web_url: str) -> None:
        super().__init__(params)
        self._web_url = web_url.rstrip("/")

    def urlopen(self, req):  # type: ignore[no-untyped-def]
        if isinstance(req, str):
            req = Request(req)
        if isinstance(req, Request) and req.url.startswith(YOUTUBE_ORIGIN + "/"):
            req.url = self._web_url + req.url[len(YOUTUBE_ORIGIN) :]
        return super().urlopen(req)


def youtube_dl(params: dict, *, web_url: str) -> YoutubeDL:
    """yt-dlp as it is for YouTube itself; redirected for any other YOUTUBE_WEB_URL."""
    if web_url.rstrip("/") == YOUTUBE_ORIGIN:
        return YoutubeDL(params)
    return _RedirectedYoutubeDL(params, web_url=web_url)


class _Logger:
    """yt-dlp's messages into our log, tagged with the video; its progress lines dropped."""

    def __init__(self, youtube_id: str) -> None:
        self.youtube_id = youtube_id

    def debug(self, message: str) -> None:
        if not message.startswith("[download]"):
            logger.debug("yt-dlp %s: %s", self.youtube_id, message)

    def info(self, message: str) -> None:
        logger.debug("yt-dlp %s: %s", self.youtube_id, message)

    def warning(self, message: str) -> None:
        logger.info("yt-dlp %s: %s", self.youtube_id, message)

    def error(self, message: str) -> None:
        logger.info("yt-dlp %s: %s", self.youtube_id, message)


def ffmpeg_available() -> bool:
    return shutil.which("ffmpeg") is not None


def download_mp3(youtube_id: str, folder: Path, *, web_url: str | None = None) -> Mp3:
    """Download the best audio format of `youtube_id` into `folder` and convert it to
    `folder/<youtube_id>.mp3`. Raises AudioUnavailable or AudioTransient."""
    if not ffmpeg_available():
        raise AudioUnavailable("ffmpeg is not installed on the worker, so no MP3 can be made")
    web_url = web_url or settings.YOUTUBE_WEB_URL
    folder.mkdir(parents=True, exist_ok=True)
    params = {
        "format": "bestaudio/best",
        "outtmpl": str(folder / "%(id)s.%(ext)s"),
        "postprocessors": [
            {"key": "FFmpegExtractAudio", "preferredcodec": "mp3", "preferredquality": MP3_QUALITY},
            # ID3 tags from the video (title, channel as artist, date, description), as
            # people expect of an MP3 in their player.
            {"key": "FFmpegMetadata", "add_metadata": True},
        ],
        "noplaylist": True,
        "noprogress": True,
        "quiet": True,
        "no_warnings": False,
        "logger": _Logger(youtube_id),
        "socket_timeout": SOCKET_TIMEOUT_S,
        "retries": 2,
        "fragment_retries": 2,
        "cachedir": False,
        # The transcripts' proxy (YouTube's web side limits datacenter IPs alike); "" is a
        # direct connection: never HTTP(S)_PROXY from the environment, as for transcripts.
        "proxy": settings.TRANSCRIPT_PROXY_URL or "",
        "color": {"stderr": "never", "stdout": "never"},
    }
    try:
        with youtube_dl(params, web_url=web_url) as ydl:
            info = ydl.extract_info(f"{YOUTUBE_ORIGIN}/watch?v={youtube_id}", download=True)
    except DownloadError as exc:
        raise _classify(exc) from exc
    path = folder / f"{youtube_id}.mp3"
    if not info or not path.exists():
        raise AudioTransient("yt-dlp finished without writing the MP3")
    duration = info.get("duration")
    return Mp3(path, str(info.get("title") or ""), int(duration) if duration else None)


def _classify(exc: DownloadError) -> AudioError:
    """yt-dlp wraps everything in DownloadError; the cause says whether to try again."""
    cause = exc.exc_info[1] if exc.exc_info else None
    message = _clean(str(exc))
    if isinstance(cause, PostProcessingError):
        return AudioUnavailable(f"converting to MP3 failed: {message}")
    if isinstance(cause, ExtractorError):
        # expected: YouTube's own answer (private, unavailable, age gate, no such format).
        reason = _clean(cause.orig_msg)
        if cause.expected and not isinstance(cause.cause, (HTTPError, TransportError)):
            return AudioUnavailable(reason)
        if isinstance(cause.cause, HTTPError) and cause.cause.status in (403, 404, 410):
            return AudioUnavailable(reason)
        return AudioTransient(reason)
    return AudioTransient(message)


def _clean(message: str) -> str:
    """yt-dlp's "ERROR: [youtube] ID: reason" without its prefixes."""
    text = message.removeprefix("ERROR: ").strip()
    if text.startswith("[") and "] " in text:
        text = text.split("] ", 1)[1]
        head, sep, rest = text.partition(": ")
        if sep and len(head) == 11:  # the video id
            text = rest
    return text[:500]
