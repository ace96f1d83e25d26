"""YouTube Data API v3 under /youtube/v3/: search, videos, playlists, playlistItems, channels.

Bodies follow the modern recordings in youtube-recordings/youtube_data_v3 (2-space JSON, plain
etags, key order kind/etag/nextPageToken/.../pageInfo/items) and validate against the
discovery document's schemas (see tests/test_discovery_schemas.py).
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from youtube_emulator import errors, images
from youtube_emulator.dataset import (
    AGE_RESTRICTED,
    DELETED,
    FULL,
    LIVE_BASE,
    NON_ENGLISH,
    PRIVATE,
    PUBLIC,
    Channel,
    Playlist,
    Video,
    iso,
    parse_rfc3339,
    tokenize,
)
from youtube_emulator.fields import FieldsError, apply_fields, parse_fields
from youtube_emulator.ids import decode_page_token, encode_page_token, etag
from youtube_emulator.state import STATE_KEY, EmulatorState

SEARCH_CAP = 500
READ_SCOPES = {
    "https://www.googleapis.com/auth/youtube.readonly",
    "https://www.googleapis.com/auth/youtube",
    "https://www.googleapis.com/auth/youtube.force-ssl",
}
PARTS = {
    "search": {"id", "snippet"},
    "videos": {
        "id",
        "snippet",
        "contentDetails",
        "statistics",
        "status",
        "player",
        "topicDetails",
        "recordingDetails",
        "localizations",
        "liveStreamingDetails",
        "paidProductPlacementDetails",
    },
    "playlists": {"id", "snippet", "contentDetails", "status", "player", "localizations"},
    "playlistItems": {"id", "snippet", "contentDetails", "status"},
    "channels": {
        "id",
        "snippet",
        "contentDetails",
        "statistics",
        "status",
        "brandingSettings",
        "topicDetails",
        "localizations",
        "contentOwnerDetails",
        "auditDetails",
    },
}


@dataclass(frozen=True)
class Caller:
    consumer: str  # whose quota is charged
    email: str | None  # the signed-in demo account for Bearer calls


def respond(request: web.Request, state: EmulatorState, body: dict[str, Any]) -> web.Response:
    """A list response; with `fields=` only the selected parts of it."""
    raw = request.query.get("fields")
    if raw is None:
        return errors.json_response(body)
    try:
        selection = parse_fields(raw)
    except FieldsError as exc:
        raise errors.invalid_parameter("fields", str(exc)) from None
    plain = {
        **body,
        "items": [
            json.loads(i) if isinstance(i, errors.RenderedItem) else i
            for i in body.get("items", [])
        ],
    }
    return errors.json_response(apply_fields(plain, selection))


def state_of(request: web.Request) -> EmulatorState:
    return request.app[STATE_KEY]


def authenticate(request: web.Request, state: EmulatorState) -> Caller:
    """API key or Bearer token -> Caller, or Google's error for missing/bad credentials."""
    header = request.headers.get("Authorization", "")
    key = request.query.get("key")
    email = None
    consumer = None
    if header:
        scheme, _, token = header.partition(" ")
        grant = state.oauth.grant_for_access(token.strip()) if scheme.lower() == "bearer" else None
        if grant is None:
            raise errors.invalid_credentials()
        if not READ_SCOPES & set(grant.scopes):
            raise errors.insufficient_scopes()
        email = grant.email
        consumer = f"oauth:{grant.client_id}"
    if key is not None:
        if not state.config.is_valid_key(key):
            raise errors.key_invalid(state.config.key_invalid_style)
        consumer = key
    if consumer is None:
        raise errors.missing_key()
    return Caller(consumer, email)


def parse_parts(request: web.Request, resource: str) -> set[str]:
    raw = request.query.get("part")
    if not raw:
        raise errors.required_parameter("part")
    parts = {p.strip() for p in raw.split(",") if p.strip()}
    for part in sorted(parts):
        if part not in PARTS[resource]:
            raise errors.unknown_part(part)
    return parts


