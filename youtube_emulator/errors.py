"""Google's error bodies, as the Data API and the OAuth server send them.

Shapes follow the recordings in youtube-recordings/ (errors/ and oauth/). Where no recording
exists (the modern API_KEY_INVALID and the 429 search bucket body), the shapes follow the
descriptions in SOURCES.md "Gaps". Messages escape <, > and = as \\u003c, \\u003e and \\u003d
because the real API does (json.dumps with our `dumps` below takes care of it).
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

JSON_TYPE = "application/json; charset=UTF-8"
# Headers the real API sends with every JSON answer (see the mopidy cassettes).
API_HEADERS = {
    "Vary": "Origin, X-Origin, Referer",
    "Server": "scaffolding on HTTPServer2",
    "Cache-Control": "private",
}


def dumps(body: Any, escape: bool = False) -> str:
    """2-space JSON; error bodies get Google's HTML-safe escapes of <, > and =."""
    text = json.dumps(body, indent=2, ensure_ascii=False)
    if escape:
        text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("=", "\\u003d")
    return text


# Items whose content is fixed by a cheap key (video fingerprint + parts, playlist item + status +
# position + parts, search hit) are rendered once per emulator: json.dumps(indent=2) runs the
# slow pure-Python encoder, and a 50-video page would otherwise cost ~10 ms of CPU per request.
_ITEMS_MARK = r"\u0000items\u0000"  # how json.dumps writes the placeholder "\x00items\x00"


class RenderedItem(str):
    """An item already rendered as JSON text (with its etag), ready for dumps_list."""

    etag: str


class ItemCache(dict[tuple[Any, ...], RenderedItem]):
    """Rendered items by key; emptied when full (cheap, and the hot set refills fast)."""

    max_size = 20_000

    def put(self, key: tuple[Any, ...], item: RenderedItem) -> None:
        if len(self) >= self.max_size:
            self.clear()
        self[key] = item


def rendered(cache: ItemCache, key: tuple[Any, ...], build: Any) -> RenderedItem:
    """The item for `key` as JSON text: from the cache, or build() and render it once."""
    item = cache.get(key)
    if item is None:
        built = build()
        item = RenderedItem(_render(built))
        item.etag = built["etag"]
        cache.put(key, item)
    return item


def etag_of(item: RenderedItem | dict[str, Any]) -> str:
    return item.etag if isinstance(item, RenderedItem) else item["etag"]


def _render(item: dict[str, Any]) -> str:
    """One list item, pretty-printed at the nesting depth of a list response's "items"."""
    return "    " + json.dumps(item, indent=2, ensure_ascii=False).replace("\n", "\n    ")


def _item_json(item: RenderedItem | dict[str, Any]) -> str:
    return item if isinstance(item, RenderedItem) else _render(item)


def dumps_list(body: dict[str, Any]) -> str:
    """Same text as dumps(body) for a list response, using pre-rendered items."""
    items = body.get("items")
    if not items:
        return dumps(body)
    head = json.dumps({**body, "items": ["\x00items\x00"]}, indent=2, ensure_ascii=False)
    marker = f'    "{_ITEMS_MARK}"'
    return head.replace(marker, ",\n".join(_item_json(i) for i in items), 1)


def json_response(
    body: Any,
    status: int = 200,
    headers: dict[str, str] | None = None,
    escape: bool = False,
) -> web.Response:
    is_list = not escape and isinstance(body, dict) and isinstance(body.get("items"), list)
    return web.Response(
        text=dumps_list(body) if is_list else dumps(body, escape),
        status=status,
        content_type="application/json",
        charset="UTF-8",
        headers={**API_HEADERS, **(headers or {})},
    )


