"""The web endpoints youtube-transcript-api 1.2.5 calls: watch page, innertube player, timedtext.

Served under YouTube's own paths (/watch, /youtubei/v1/player, /api/timedtext); clients reach
them by rewriting https://www.youtube.com to the emulator's base URL. Caption track baseUrls in
the player response point at https://www.youtube.com/api/timedtext (as the real ones do), so the
same rewrite covers them. Shapes follow the player responses and pages recorded in the
library's wheel (youtube-recordings/transcripts/youtube_transcript_api_1.2.5).
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import time
from typing import Any
from xml.sax.saxutils import escape

from aiohttp import web

from youtube_emulator import media, vocab
from youtube_emulator.dataset import AGE_RESTRICTED, DELETED, PRIVATE, Dataset, Track, Video
from youtube_emulator.state import STATE_KEY, EmulatorState

YOUTUBE_ORIGIN = "https://www.youtube.com"
BOT_REASON = "Sign in to confirm you\u2019re not a bot"
AGE_REASON = "This video may be inappropriate for some users."
UNAVAILABLE_REASON = "This video is unavailable"
TRANSLATION_LANGUAGES = ["de", "es", "fr", "pt", "ja", "it", "nl", "ko", "ru", "en"]


def state_of(request: web.Request) -> EmulatorState:
    return request.app[STATE_KEY]


def _html(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


# --------------------------------------------------------------------------- watch page
async def watch(request: web.Request) -> web.Response:
    state = state_of(request)
    video_id = request.query.get("v", "")
    if state.config.require_consent_cookie and not request.cookies.get("CONSENT", "").startswith(
        "YES+"
    ):
        return _html(consent_page(video_id))
    video = state.dataset.video_by_id(video_id, state.clock.now())
    title = video.title if video and video.status != DELETED else "YouTube"
    key = state.config.innertube_api_key
    initial_player = player_response(state, video_id, origin=_origin(request))
    initial_data = _initial_data(state.dataset, video_id, video)
    # The library unescapes the page and looks for "INNERTUBE_API_KEY": "..." in it.
    config = {
        "INNERTUBE_API_KEY": key,
        "INNERTUBE_CLIENT_NAME": "WEB",
        "INNERTUBE_CLIENT_VERSION": "2.20250611.01.00",
        "HL": "en",
        "GL": "US",
    }
    page = (
        '<!DOCTYPE html><html lang="en" dir="ltr"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)} - YouTube</title>"
        f'<link rel="canonical" href="{YOUTUBE_ORIGIN}/watch?v={html.escape(video_id)}">'
        f"</head><body><script>ytcfg.set({json.dumps(config)});</script>"
        f"<script>var ytInitialPlayerResponse = {json.dumps(initial_player)};</script>"
        f"<script>var ytInitialData = {json.dumps(initial_data)};</script>"
        f'<div id="player" data-video-id="{html.escape(video_id)}"></div></body></html>'
    )
    return _html(page)


async def embed(request: web.Request) -> web.Response:
    """The embedded player's page: only its ytcfg, which yt-dlp reads to call the player as
    the embedded client (its way around an age gate; the emulator's answer stays the gate)."""
    state = state_of(request)
    video_id = request.match_info["video_id"]
    config = {
        "INNERTUBE_API_KEY": state.config.innertube_api_key,
        "INNERTUBE_CONTEXT_CLIENT_NAME": 56,
        "INNERTUBE_CLIENT_VERSION": "1.20250611.01.00",
        "INNERTUBE_CONTEXT": {
            "client": {
                "clientName": "WEB_EMBEDDED_PLAYER",
                "clientVersion": "1.20250611.01.00",
                "hl": "en",
                "gl": "US",
            }
        },
    }
    return _html(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>YouTube</title>'
        f"</head><body><script>ytcfg.set({json.dumps(config)});</script>"
        f'<div id="player" data-video-id="{html.escape(video_id)}"></div></body></html>'
    )


def _initial_data(dataset: Dataset, video_id: str, video: Video | None) -> dict[str, Any]:
    """The watch page's ytInitialData, cut to what yt-dlp reads: the title and date (primary
    info), the channel (secondary info's owner). yt-dlp asks the API for it again
    (/youtubei/v1/next, not emulated) when `contents` is missing."""
    shown = video is not None and video.status != DELETED
    primary: dict[str, Any] = {"title": {"runs": [{"text": video.title if shown else "YouTube"}]}}
    contents: list[dict[str, Any]] = [{"videoPrimaryInfoRenderer": primary}]
    if shown:
        published = time.gmtime(video.published_at)
        primary["dateText"] = {"simpleText": time.strftime("%b %d, %Y", published)}
        channel = dataset.channels[video.channel_index]
        owner = {
            "title": {
                "runs": [
                    {
                        "text": channel.title,
                        "navigationEndpoint": {
                            "browseEndpoint": {"browseId": channel.id},
                            "commandMetadata": {
                                "webCommandMetadata": {"url": f"/channel/{channel.id}"}
                            },
                        },
                    }
                ]
            },
        }
        contents.append({"videoSecondaryInfoRenderer": {"owner": {"videoOwnerRenderer": owner}}})
    return {
        "responseContext": {"serviceTrackingParams": []},
        "contents": {"twoColumnWatchNextResults": {"results": {"results": {"contents": contents}}}},
        "currentVideoEndpoint": {"watchEndpoint": {"videoId": video_id}},
    }


def consent_page(video_id: str) -> str:
    """The EU cookie interstitial (shape of youtube_consent_page.html.static)."""
    continue_url = f"{YOUTUBE_ORIGIN}/watch?v={html.escape(video_id)}"
    return (
        '<!DOCTYPE html><html lang="en"><head><title>Before you continue to YouTube</title>'
        "</head><body><h1>Before you continue to YouTube</h1>"
        '<form action="https://consent.youtube.com/s" method="POST" style="display:inline;">'
        '<input type="hidden" name="gl" value="DE"><input type="hidden" name="m" value="0">'
        '<input type="hidden" name="pc" value="yt">'
        f'<input type="hidden" name="continue" value="{continue_url}">'
        '<input type="hidden" name="ca" value="r"><input type="hidden" name="x" value="8">'
        '<input type="hidden" name="v" value="cb.20210328-17-p0.en+FX+119">'
        '<input type="hidden" name="hl" value="en"><input type="hidden" name="src" value="1">'
        '<button type="submit">Accept all</button></form></body></html>'
    )


def too_many_requests_page() -> str:
    """The "unusual traffic" page Google serves with HTTP 429 (has a g-recaptcha div)."""
    return (
        '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8">'
        '<title>https://www.youtube.com/watch</title></head><body style="margin:0">'
        '<div id="infoDiv">Our systems have detected unusual traffic from your computer '
        "network. This page checks to see if it's really you sending the requests, and not a "
        'robot.</div><form id="captcha-form" action="index" method="post">'
        '<div id="recaptcha" class="g-recaptcha" data-sitekey="6LfwuyUTAAAAAOAmoS0fdqijC2PbbdH4'
        'kjq62Y1b"></div></form><div style="font-size:13px;">IP address: 127.0.0.1<br>'
        "Time: " + time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()) + "<br>URL: "
        "https://www.youtube.com/watch</div></body></html>"
    )