def parse_max_results(request: web.Request, default: int = 5) -> int:
    raw = request.query.get("maxResults")
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise errors.invalid_value(
            "maxResults", f"Invalid value '{raw}'. Expected an integer."
        ) from None
    if not 0 <= value <= 50:
        raise errors.invalid_value(
            "maxResults", f"Invalid value '{raw}'. Values must be within the range: [0, 50]"
        )
    return value


def parse_offset(request: web.Request) -> int:
    token = request.query.get("pageToken")
    if not token:
        return 0
    offset = decode_page_token(token)
    if offset is None:
        raise errors.invalid_page_token()
    return offset


def id_list(request: web.Request, name: str) -> list[str]:
    """Comma-separated and repeated parameters both work (the client sends repeated ones)."""
    out: list[str] = []
    for value in request.query.getall(name, []):
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


def page_fields(offset: int, size: int, total: int) -> dict[str, str]:
    fields = {}
    if offset + size < total and size > 0:
        fields["nextPageToken"] = encode_page_token(offset + size)
    if offset > 0:
        fields["prevPageToken"] = encode_page_token(max(0, offset - size), previous=True)
    return fields


def list_body(
    kind: str,
    items: list[dict[str, Any]],
    page_info: dict[str, int],
    paging: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
    page_info_last: bool = False,
) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": kind, "etag": etag(kind, *(errors.etag_of(i) for i in items))}
    body.update(paging or {})
    body.update(extra or {})
    if page_info_last:
        body["items"] = items
        body["pageInfo"] = page_info
    else:
        body["pageInfo"] = page_info
        body["items"] = items
    return body


def respond_page(
    request: web.Request,
    state: EmulatorState,
    kind: str,
    items: list[dict[str, Any]],
    *,
    offset: int,
    max_results: int,
    total: int,
    page_info_last: bool = False,
) -> web.Response:
    """One page of a list whose every result can be paged to (all but search)."""
    return respond(
        request,
        state,
        list_body(
            kind,
            items,
            {"totalResults": total, "resultsPerPage": max_results},
            page_fields(offset, max_results, total),
            page_info_last=page_info_last,
        ),
    )


def thumbnails(state: EmulatorState, video_id: str, with_maxres: bool = True) -> dict[str, Any]:
    return images.thumbnails(state.config.public_url, video_id, with_maxres)


def channel_thumbnails(channel: Channel) -> dict[str, Any]:
    base = f"https://yt3.ggpht.com/ytc/{channel.id[2:]}"
    return {
        "default": {"url": f"{base}=s88-c-k-c0x00ffffff-no-rj", "width": 88, "height": 88},
        "medium": {"url": f"{base}=s240-c-k-c0x00ffffff-no-rj", "width": 240, "height": 240},
        "high": {"url": f"{base}=s800-c-k-c0x00ffffff-no-rj", "width": 800, "height": 800},
    }


# --------------------------------------------------------------------------- search.list
async def search_list(request: web.Request) -> web.Response:
    state = state_of(request)
    caller = authenticate(request, state)
    state.quota.charge(caller.consumer, search=True)
    parse_parts(request, "search")
    q = request.query
    max_results = parse_max_results(request)
    offset = parse_offset(request)
    order = q.get("order", "relevance")
    if order not in ("date", "relevance", "viewCount", "rating", "title", "videoCount"):
        raise errors.invalid_value("order", f"Invalid value '{order}' for order.")
    after = _time_param(request, "publishedAfter")
    before = _time_param(request, "publishedBefore")
    types = {t.strip() for t in q.get("type", "video,channel,playlist").split(",")}
    now = state.clock.now()
    ds = state.dataset
    matches: list[int] = []
    if "video" in types:
        terms = tokenize(q.get("q", ""))
        channel_filter = q.get("channelId")
        channel_index = None
        if channel_filter:
            channel = ds.channel_by_id.get(channel_filter)
            channel_index = channel.index if channel else -1
        for index in ds.search_candidates(terms, now):
            if ds.status_of(index) != PUBLIC:
                continue
            published = ds.published_of(index)
            if (after is not None and published < after) or (
                before is not None and published >= before
            ):
                continue
            if channel_index is not None and ds.channel_of(index) != channel_index:
                continue
            matches.append(index)
        matches = _order(state, matches, order, terms, q.get("relevanceLanguage"))
    total = len(matches)
    reachable = min(total, SEARCH_CAP)
    page = matches[offset : min(offset + max_results, reachable)]
    items = [
        errors.rendered(
            state.item_cache,
            ("search", ds.fingerprint(i)),
            lambda i=i: search_item(state, ds.video(i)),
        )
        for i in page
    ]
    return respond(
        request,
        state,
        list_body(
            "youtube#searchListResponse",
            items,
            {"totalResults": min(total, 1_000_000), "resultsPerPage": max_results},
            page_fields(offset, max_results, reachable),
            {"regionCode": q.get("regionCode", "US")},
        ),
    )