class ApiError(Exception):
    """Raised by handlers; the middleware turns it into Google's error body."""

    def __init__(self, status: int, body: dict[str, Any], reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.body = body
        self.reason = reason

    def response(self) -> web.Response:
        return json_response(self.body, self.status, escape=True)


def _error(
    code: int,
    message: str,
    errors: list[dict[str, Any]],
    status: str | None = None,
    details: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message, "errors": errors}
    if status:
        body["status"] = status
    if details:
        body["details"] = details
    return {"error": body}


def _simple(
    code: int,
    message: str,
    domain: str,
    reason: str,
    status: str | None = None,
    location: str | None = None,
    location_type: str = "parameter",
) -> ApiError:
    item: dict[str, Any] = {"message": message, "domain": domain, "reason": reason}
    if location:
        item["location"] = location
        item["locationType"] = location_type
    return ApiError(code, _error(code, message, [item], status), reason)


QUOTA_MESSAGE = (
    'The request cannot be completed because you have exceeded your <a href="/youtube/v3/'
    'getting-started#quota">quota</a>.'
)


def quota_exceeded() -> ApiError:
    """403 quotaExceeded, the modern recording (nikkelm_ryv__error_quotaExceeded_403)."""
    return _simple(403, QUOTA_MESSAGE, "youtube.quota", "quotaExceeded")


def search_rate_limited(limit: int, consumer: str) -> ApiError:
    """429 of search.list's own daily bucket (SOURCES.md, Gaps: rateLimitExceeded)."""
    message = (
        "Quota exceeded for quota metric 'Search List Requests' and limit 'Search List "
        f"Requests per day' of service 'youtube.googleapis.com' for consumer '{consumer}'."
    )
    details = [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "RATE_LIMIT_EXCEEDED",
            "domain": "googleapis.com",
            "metadata": {
                "quota_metric": "youtube.googleapis.com/search_list",
                "quota_limit": "defaultSearchListPerDayPerProject",
                "quota_limit_value": str(limit),
                "quota_location": "global",
                "service": "youtube.googleapis.com",
                "consumer": consumer,
            },
        },
        {
            "@type": "type.googleapis.com/google.rpc.Help",
            "links": [
                {
                    "description": "Request a higher quota limit.",
                    "url": "https://cloud.google.com/docs/quotas/help/request_increase",
                }
            ],
        },
    ]
    item = {"message": message, "domain": "global", "reason": "rateLimitExceeded"}
    return ApiError(
        429, _error(429, message, [item], "RESOURCE_EXHAUSTED", details), "rateLimitExceeded"
    )


def rate_limited() -> ApiError:
    """429 injected by the fault settings (a short-term per-minute limit)."""
    message = "Resource has been exhausted (e.g. check quota)."
    item = {"message": message, "domain": "global", "reason": "rateLimitExceeded"}
    return ApiError(429, _error(429, message, [item], "RESOURCE_EXHAUSTED"), "rateLimitExceeded")


def key_invalid(style: str = "modern") -> ApiError:
    """400 for a bad API key: modern API_KEY_INVALID body, or the legacy keyInvalid one."""
    if style == "legacy":
        body = {
            "error": {
                "errors": [
                    {"domain": "usageLimits", "reason": "keyInvalid", "message": "Bad Request"}
                ],
                "code": 400,
                "message": "Bad Request",
            }
        }
        return ApiError(400, body, "keyInvalid")
    message = "API key not valid. Please pass a valid API key."
    details = [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "API_KEY_INVALID",
            "domain": "googleapis.com",
            "metadata": {"service": "youtube.googleapis.com"},
        },
        {
            "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
            "locale": "en-US",
            "message": message,
        },
    ]
    item = {"message": message, "domain": "global", "reason": "badRequest"}
    return ApiError(400, _error(400, message, [item], "INVALID_ARGUMENT", details), "keyInvalid")


def missing_key() -> ApiError:
    """403 when neither a key nor a token is sent."""
    message = (
        "Method doesn't allow unregistered callers (callers without established identity). "
        "Please use API Key or other form of API consumer identity to call this API."
    )
    return _simple(403, message, "global", "forbidden", "PERMISSION_DENIED")


AUTH_HELP = (
    "Expected OAuth 2 access token, login cookie or other valid authentication credential. "
    "See https://developers.google.com/identity/sign-in/web/devconsole-project."
)


def login_required() -> ApiError:
    """401 when an OAuth-only request (mine=true) comes with an API key only."""
    message = "Request is missing required authentication credential. " + AUTH_HELP
    item = {
        "message": "Login Required.",
        "domain": "global",
        "reason": "required",
        "location": "Authorization",
        "locationType": "header",
    }
    return ApiError(401, _error(401, message, [item], "UNAUTHENTICATED"), "required")