# --------------------------------------------------------------------------- innertube
async def player(request: web.Request) -> web.Response:
    state = state_of(request)
    # The key is optional (yt-dlp sends none, as YouTube allows); a wrong one is refused.
    if request.query.get("key", state.config.innertube_api_key) != state.config.innertube_api_key:
        return _json(
            {
                "error": {
                    "code": 400,
                    "message": "API key not valid. Please pass a valid API key.",
                    "status": "INVALID_ARGUMENT",
                }
            },
            400,
        )
    try:
        payload = await request.json()
    except (ValueError, UnicodeDecodeError):
        return _json(
            {
                "error": {
                    "code": 400,
                    "message": "Invalid JSON payload received.",
                    "status": "INVALID_ARGUMENT",
                }
            },
            400,
        )
    video_id = str(payload.get("videoId", "")) if isinstance(payload, dict) else ""
    return _json(player_response(state, video_id, origin=_origin(request)))


def _origin(request: web.Request) -> str:
    """The emulator's own origin as the client reached it (the media URLs' host)."""
    return f"{request.scheme}://{request.host}"


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(body, separators=(",", ":")),
        status=status,
        content_type="application/json",
        charset="utf-8",
    )


def player_response(
    state: EmulatorState, video_id: str, origin: str | None = None
) -> dict[str, Any]:
    """The innertube player response; with `origin`, also `streamingData` (media.py) whose
    URLs are on that origin."""
    video = state.dataset.video_by_id(video_id, state.clock.now())
    response: dict[str, Any] = {
        "responseContext": {
            "visitorData": "Cgt"
            + hashlib.md5(video_id.encode()).hexdigest()[  # noqa: S324
                :16
            ],
            "serviceTrackingParams": [],
        },
    }
    if video is None or video.status == DELETED:
        response["playabilityStatus"] = _error_status("ERROR", UNAVAILABLE_REASON)
        return response
    if video.status == PRIVATE:
        response["playabilityStatus"] = _error_status("LOGIN_REQUIRED", "This video is private")
        return response
    if video.transcript_mode == AGE_RESTRICTED:
        response["playabilityStatus"] = _error_status("LOGIN_REQUIRED", AGE_REASON)
        response["videoDetails"] = _video_details(state.dataset, video)
        return response
    response["playabilityStatus"] = {
        "status": "OK",
        "playableInEmbed": True,
        "contextParams": "Q0FFU0FnZ0M=",
    }
    tracks = state.dataset.tracks(video)
    if tracks:
        response["captions"] = {
            "playerCaptionsTracklistRenderer": captions_json(state, video, tracks)
        }
    if origin is not None:
        response["streamingData"] = media.streaming_data(origin, video, state.clock.now())
    response["videoDetails"] = _video_details(state.dataset, video)
    return response