def _time_param(request: web.Request, name: str) -> float | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    try:
        return parse_rfc3339(raw)
    except ValueError:
        raise errors.invalid_value(
            name,
            f"Invalid value '{raw}'. Expected an RFC 3339 date-time, such as 1970-01-01T00:00:00Z.",
        ) from None


def _order(
    state: EmulatorState, matches: list[int], order: str, terms: list[str], language: str | None
) -> list[int]:
    ds = state.dataset
    if order == "date":
        return sorted(matches, key=ds.published_of, reverse=True)
    if order in ("viewCount", "rating", "videoCount") or not terms:
        return sorted(matches, key=ds.views_of, reverse=True)
    if order == "title":
        return sorted(matches, key=lambda i: ds.video(i).title.lower())
    wanted = set(terms)

    def score(index: int) -> float:
        video = ds.video(index)
        in_title = len(wanted & set(tokenize(video.title)))
        lang_boost = 2.0 if language and video.language == language.split("-")[0] else 0.0
        return 3.0 * in_title + lang_boost + math.log10(ds.views_of(index) + 10) / 10.0

    return sorted(matches, key=score, reverse=True)


def search_item(state: EmulatorState, video: Video) -> dict[str, Any]:
    channel = state.dataset.channels[video.channel_index]
    published = video.published_iso
    return {
        "kind": "youtube#searchResult",
        "etag": etag("search", state.dataset.fingerprint(video.index)),
        "id": {"kind": "youtube#video", "videoId": video.id},
        "snippet": {
            "publishedAt": published,
            "channelId": channel.id,
            # search.list returns HTML-escaped titles (&#39; in the recordings); videos.list not.
            "title": video.title.replace("&", "&amp;").replace("'", "&#39;"),
            "description": video.description.replace("\n", " ")[:160],
            "thumbnails": {
                k: v
                for k, v in thumbnails(state, video.id).items()
                if k in ("default", "medium", "high")
            },
            "channelTitle": channel.title,
            "liveBroadcastContent": "none",
            "publishTime": published,
        },
    }


# --------------------------------------------------------------------------- videos.list
async def videos_list(request: web.Request) -> web.Response:
    state = state_of(request)
    caller = authenticate(request, state)
    state.quota.charge(caller.consumer, search=False)
    parts = parse_parts(request, "videos")
    ids = id_list(request, "id")
    parts_key = ",".join(sorted(parts))
    if not ids and (request.query.get("chart") or request.query.get("myRating")):
        return _videos_by_filter(request, state, caller, parts)
    if not ids:
        raise _missing_filter("chart, myRating, id")
    if len(ids) > 50:
        raise errors.invalid_value("id", "The request specifies more than 50 video IDs.")
    now = state.clock.now()
    items = []
    for video_id in ids:
        video = state.dataset.video_by_id(video_id, now)
        if video is None or not _visible(state, video, caller):
            continue
        key = ("video", state.dataset.fingerprint(video.index), parts_key)
        items.append(
            errors.rendered(state.item_cache, key, lambda v=video: video_resource(state, v, parts))
        )
    return respond(
        request,
        state,
        list_body(
            "youtube#videoListResponse",
            items,
            {"totalResults": len(items), "resultsPerPage": len(items)},
            page_info_last=True,
        ),
    )


