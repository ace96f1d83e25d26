"""A video's audio as yt-dlp fetches it: `streamingData` in the player response, /videoplayback.

The innertube player response lists one audio-only adaptive format (itag 140, AAC in MP4, as
YouTube's) whose `url` is a plain /videoplayback URL on the emulator's own origin: YouTube's
point at a googlevideo.com host that clients fetch as is, without the www.youtube.com rewrite,
and carry neither `signatureCipher` nor an `n` parameter for the JS-less clients yt-dlp uses
without a JavaScript runtime (visionos), so no player JavaScript is needed.

The audio is a sine tone made by ffmpeg (a pitch per video), as long as the video up to
`media_max_seconds` (config, 20 by default), so tests and the demo stay fast. /videoplayback
honours both a `Range` header (206) and googlevideo's `range=START-END` query parameter (200
with the slice), which yt-dlp's chunked downloads use. Without ffmpeg it answers 503.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from youtube_emulator.dataset import DELETED, PRIVATE, Video
from youtube_emulator.state import STATE_KEY

AUDIO_ITAG = 140
AUDIO_MIME = 'audio/mp4; codecs="mp4a.40.2"'
EXPIRES_IN_S = 21540  # what YouTube's streamingData says: just under six hours
_RANGE_HEADER = re.compile(r"bytes=(\d*)-(\d*)$")
_RANGE_PARAM = re.compile(r"(\d+)-(\d*)$")


def media_seconds(video: Video, max_seconds: int) -> int:
    return max(1, min(video.duration_s, max_seconds))


def streaming_data(origin: str, video: Video, now: float) -> dict[str, Any]:
    """The player response's `streamingData` for a playable video."""
    expire = int(now) + EXPIRES_IN_S
    query = {
        "expire": expire,
        "ei": "emu" + video.id[:6],
        "id": "o-" + hashlib.sha1(video.id.encode()).hexdigest()[:20],  # noqa: S324
        "itag": AUDIO_ITAG,
        "source": "youtube",
        "mime": "audio/mp4",
        "dur": f"{video.duration_s:.3f}",
        "v": video.id,
    }
    return {
        "expiresInSeconds": str(EXPIRES_IN_S),
        "adaptiveFormats": [
            {
                "itag": AUDIO_ITAG,
                "url": f"{origin}/videoplayback?{urlencode(query)}",
                "mimeType": AUDIO_MIME,
                "bitrate": 130_000,
                "averageBitrate": 129_000,
                "lastModified": str(int(video.published_at * 1_000_000)),
                "highReplication": True,
                "quality": "tiny",
                "projectionType": "RECTANGULAR",
                "audioQuality": "AUDIO_QUALITY_MEDIUM",
                "approxDurationMs": str(video.duration_s * 1000),
                "audioSampleRate": "44100",
                "audioChannels": 2,
            }
        ],
    }


def _pitch(video: Video) -> int:
    return 220 + int(hashlib.sha1(video.id.encode()).hexdigest()[:4], 16) % 660  # noqa: S324


# Encoded tones by (event loop, video, seconds, pitch): a future, so concurrent requests for one
# video share one ffmpeg run; per loop, since every emulator (tests start many) has its own.
_AUDIO: dict[tuple[int, str, int, int], asyncio.Future[bytes]] = {}
_AUDIO_KEPT = 64


async def _encode(seconds: int, pitch: int) -> bytes:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise FileNotFoundError("ffmpeg")
    # To a file: the MP4 muxer seeks back to write its index up front (faststart), as
    # YouTube's files have it.
    with tempfile.TemporaryDirectory(prefix="emulator-audio-") as folder:
        path = Path(folder) / "audio.m4a"
        process = await asyncio.create_subprocess_exec(
            ffmpeg,
            *("-hide_banner", "-loglevel", "error", "-f", "lavfi"),
            *("-i", f"sine=frequency={pitch}:duration={seconds}:sample_rate=44100"),
            *("-ac", "2", "-c:a", "aac", "-b:a", "96k", "-movflags", "+faststart", str(path)),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _out, err = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"ffmpeg failed: {err.decode(errors='replace')[:200]}")
        return path.read_bytes()


async def audio_bytes(video: Video, seconds: int) -> bytes:
    pitch = _pitch(video)
    key = (id(asyncio.get_running_loop()), video.id, seconds, pitch)
    if key not in _AUDIO:
        if len(_AUDIO) >= _AUDIO_KEPT:
            _AUDIO.pop(next(iter(_AUDIO)))
        _AUDIO[key] = asyncio.ensure_future(_encode(seconds, pitch))
    try:
        return await asyncio.shield(_AUDIO[key])
    except Exception:
        _AUDIO.pop(key, None)  # a failed encode is not kept
        raise


async def videoplayback(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    video = state.dataset.video_by_id(request.query.get("v", ""), state.clock.now())
    if video is None or video.status in (DELETED, PRIVATE):
        return web.Response(status=404, text="")
    try:
        expire = int(request.query.get("expire", "0"))
    except ValueError:
        expire = 0
    if request.query.get("itag") != str(AUDIO_ITAG) or expire < state.clock.now():
        return web.Response(status=403, text="")  # googlevideo: a stale or forged URL
    try:
        body = await audio_bytes(video, media_seconds(video, state.config.media_max_seconds))
    except FileNotFoundError:
        return web.Response(status=503, text="the emulator needs ffmpeg to serve audio")
    headers = {"Accept-Ranges": "bytes", "Content-Type": "audio/mp4"}
    if match := _RANGE_PARAM.match(request.query.get("range", "")):
        start, end = _bounds(match, len(body))
        return web.Response(body=body[start : end + 1], headers=headers)
    if match := _RANGE_HEADER.match(request.headers.get("Range", "")):
        start, end = _bounds(match, len(body))
        if start >= len(body):
            headers["Content-Range"] = f"bytes */{len(body)}"
            return web.Response(status=416, headers=headers)
        headers["Content-Range"] = f"bytes {start}-{end}/{len(body)}"
        return web.Response(status=206, body=body[start : end + 1], headers=headers)
    return web.Response(body=body, headers=headers)


def _bounds(match: re.Match[str], size: int) -> tuple[int, int]:
    first, last = match.group(1), match.group(2)
    if not first:  # bytes=-N: the last N bytes
        return max(0, size - int(last or 0)), size - 1
    return int(first), min(int(last) if last else size - 1, size - 1)


def routes() -> list[web.RouteDef]:
    return [web.get("/videoplayback", videoplayback, name="media.videoplayback")]
