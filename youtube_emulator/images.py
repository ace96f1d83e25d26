"""Video thumbnails, for a demo whose browser cannot reach YouTube's image host.

By default the emulator's resources carry YouTube's own thumbnail URLs (i.ytimg.com), as the
recordings do. With `public_url` (config; `--public-url`, the emulator's address as a browser
reaches it) they point at the emulator instead, under the same paths (/vi/ID/mqdefault.jpg),
and /vi/ answers with a picture: the video's title on a colour of its own, at the size YouTube
gives that name (an SVG, whatever the extension says, as the Content-Type tells browsers).
"""

from __future__ import annotations

import hashlib
from html import escape
from typing import Any

from aiohttp import web

from youtube_emulator.dataset import DELETED, Video
from youtube_emulator.state import STATE_KEY

YOUTUBE_IMAGES = "https://i.ytimg.com"
# YouTube's thumbnail names and their sizes (the recordings' `thumbnails` objects).
SIZES = {
    "default": ("default.jpg", 120, 90),
    "medium": ("mqdefault.jpg", 320, 180),
    "high": ("hqdefault.jpg", 480, 360),
    "standard": ("sddefault.jpg", 640, 480),
    "maxres": ("maxresdefault.jpg", 1280, 720),
}
_BY_FILE = {file: (width, height) for file, width, height in SIZES.values()}
TITLE_CHARS = 26  # a line of the title on the picture


def thumbnails(public_url: str, video_id: str, with_maxres: bool = True) -> dict[str, Any]:
    """A video's `thumbnails` object, on YouTube's image host or the emulator's own."""
    base = f"{(public_url or YOUTUBE_IMAGES).rstrip('/')}/vi/{video_id}"
    return {
        name: {"url": f"{base}/{file}", "width": width, "height": height}
        for name, (file, width, height) in SIZES.items()
        if with_maxres or name != "maxres"
    }


def picture(video: Video, width: int, height: int) -> str:
    hue = int(hashlib.sha256(video.id.encode()).hexdigest()[:4], 16) % 360
    words, lines = video.title.split(), [""]
    for word in words:
        if len(lines[-1]) + len(word) + 1 > TITLE_CHARS and lines[-1]:
            lines.append("")
        lines[-1] = f"{lines[-1]} {word}".strip()
    size, shown = max(8, width // 14), lines[:3]
    middle = (len(shown) - 1) / 2
    text = "".join(
        f'<text x="50%" y="{height / 2 + (i - middle) * size * 1.3:.0f}"'
        f' font-size="{size}" text-anchor="middle" dominant-baseline="middle"'
        f' font-family="sans-serif" fill="#fff">{escape(line)}</text>'
        for i, line in enumerate(shown)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}"><rect width="100%" height="100%"'
        f' fill="hsl({hue},45%,38%)"/>{text}</svg>'
    )


async def thumbnail(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    size = _BY_FILE.get(request.match_info["file"])
    video = state.dataset.video_by_id(request.match_info["video_id"], state.clock.now())
    if size is None or video is None or video.status == DELETED:
        return web.Response(status=404, text="")
    return _svg(picture(video, *size))


# The browser asks every host for one, the consent page's included (Google serves its "G").
FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="15"'
    ' fill="#4285f4"/><text x="16" y="22" font-size="18" text-anchor="middle"'
    ' font-family="sans-serif" fill="#fff">G</text></svg>'
)


async def favicon(request: web.Request) -> web.Response:
    return _svg(FAVICON)


def _svg(text: str) -> web.Response:
    return web.Response(
        text=text, content_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"}
    )


def routes() -> list[web.RouteDef]:
    return [
        web.get("/vi/{video_id}/{file}", thumbnail, name="images.thumbnail"),
        web.get("/favicon.ico", favicon, name="images.favicon"),
    ]