def _videos_by_filter(
    request: web.Request, state: EmulatorState, caller: Caller, parts: set[str]
) -> web.Response:
    """videos.list with chart=mostPopular, or myRating=like (the signed-in user's likes)."""
    ds = state.dataset
    max_results = parse_max_results(request)
    offset = parse_offset(request)
    chart, rating = request.query.get("chart"), request.query.get("myRating")
    if chart:
        if chart != "mostPopular":
            raise errors.invalid_value("chart", f"Invalid value '{chart}' for chart.")
        indexes = ds.most_popular()
    else:
        if rating not in ("like", "dislike"):
            raise errors.invalid_value("myRating", f"Invalid value '{rating}' for myRating.")
        if caller.email is None:
            raise errors.login_required()
        now = state.clock.now()
        liked = ds.playlist_items(ds.likes[caller.email]) if rating == "like" else []
        indexes = [i for i in liked if ds.exists(i, now) and ds.status_of(i) == PUBLIC]
    page = indexes[offset : offset + max_results]
    items = [video_resource(state, ds.video(i), parts) for i in page]
    return respond_page(
        request,
        state,
        "youtube#videoListResponse",
        items,
        offset=offset,
        max_results=max_results,
        total=len(indexes),
        page_info_last=True,
    )


def _visible(state: EmulatorState, video: Video, caller: Caller) -> bool:
    if video.status == PUBLIC:
        return True
    if video.status == PRIVATE and caller.email:
        return state.dataset.channels[video.channel_index].owner_email == caller.email
    return False


def _missing_filter(expected: str) -> errors.ApiError:
    message = f"No filter selected. Expected one of: {expected}"
    item = {
        "message": message,
        "domain": "youtube.parameter",
        "reason": "missingRequiredParameter",
        "location": "parameters.",
        "locationType": "other",
    }
    return errors.ApiError(
        400,
        {"error": {"code": 400, "message": message, "errors": [item]}},
        "missingRequiredParameter",
    )


def video_resource(state: EmulatorState, video: Video, parts: set[str]) -> dict[str, Any]:
    channel = state.dataset.channels[video.channel_index]
    item: dict[str, Any] = {
        "kind": "youtube#video",
        "etag": etag("video", state.dataset.fingerprint(video.index), *sorted(parts)),
        "id": video.id,
    }
    if "snippet" in parts:
        item["snippet"] = {
            "publishedAt": video.published_iso,
            "channelId": channel.id,
            "title": video.title,
            "description": video.description,
            "thumbnails": thumbnails(state, video.id, video.definition == "hd"),
            "channelTitle": channel.title,
            "tags": list(video.tags),
            "categoryId": video.category_id,
            "liveBroadcastContent": "none",
            "defaultLanguage": video.language,
            "localized": {"title": video.title, "description": video.description},
            "defaultAudioLanguage": video.language,
        }
    if "contentDetails" in parts:
        has_manual = video.transcript_mode in (FULL, NON_ENGLISH)
        item["contentDetails"] = {
            "duration": video.iso_duration,
            "dimension": "2d",
            "definition": video.definition,
            "caption": "true" if has_manual else "false",
            "licensedContent": video.index % 3 == 0,
            "contentRating": {"ytRating": "ytAgeRestricted"}
            if video.transcript_mode == AGE_RESTRICTED
            else {},
            "projection": "rectangular",
        }
    if "statistics" in parts:
        item["statistics"] = {
            "viewCount": str(video.views),
            "likeCount": str(video.likes),
            "favoriteCount": "0",
            "commentCount": str(video.comments),
        }
    if "status" in parts:
        item["status"] = {
            "uploadStatus": "processed",
            "privacyStatus": video.status,
            "license": "youtube",
            "embeddable": True,
            "publicStatsViewable": True,
            "madeForKids": False,
        }
    if "player" in parts:
        item["player"] = {
            "embedHtml": f'<iframe width="480" height="270" src="//www.youtube.com/embed/'
            f'{video.id}" frameborder="0" allowfullscreen></iframe>'
        }
    return item


