"""YouTube Data API errors, classified once at the edge into what a caller can act on.

Callers never look at HTTP statuses: a quota error moves to the next key, an invalid key is
disabled, a transient error is retried with backoff, everything else is recorded on the video
or job with its reason. Messages never carry the request URI, which holds the API key.
"""

from __future__ import annotations

import http.client
import json
from datetime import datetime
from typing import Any

import httplib2
from googleapiclient.errors import HttpError

# errors[].reason / details[].reason values, grouped by what a caller does about them.
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded", "dailyLimitExceededUnreg"})
KEY_INVALID_REASONS = frozenset({"keyInvalid", "API_KEY_INVALID", "keyExpired", "API_KEY_EXPIRED"})
AUTH_REASONS = frozenset(
    {"authError", "unauthorized", "invalidCredentials", "ACCESS_TOKEN_EXPIRED", "UNAUTHENTICATED"}
)
NOT_FOUND_REASONS = frozenset(
    {"playlistNotFound", "videoNotFound", "channelNotFound", "notFound", "playlistItemNotFound"}
)
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED"})
TRANSIENT_REASONS = frozenset({"backendError", "internalError", "serviceUnavailable"})
# A rate-limit error whose ErrorInfo names a per-day limit is the daily quota of a bucket (the
# search.list cap answers 429 rateLimitExceeded since 2026), not a short burst limit.
_DAILY_LIMIT_MARKERS = ("perday", "search_list")
_MESSAGE_LIMIT = 300


class YouTubeError(Exception):
    """Base of every error the YouTube clients raise; `retryable` says whether to try again."""

    retryable = False

    def __init__(self, message: str, status: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.reason = reason

    def __str__(self) -> str:
        prefix = " ".join(str(part) for part in (self.status, self.reason) if part)
        return f"{prefix}: {self.message}" if prefix else self.message


class QuotaExceeded(YouTubeError):
    """The key's daily quota for this bucket is spent (until midnight Pacific)."""


class KeyInvalid(YouTubeError):
    """The API key is wrong, deleted or expired: disable it."""


class AuthError(YouTubeError):
    """OAuth credentials are missing, expired beyond refresh, or revoked: the user signs in."""


class NotFound(YouTubeError):
    """The playlist, video or channel does not exist (or is not visible to this caller)."""


class Forbidden(YouTubeError):
    """The caller may not see this resource, or the API is not enabled for the project."""


class TransientError(YouTubeError):
    """A 5xx, a burst rate limit, a dropped connection or a timeout: retry with backoff."""

    retryable = True


class QuotaExhausted(YouTubeError):
    """Every key of a bucket is spent; wait until `reset_at` (next midnight Pacific)."""

    def __init__(self, reset_at: datetime, bucket: str = "", message: str = "") -> None:
        spent = bucket or "quota"
        text = message or f"every API key is out of {spent} until {reset_at.isoformat()}"
        super().__init__(text, status=None, reason="quotaExhausted")
        self.reset_at = reset_at
        self.bucket = bucket


# Raised by httplib2/http.client/socket when the connection itself fails.
# OSError covers refused/reset connections, timeouts, DNS and TLS failures.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    httplib2.HttpLib2Error,
    http.client.HTTPException,
    OSError,
)


def _body(content: bytes | str | None) -> dict[str, Any]:
    if not content:
        return {}
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return {}
    if isinstance(data, list) and data:
        data = data[0]
    error = data.get("error") if isinstance(data, dict) else None
    return error if isinstance(error, dict) else {}


def _reasons(error: dict[str, Any]) -> list[str]:
    """errors[].reason, then details[].reason, then status: most specific first."""
    reasons = [e.get("reason", "") for e in error.get("errors") or [] if isinstance(e, dict)]
    reasons += [d.get("reason", "") for d in error.get("details") or [] if isinstance(d, dict)]
    if isinstance(error.get("status"), str):
        reasons.append(error["status"])
    return [r for r in reasons if r]


def _is_daily_limit(error: dict[str, Any]) -> bool:
    for detail in error.get("details") or []:
        if not isinstance(detail, dict):
            continue
        metadata = detail.get("metadata") or {}
        text = " ".join(str(v) for v in metadata.values()).lower()
        if any(marker in text for marker in _DAILY_LIMIT_MARKERS):
            return True
    return False


def _message(error: dict[str, Any], fallback: str) -> str:
    message = error.get("message") or fallback or "YouTube API error"
    return str(message)[:_MESSAGE_LIMIT]


def classify_body(status: int, content: bytes | str | None, fallback: str = "") -> YouTubeError:
    """The error class for an HTTP status and a Google error body."""
    error = _body(content)
    reasons = _reasons(error)
    reason_set = set(reasons)
    first = reasons[0] if reasons else ""
    message = _message(error, fallback)

    def make(cls: type[YouTubeError], reason: str = first) -> YouTubeError:
        return cls(message, status=status, reason=reason)

    if reason_set & QUOTA_REASONS:
        return make(QuotaExceeded, next(r for r in reasons if r in QUOTA_REASONS))
    if reason_set & KEY_INVALID_REASONS:
        return make(KeyInvalid, next(r for r in reasons if r in KEY_INVALID_REASONS))
    if reason_set & RATE_REASONS:
        return make(QuotaExceeded if _is_daily_limit(error) else TransientError)
    if status == 401 or reason_set & AUTH_REASONS:
        return make(AuthError)
    if status == 404 or reason_set & NOT_FOUND_REASONS:
        return make(NotFound)
    if status >= 500 or status in (408, 429) or reason_set & TRANSIENT_REASONS:
        return make(TransientError)
    if status == 403:
        return make(Forbidden)
    return make(YouTubeError)


def classify(error: BaseException) -> YouTubeError:
    """Any exception from a Data API call -> a YouTubeError (HttpError or a connection error)."""
    if isinstance(error, YouTubeError):
        return error
    if isinstance(error, HttpError):
        status = int(error.resp.status)
        return classify_body(status, error.content, fallback=getattr(error.resp, "reason", ""))
    if isinstance(error, CONNECTION_ERRORS):
        name = type(error).__name__
        return TransientError(f"{name}: {error}"[:_MESSAGE_LIMIT], status=None, reason=name)
    return YouTubeError(f"{type(error).__name__}: {error}"[:_MESSAGE_LIMIT])