def invalid_credentials() -> ApiError:
    """401 for an unknown, expired or revoked Bearer token."""
    message = "Request had invalid authentication credentials. " + AUTH_HELP
    item = {
        "message": "Invalid Credentials",
        "domain": "global",
        "reason": "authError",
        "location": "Authorization",
        "locationType": "header",
    }
    return ApiError(401, _error(401, message, [item], "UNAUTHENTICATED"), "authError")


def insufficient_scopes() -> ApiError:
    message = "Request had insufficient authentication scopes."
    item = {
        "message": "Insufficient Permission",
        "domain": "global",
        "reason": "insufficientPermissions",
    }
    details = [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
            "domain": "googleapis.com",
            "metadata": {
                "service": "youtube.googleapis.com",
                "method": "youtube.api.v3.V3DataService.List",
            },
        }
    ]
    return ApiError(
        403, _error(403, message, [item], "PERMISSION_DENIED", details), "insufficientPermissions"
    )


def playlist_not_found(domain: str = "youtube.playlistItem") -> ApiError:
    """404 playlistNotFound, the recording nikkelm_ryv__error_playlistNotFound_404."""
    message = (
        "The playlist identified with the request's <code>playlistId</code> parameter "
        "cannot be found."
    )
    return _simple(404, message, domain, "playlistNotFound", location="playlistId")


def video_not_found() -> ApiError:
    message = "The video identified by the <code>videoId</code> parameter could not be found."
    return _simple(404, message, "youtube.playlistItem", "videoNotFound", location="videoId")


def channel_not_found() -> ApiError:
    message = (
        "The channel identified with the request's <code>channelId</code> parameter "
        "cannot be found."
    )
    return _simple(404, message, "youtube.channel", "channelNotFound", location="channelId")


def playlist_forbidden() -> ApiError:
    """403 for items of somebody else's private playlist (error type "forbidden")."""
    message = "The request is not properly authorized to retrieve the specified playlist."
    return _simple(
        403, message, "youtube.playlistItem", "playlistItemsNotAccessible", location="playlistId"
    )


def mine_forbidden() -> ApiError:
    """403 "forbidden" for an account-only resource the caller may not see."""
    message = "The caller does not have permission"
    return _simple(403, message, "global", "forbidden", "PERMISSION_DENIED")


def backend_error(code: int = 500) -> ApiError:
    if code == 503:
        message, status = "The service is currently unavailable.", "UNAVAILABLE"
    else:
        message, status = "Internal error encountered.", "INTERNAL"
    return _simple(code, message, "global", "backendError", status)


def invalid_parameter(name: str, message: str, reason: str = "invalidParameter") -> ApiError:
    return _simple(400, message, "youtube.parameter", reason, location=name)


def invalid_value(name: str, message: str) -> ApiError:
    return _simple(400, message, "global", "invalid", "INVALID_ARGUMENT", location=name)


def required_parameter(name: str) -> ApiError:
    return _simple(
        400, f"Required parameter: {name}", "global", "required", "INVALID_ARGUMENT", location=name
    )


def unknown_part(part: str) -> ApiError:
    message = f"'{part}'"
    return _simple(400, message, "youtube.part", "unknownPart", location="part")


def invalid_page_token() -> ApiError:
    message = "The request specifies an invalid page token."
    return _simple(400, message, "youtube.parameter", "invalidPageToken", location="pageToken")


def not_found_path() -> ApiError:
    return _simple(404, "Not Found", "global", "notFound", "NOT_FOUND")


def oauth_error(status: int, error: str, description: str) -> web.Response:
    """OAuth token endpoint error: {"error": ..., "error_description": ...} (oauth/ recordings)."""
    return web.Response(
        text=json.dumps({"error": error, "error_description": description}, indent=2),
        status=status,
        content_type="application/json",
        charset="utf-8",
        headers={
            "Cache-Control": "no-cache, no-store, max-age=0, must-revalidate",
            "Pragma": "no-cache",
        },
    )