# --------------------------------------------------------------------------- playlists.list
def resolve_playlist(state: EmulatorState, playlist_id: str, caller: Caller) -> Playlist | None:
    ds = state.dataset
    if playlist_id == "LL":
        return ds.likes.get(caller.email) if caller.email else None
    if playlist_id.startswith("UU"):
        channel = ds.channel_by_id.get("UC" + playlist_id[2:])
        if channel is None:
            return None
        return Playlist(
            playlist_id,
            f"Uploads from {channel.title}",
            "",
            channel.index,
            "public",
            channel.published_at,
            kind="uploads",
        )
    return ds.playlist_by_id(playlist_id)


def playlist_video_indexes(state: EmulatorState, playlist: Playlist) -> list[int]:
    if playlist.kind == "uploads":
        return state.dataset.uploads(playlist.channel_index, state.clock.now())
    now = state.clock.now()
    return [i for i in state.dataset.playlist_items(playlist) if state.dataset.exists(i, now)]


def owns(state: EmulatorState, playlist: Playlist, caller: Caller) -> bool:
    owner = state.dataset.channels[playlist.channel_index].owner_email
    return caller.email is not None and owner == caller.email


async def playlists_list(request: web.Request) -> web.Response:
    state = state_of(request)
    caller = authenticate(request, state)
    state.quota.charge(caller.consumer, search=False)
    parts = parse_parts(request, "playlists")
    max_results = parse_max_results(request)
    offset = parse_offset(request)
    ds = state.dataset
    q = request.query
    if q.get("mine", "").lower() == "true":
        if caller.email is None:
            raise errors.login_required()
        playlists = ds.account_playlists(caller.email)
    elif q.get("channelId"):
        channel = ds.channel_by_id.get(q["channelId"])
        if channel is None:
            raise errors.channel_not_found()
        playlists = [
            p
            for p in ds.live_playlists()
            if p.channel_index == channel.index
            and (p.privacy != "private" or owns(state, p, caller))
        ]
    elif id_list(request, "id"):
        playlists = []
        for playlist_id in id_list(request, "id"):
            playlist = resolve_playlist(state, playlist_id, caller)
            if playlist and (playlist.privacy != "private" or owns(state, playlist, caller)):
                playlists.append(playlist)
    else:
        raise _missing_filter("channelId, id, mine")
    page = playlists[offset : offset + max_results]
    items = [playlist_resource(state, p, parts) for p in page]
    return respond_page(
        request,
        state,
        "youtube#playlistListResponse",
        items,
        offset=offset,
        max_results=max_results,
        total=len(playlists),
    )


def playlist_resource(state: EmulatorState, playlist: Playlist, parts: set[str]) -> dict[str, Any]:
    ds = state.dataset
    channel = ds.channels[playlist.channel_index]
    indexes = playlist_video_indexes(state, playlist)
    item: dict[str, Any] = {
        "kind": "youtube#playlist",
        "etag": etag("playlist", playlist.id, len(indexes), *sorted(parts)),
        "id": playlist.id,
    }
    if "snippet" in parts:
        first = next((i for i in indexes if ds.status_of(i) == PUBLIC), None)
        item["snippet"] = {
            "publishedAt": iso(playlist.published_at),
            "channelId": channel.id,
            "title": playlist.title,
            "description": playlist.description,
            "thumbnails": thumbnails(state, ds.codec.encode(first)) if first is not None else {},
            "channelTitle": channel.title,
            "localized": {"title": playlist.title, "description": playlist.description},
        }
    if "status" in parts:
        item["status"] = {"privacyStatus": playlist.privacy}
    if "contentDetails" in parts:
        item["contentDetails"] = {"itemCount": len(indexes)}
    if "player" in parts:
        item["player"] = {
            "embedHtml": f'<iframe width="640" height="360" src="http://www.youtube.com/embed/'
            f'videoseries?list={playlist.id}" frameborder="0" allowfullscreen>'
            "</iframe>"
        }
    return item