def _error_status(status: str, reason: str) -> dict[str, Any]:
    return {
        "status": status,
        "reason": reason,
        "errorScreen": {
            "playerErrorMessageRenderer": {
                "reason": {"runs": [{"text": reason}]},
                "subreason": {"runs": [{"text": "This helps protect our community. "}]}
                if reason == BOT_REASON
                else {"runs": []},
            }
        },
        "contextParams": "Q0FBU0FnZ0E=",
    }


def bot_player_response() -> dict[str, Any]:
    return {
        "responseContext": {"serviceTrackingParams": []},
        "playabilityStatus": _error_status("LOGIN_REQUIRED", BOT_REASON),
    }


def _video_details(dataset: Dataset, video: Video) -> dict[str, Any]:
    channel = dataset.channels[video.channel_index]
    return {
        "videoId": video.id,
        "title": video.title,
        "lengthSeconds": str(video.duration_s),
        "channelId": channel.id,
        "isOwnerViewing": False,
        "shortDescription": video.description,
        "isCrawlable": True,
        "allowRatings": True,
        "viewCount": str(video.views),
        "author": channel.title,
        "isPrivate": False,
        "isUnpluggedCorpus": False,
        "isLiveContent": False,
    }


def captions_json(state: EmulatorState, video: Video, tracks: list[Track]) -> dict[str, Any]:
    expire = int(state.clock.now()) + 6 * 3600
    caption_tracks = []
    for track in tracks:
        entry: dict[str, Any] = {
            "baseUrl": timedtext_url(video.id, track, expire),
            "name": {"runs": [{"text": track.name}]},
            "vssId": ("a." if track.kind == "asr" else ".") + track.language,
            "languageCode": track.language,
        }
        if track.kind == "asr":
            entry["kind"] = "asr"
        entry["isTranslatable"] = track.translatable
        entry["trackName"] = ""
        caption_tracks.append(entry)
    return {
        "captionTracks": caption_tracks,
        "audioTracks": [
            {
                "captionTrackIndices": list(range(len(tracks))),
                "defaultCaptionTrackIndex": 0,
                "hasDefaultTrack": True,
                "captionsInitialState": "CAPTIONS_INITIAL_STATE_OFF_RECOMMENDED",
            }
        ],
        "translationLanguages": [
            {"languageCode": code, "languageName": {"runs": [{"text": vocab.LANGUAGE_NAMES[code]}]}}
            for code in TRANSLATION_LANGUAGES
        ],
        "defaultAudioTrackIndex": 0,
    }


