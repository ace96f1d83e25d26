"""Control and statistics API under /_emulator/ (JSON in, JSON out).

Tests and benchmarks use it to reset the emulator, read request/error/quota statistics, move the
clock, change budgets, keys and OAuth behaviour, set faults and add videos. Bad input gets a 400
with {"error": message} and changes nothing.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from aiohttp import web

from youtube_emulator import oauth
from youtube_emulator.config import FAMILIES, IpBlockConfig, fault_config_from_dict
from youtube_emulator.dataset import (
    PUBLIC,
    TRANSCRIPT_MODES,
    Video,
    iso,
    parse_rfc3339,
)
from youtube_emulator.state import STATE_KEY, EmulatorState, FailNext, mask_secret

SETTABLE = {
    "units_per_day": int,
    "search_calls_per_day": int,
    "token_ttl_s": int,
    "auto_approve": bool,
    "require_consent_cookie": bool,
    "media_max_seconds": int,
    "public_url": str,
    "key_invalid_style": str,
    "valid_keys": list,
    "invalid_keys": list,
}


class BadInput(ValueError):
    pass


def state_of(request: web.Request) -> EmulatorState:
    return request.app[STATE_KEY]


def ok(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, indent=2))


def bad(message: str, status: int = 400) -> web.Response:
    return ok({"error": message}, status)


async def body_of(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        data = await request.json()
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadInput(f"body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadInput("body must be a JSON object")
    return data


def handles_bad_input(handler):  # type: ignore[no-untyped-def]
    async def wrapper(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except (BadInput, ValueError, TypeError, KeyError) as exc:
            return bad(str(exc))

    wrapper.__name__ = handler.__name__
    return wrapper


async def health(request: web.Request) -> web.Response:
    return ok({"ok": True})


async def stats(request: web.Request) -> web.Response:
    state = state_of(request)
    return ok(state.stats.as_json(state.quota_report()))


async def reset(request: web.Request) -> web.Response:
    state_of(request).reset()
    return ok({"reset": True})


@handles_bad_input
async def config(request: web.Request) -> web.Response:
    state = state_of(request)
    if request.method in ("PATCH", "POST", "PUT"):
        data = await body_of(request)
        updates = {}
        for name, value in data.items():
            if name not in SETTABLE:
                raise BadInput(f"unknown setting {name!r}; settable: {sorted(SETTABLE)}")
            expected = SETTABLE[name]
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                raise BadInput(f"{name} must be of type {expected.__name__}")
            if expected is int and value < 0:
                raise BadInput(f"{name} must be >= 0")
            if name == "key_invalid_style" and value not in ("modern", "legacy"):
                raise BadInput("key_invalid_style must be modern or legacy")
            updates[name] = value
        for name, value in updates.items():
            setattr(state.config, name, value)
        if "public_url" in updates:
            state.item_cache.clear()  # rendered items carry their thumbnails' URLs
    cfg = state.config
    return ok(
        {
            "units_per_day": cfg.units_per_day,
            "search_calls_per_day": cfg.search_calls_per_day,
            "token_ttl_s": cfg.token_ttl_s,
            "auto_approve": cfg.auto_approve,
            "require_consent_cookie": cfg.require_consent_cookie,
            "media_max_seconds": cfg.media_max_seconds,
            "public_url": cfg.public_url,
            "key_invalid_style": cfg.key_invalid_style,
            "valid_keys": [mask_secret(k) for k in cfg.valid_keys],
            "invalid_keys": [mask_secret(k) for k in cfg.invalid_keys],
            "client_id": cfg.client_id,
            "innertube_api_key": mask_secret(cfg.innertube_api_key),
        }
    )


@handles_bad_input
async def faults(request: web.Request) -> web.Response:
    state = state_of(request)
    if request.method in ("PATCH", "POST", "PUT"):
        data = await body_of(request)
        new_settings = {}
        for name, value in data.items():
            if name in FAMILIES:
                if not isinstance(value, dict):
                    raise BadInput(f"{name} must be an object")
                new_settings[name] = fault_config_from_dict(value, state.faults.settings[name])
            elif name == "ip_block":
                merged = {**dataclasses.asdict(state.faults.ip_block), **value}
                block = IpBlockConfig(**merged)
                if block.style not in ("bot", "429"):
                    raise BadInput("ip_block.style must be bot or 429")
                new_settings[name] = block
            else:
                raise BadInput(f"unknown fault family {name!r}; use {list(FAMILIES)} or ip_block")
        for name, value in new_settings.items():
            if name == "ip_block":
                state.faults.ip_block = value
                state.faults.blocked_until.clear()
                state.faults.hits.clear()
            else:
                state.faults.settings[name] = value
    return ok(state.faults.as_json())


@handles_bad_input
async def fail_next(request: web.Request) -> web.Response:
    state = state_of(request)
    data = await body_of(request)
    family = data.get("family", "data")
    if family not in FAMILIES:
        raise BadInput(f"family must be one of {list(FAMILIES)}")
    status = int(data.get("status", 503))
    if status != 0 and not 400 <= status <= 599:
        raise BadInput("status must be 0 (drop the connection) or 400..599")
    count = int(data.get("count", 1))
    if count < 1:
        raise BadInput("count must be >= 1")
    endpoint = data.get("endpoint")
    state.faults.scripted.append(FailNext(family, status, count, endpoint))
    return ok(state.faults.as_json())


@handles_bad_input
async def clock(request: web.Request) -> web.Response:
    state = state_of(request)
    if request.method == "POST":
        data = await body_of(request)
        if "set" in data:
            state.clock.set(parse_rfc3339(str(data["set"])))
        elif "advance_s" in data:
            state.clock.advance(float(data["advance_s"]))
        elif data.get("real"):
            state.clock.offset = 0.0
        else:
            raise BadInput('give "set" (RFC 3339), "advance_s" (seconds) or "real": true')
    now = state.clock.now()
    return ok(
        {
            "now": iso(now),
            "timestamp": now,
            "offset_s": state.clock.offset,
            "live_uploads_published": state.dataset.live_count(now),
        }
    )


@handles_bad_input
async def quota(request: web.Request) -> web.Response:
    state = state_of(request)
    key = request.query.get("key") or request.query.get("consumer")
    if key:
        return ok({"consumer": mask_secret(key), **state.quota.report(key)})
    return ok(state.quota_report())


def video_json(state: EmulatorState, video: Video) -> dict[str, Any]:
    ds = state.dataset
    body: dict[str, Any] = {
        "id": video.id,
        "title": video.title,
        "channel_id": ds.channels[video.channel_index].id,
        "published_at": iso(video.published_at),
        "status": video.status,
        "transcript_mode": video.transcript_mode,
        "language": video.language,
        "duration_s": video.duration_s,
        "topic": video.topic,
        "tracks": [
            {"language": t.language, "kind": t.kind, "name": t.name} for t in ds.tracks(video)
        ],
    }
    sig = ds.signature(video.id)
    body["signature"] = {"phrase": sig.phrase, "codeword": sig.codeword, "start": sig.start}
    return body


@handles_bad_input
async def add_videos(request: web.Request) -> web.Response:
    state = state_of(request)
    data = await body_of(request)
    ds = state.dataset
    count = int(data.get("count", 1))
    if not 1 <= count <= 1000:
        raise BadInput("count must be within 1..1000")
    channel_index = None
    if data.get("channel_id"):
        channel = ds.channel_by_id.get(data["channel_id"])
        if channel is None:
            raise BadInput(f"unknown channel_id {data['channel_id']!r}")
        channel_index = channel.index
    mode = data.get("transcript_mode", "full")
    if mode not in TRANSCRIPT_MODES:
        raise BadInput(f"transcript_mode must be one of {list(TRANSCRIPT_MODES)}")
    status = data.get("status", PUBLIC)
    if status not in ("public", "private", "deleted"):
        raise BadInput("status must be public, private or deleted")
    published = parse_rfc3339(data["published_at"]) if data.get("published_at") else None
    playlist_id = data.get("playlist_id")
    if playlist_id and ds.playlist_by_id(playlist_id) is None and playlist_id != "LL":
        raise BadInput(f"unknown playlist_id {playlist_id!r}")
    email = data.get("email")
    if playlist_id == "LL" and email not in ds.accounts:
        raise BadInput('adding to "LL" needs "email" of a demo account')
    now = state.clock.now()
    videos = [
        ds.add_video(
            now=now,
            channel_index=channel_index,
            title=data.get("title"),
            description=data.get("description"),
            published_at=published,
            transcript_mode=mode,
            status=status,
        )
        for _ in range(count)
    ]
    if playlist_id:
        target = ds.likes[email] if playlist_id == "LL" else ds.playlist_by_id(playlist_id)
        ds.add_to_playlist(target, [v.index for v in videos])
    return ok({"videos": [video_json(state, v) for v in videos]}, 201)


@handles_bad_input
async def add_playlist_items(request: web.Request) -> web.Response:
    state = state_of(request)
    ds = state.dataset
    playlist = ds.playlist_by_id(request.match_info["playlist_id"])
    if playlist is None:
        raise BadInput(f"unknown playlist {request.match_info['playlist_id']!r}")
    data = await body_of(request)
    indexes = []
    for video_id in data.get("video_ids", []):
        index = ds.codec.decode(str(video_id))
        if index is None or not ds.exists(index, state.clock.now()):
            raise BadInput(f"unknown video id {video_id!r}")
        indexes.append(index)
    if not indexes:
        raise BadInput('give "video_ids": [...]')
    ds.add_to_playlist(playlist, indexes)
    return ok(
        {
            "playlist_id": playlist.id,
            "added": len(indexes),
            "item_count": len(ds.playlist_items(playlist)),
        }
    )


@handles_bad_input
async def delete_playlist(request: web.Request) -> web.Response:
    """Its owner deletes the playlist on YouTube: from now on playlists.list leaves it out and
    playlistItems.list answers 404 playlistNotFound, as YouTube does (a reset brings it back)."""
    ds = state_of(request).dataset
    playlist = ds.playlist_by_id(request.match_info["playlist_id"])
    if playlist is None:
        raise BadInput(f"unknown playlist {request.match_info['playlist_id']!r}")
    ds.delete_playlist(playlist)
    return ok({"playlist_id": playlist.id, "deleted": True})


async def video_info(request: web.Request) -> web.Response:
    state = state_of(request)
    video = state.dataset.video_by_id(request.match_info["video_id"], state.clock.now())
    if video is None:
        return bad("unknown video id", 404)
    return ok(video_json(state, video))


async def dataset_info(request: web.Request) -> web.Response:
    return ok(describe_dataset(state_of(request)))


def describe_dataset(state: EmulatorState) -> dict[str, Any]:
    ds = state.dataset
    cfg = ds.config
    accounts = {}
    for email, account in ds.accounts.items():
        channel = ds.channels[account.channel_index]
        accounts[email] = {
            "name": account.name,
            "sub": account.sub,
            "channel_id": channel.id,
            "uploads_playlist_id": channel.uploads_playlist_id,
            "likes_playlist_id": "LL",
            "liked_count": len(ds.playlist_items(ds.likes[email])),
            "playlists": [
                {
                    "id": p.id,
                    "title": p.title,
                    "privacy": p.privacy,
                    "item_count": len(ds.playlist_items(p)),
                }
                for p in ds.account_playlists(email)
            ],
        }
    examples = {}
    for mode in TRANSCRIPT_MODES:
        examples[mode] = ds.find_video(mode).id
    examples["private"] = ds.find_video(status="private").id
    examples["deleted"] = ds.find_video(status="deleted").id
    return {
        "seed": cfg.seed,
        "n_channels": cfg.n_channels,
        "n_videos": cfg.n_videos,
        "playlist_sizes": list(cfg.playlist_sizes),
        "accounts": accounts,
        "public_playlist_ids": ds.public_playlist_ids[:10],
        "channel_ids": [c.id for c in ds.channels[: cfg.n_channels]][:10],
        "examples": examples,
        "live_start": iso(ds.live_start),
        "upload_interval_s": cfg.upload_interval_s,
    }


@handles_bad_input
async def tokens(request: web.Request) -> web.Response:
    state = state_of(request)
    data = await body_of(request)
    email = data.get("email")
    if email not in state.dataset.accounts:
        raise BadInput(f"email must be one of {sorted(state.dataset.accounts)}")
    scopes = data.get("scopes") or [
        "https://www.googleapis.com/auth/youtube.readonly",
        "openid",
        "email",
        "profile",
    ]
    if not isinstance(scopes, list):
        raise BadInput("scopes must be a list")
    return ok(
        oauth.issue_tokens(state, email, [str(s) for s in scopes], bool(data.get("offline", True))),
        201,
    )


def routes() -> list[web.RouteDef]:
    prefix = "/_emulator"
    return [
        web.get(f"{prefix}/health", health, name="control.health"),
        web.get(f"{prefix}/stats", stats, name="control.stats"),
        web.post(f"{prefix}/reset", reset, name="control.reset"),
        web.route("*", f"{prefix}/config", config, name="control.config"),
        web.route("*", f"{prefix}/faults", faults, name="control.faults"),
        web.post(f"{prefix}/faults/fail-next", fail_next, name="control.fail_next"),
        web.route("*", f"{prefix}/clock", clock, name="control.clock"),
        web.get(f"{prefix}/quota", quota, name="control.quota"),
        web.post(f"{prefix}/videos", add_videos, name="control.add_videos"),
        web.get(f"{prefix}/videos/{{video_id}}", video_info, name="control.video"),
        web.post(
            f"{prefix}/playlists/{{playlist_id}}/items",
            add_playlist_items,
            name="control.add_playlist_items",
        ),
        web.delete(
            f"{prefix}/playlists/{{playlist_id}}", delete_playlist, name="control.delete_playlist"
        ),
        web.get(f"{prefix}/dataset", dataset_info, name="control.dataset"),
        web.post(f"{prefix}/tokens", tokens, name="control.tokens"),
    ]