# --------------------------------------------------------------------------- playlistItems.list
async def playlist_items_list(request: web.Request) -> web.Response:
    state = state_of(request)
    caller = authenticate(request, state)
    state.quota.charge(caller.consumer, search=False)
    parts = parse_parts(request, "playlistItems")
    max_results = parse_max_results(request)
    offset = parse_offset(request)
    playlist_id = request.query.get("playlistId")
    ds = state.dataset
    if not playlist_id:
        if id_list(request, "id"):
            return _items_by_id(request, state, caller, parts)
        raise _missing_filter("id, playlistId")
    playlist = resolve_playlist(state, playlist_id, caller)
    if playlist is None:
        raise errors.playlist_not_found()
    if playlist.privacy == "private" and not owns(state, playlist, caller):
        raise errors.playlist_forbidden()
    indexes = playlist_video_indexes(state, playlist)
    positions = list(range(len(indexes)))
    video_filter = request.query.get("videoId")
    if video_filter:
        wanted = state.dataset.codec.decode(video_filter)
        positions = [p for p in positions if indexes[p] == wanted]
        if not positions:
            raise errors.video_not_found()
    page = positions[offset : offset + max_results]
    parts_key = ",".join(sorted(parts))
    items = [
        errors.rendered(
            state.item_cache,
            (
                "item",
                playlist.id,
                ds.fingerprint(indexes[p]),
                ds.status_of(indexes[p]),
                p,
                parts_key,
            ),
            lambda p=p: playlist_item_resource(state, playlist, indexes[p], p, parts),
        )
        for p in page
    ]
    return respond_page(
        request,
        state,
        "youtube#playlistItemListResponse",
        items,
        offset=offset,
        max_results=max_results,
        total=len(positions),
        page_info_last=True,
    )


def _items_by_id(
    request: web.Request, state: EmulatorState, caller: Caller, parts: set[str]
) -> web.Response:
    items = []
    for item_id in id_list(request, "id"):
        try:
            playlist_id, _, video_id = (
                base64.urlsafe_b64decode(item_id + "=" * (-len(item_id) % 4))
                .decode()
                .partition(".")
            )
        except (ValueError, UnicodeDecodeError):
            continue
        playlist = resolve_playlist(state, playlist_id, caller)
        index = state.dataset.codec.decode(video_id)
        if playlist is None or index is None:
            continue
        if playlist.privacy == "private" and not owns(state, playlist, caller):
            continue
        indexes = playlist_video_indexes(state, playlist)
        if index in indexes:
            items.append(
                playlist_item_resource(state, playlist, index, indexes.index(index), parts)
            )
    return respond(
        request,
        state,
        list_body(
            "youtube#playlistItemListResponse",
            items,
            {"totalResults": len(items), "resultsPerPage": len(items)},
            page_info_last=True,
        ),
    )


def _item_id(playlist_id: str, video_id: str) -> str:
    """YouTube's playlist item ids are base64 of "<playlistId>.<videoId>"-like strings."""
    return base64.urlsafe_b64encode(f"{playlist_id}.{video_id}".encode()).decode().rstrip("=")


def playlist_item_resource(
    state: EmulatorState, playlist: Playlist, index: int, position: int, parts: set[str]
) -> dict[str, Any]:
    """One playlist entry; deleted and private videos look as YouTube shows them."""
    ds = state.dataset
    owner = ds.channels[playlist.channel_index]
    video_id = ds.codec.encode(index)
    status = ds.status_of(index)
    item_id = _item_id(playlist.id, video_id)
    added = max(ds.published_of(index) + 3600, playlist.published_at) + position * 37
    if playlist.kind == "uploads":
        added = ds.published_of(index)
    item: dict[str, Any] = {
        "kind": "youtube#playlistItem",
        "etag": etag(
            "item", _item_id(playlist.id, ds.fingerprint(index)), status, position, *sorted(parts)
        ),
        "id": item_id,
    }
    video = ds.video(index) if status == PUBLIC else None
    if "snippet" in parts:
        snippet: dict[str, Any] = {
            "publishedAt": iso(added),
            "channelId": owner.id,
            "title": video.title
            if video
            else ("Deleted video" if status == DELETED else "Private video"),
            "description": video.description
            if video
            else ("This video is unavailable." if status == DELETED else "This video is private."),
            "thumbnails": thumbnails(state, video_id, video.definition == "hd") if video else {},
            "channelTitle": owner.title,
            "playlistId": playlist.id,
            "position": position,
            "resourceId": {"kind": "youtube#video", "videoId": video_id},
        }
        if video:
            video_owner = ds.channels[video.channel_index]
            snippet["videoOwnerChannelTitle"] = video_owner.title
            snippet["videoOwnerChannelId"] = video_owner.id
        item["snippet"] = snippet
    if "contentDetails" in parts:
        details: dict[str, Any] = {"videoId": video_id}
        if video:
            details["videoPublishedAt"] = video.published_iso
        item["contentDetails"] = details
    if "status" in parts:
        item["status"] = {
            "privacyStatus": {PUBLIC: "public", PRIVATE: "private"}.get(
                status, "privacyStatusUnspecified"
            )
        }
    return item