def timedtext_url(video_id: str, track: Track, expire: int) -> str:
    signature = hashlib.sha1(f"{video_id}:{track}:{expire}".encode()).hexdigest().upper()  # noqa: S324
    kind = "&kind=asr" if track.kind == "asr" else ""
    return (
        f"{YOUTUBE_ORIGIN}/api/timedtext?v={video_id}&ei=emu{video_id[:6]}&caps=asr&opi=112496729"
        f"&xoaf=5&hl=en&ip=0.0.0.0&ipbits=0&expire={expire}"
        f"&sparams=ip,ipbits,expire,v,ei,caps,opi,xoaf&signature={signature[:40]}.{signature[:40]}"
        f"&key=yt8{kind}&lang={track.language}&fmt=srv3"
    )


# --------------------------------------------------------------------------- timedtext
async def timedtext(request: web.Request) -> web.Response:
    state = state_of(request)
    q = request.query
    video = state.dataset.video_by_id(q.get("v", ""), state.clock.now())
    if video is None:
        return web.Response(status=404, text="")
    kind = "asr" if q.get("kind") == "asr" else "manual"
    track = next(
        (t for t in state.dataset.tracks(video) if t.language == q.get("lang") and t.kind == kind),
        None,
    )
    tlang = q.get("tlang")
    if track is None or (tlang and (tlang not in TRANSLATION_LANGUAGES or not track.translatable)):
        return web.Response(status=404, text="")
    body = render_track(
        state.dataset, video.index, track.language, kind, tlang, q.get("fmt", "srv1")
    )
    return web.Response(text=body, content_type="text/xml", charset="UTF-8")


def render_track(
    dataset: Dataset, index: int, language: str, kind: str, tlang: str | None, fmt: str
) -> str:
    # Keyed by the Video value, so a video re-created after a reset is never served stale.
    return _render_cached(dataset, dataset.video(index), language, kind, tlang, fmt == "srv3")


@functools.lru_cache(maxsize=1024)
def _render_cached(
    dataset: Dataset, video: Video, language: str, kind: str, tlang: str | None, srv3: bool
) -> str:
    segments = dataset.iter_segments(video, language, kind, translate_to=tlang)
    if srv3:
        body = "".join(
            f'<p t="{int(s.start * 1000)}" d="{int(s.duration * 1000)}">{_cue(s.text)}</p>'
            for s in segments
        )
        return (
            f'<?xml version="1.0" encoding="utf-8" ?><timedtext format="3"><body>{body}'
            "</body></timedtext>"
        )
    body = "".join(
        f'<text start="{s.start:g}" dur="{s.duration:g}">{_cue(s.text)}</text>' for s in segments
    )
    return f'<?xml version="1.0" encoding="utf-8" ?><transcript>{body}</transcript>'


def _cue(text: str) -> str:
    # YouTube double-escapes apostrophes in srv1 (it&amp;#39;s); the library unescapes twice.
    return escape(text).replace("'", "&amp;#39;")


# --------------------------------------------------------------------------- faults
def fault_response(status: int) -> web.Response:
    if status == 429:
        return _html(too_many_requests_page(), 429)
    return _html("<html><body><h1>Error</h1><p>Something went wrong.</p></body></html>", status)


def blocked_response(request: web.Request, style: str) -> web.Response | None:
    """What a blocked IP gets; None means "serve normally" (bot style lets the watch page
    through and blocks at the player, the way YouTube does)."""
    if style == "bot":
        if request.path == "/watch":
            return None
        if request.path.startswith("/youtubei/"):
            return _json(bot_player_response())
    return _html(too_many_requests_page(), 429)


def routes() -> list[web.RouteDef]:
    return [
        web.get("/watch", watch, name="transcript.watch"),
        web.get("/embed/{video_id}", embed, name="transcript.embed"),
        web.post("/youtubei/v1/player", player, name="transcript.player"),
        web.get("/api/timedtext", timedtext, name="transcript.timedtext"),
    ]