# --------------------------------------------------------------------------- channels.list
async def channels_list(request: web.Request) -> web.Response:
    state = state_of(request)
    caller = authenticate(request, state)
    state.quota.charge(caller.consumer, search=False)
    parts = parse_parts(request, "channels")
    ds = state.dataset
    q = request.query
    mine = False
    if q.get("mine", "").lower() == "true":
        if caller.email is None:
            raise errors.login_required()
        channels = [ds.channels[ds.accounts[caller.email].channel_index]]
        mine = True
    elif id_list(request, "id"):
        channels = [ds.channel_by_id[c] for c in id_list(request, "id") if c in ds.channel_by_id]
    elif q.get("forHandle"):
        handle = q["forHandle"] if q["forHandle"].startswith("@") else "@" + q["forHandle"]
        channels = [c for c in ds.channels if c.custom_url.lower() == handle.lower()]
    else:
        raise _missing_filter(
            "categoryId, forHandle, forUsername, id, managedByMe, mine, mySubscribers"
        )
    items = [channel_resource(state, c, parts, mine) for c in channels]
    page_info = {"totalResults": len(items), "resultsPerPage": 5}
    return respond(request, state, list_body("youtube#channelListResponse", items, page_info))


def channel_resource(
    state: EmulatorState, channel: Channel, parts: set[str], mine: bool
) -> dict[str, Any]:
    ds = state.dataset
    item: dict[str, Any] = {
        "kind": "youtube#channel",
        "etag": etag("channel", channel.id, *sorted(parts)),
        "id": channel.id,
    }
    if "snippet" in parts:
        item["snippet"] = {
            "title": channel.title,
            "description": channel.description,
            "customUrl": channel.custom_url,
            "publishedAt": iso(channel.published_at),
            "thumbnails": channel_thumbnails(channel),
            "localized": {"title": channel.title, "description": channel.description},
            "country": channel.country,
        }
    if "contentDetails" in parts:
        item["contentDetails"] = {
            "relatedPlaylists": {
                "likes": "LL" if mine else "",
                "uploads": channel.uploads_playlist_id,
            }
        }
    if "statistics" in parts:
        uploads = ds.uploads(channel.index, state.clock.now())
        item["statistics"] = {
            "viewCount": str(sum(ds.views_of(i) for i in uploads[:200] if i < LIVE_BASE)),
            "subscriberCount": str(1000 + int(ds._u(channel.index, 9) * 2_000_000) // 1000 * 1000),
            "hiddenSubscriberCount": False,
            "videoCount": str(len(uploads)),
        }
    if "status" in parts:
        item["status"] = {
            "privacyStatus": "public",
            "isLinked": True,
            "longUploadsStatus": "longUploadsUnspecified",
            "madeForKids": False,
        }
    return item


def routes() -> list[web.RouteDef]:
    return [
        web.get("/youtube/v3/search", search_list, name="search.list"),
        web.get("/youtube/v3/videos", videos_list, name="videos.list"),
        web.get("/youtube/v3/playlists", playlists_list, name="playlists.list"),
        web.get("/youtube/v3/playlistItems", playlist_items_list, name="playlistItems.list"),
        web.get("/youtube/v3/channels", channels_list, name="channels.list"),
    ]
