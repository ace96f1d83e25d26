"""classify(): real recorded Google error bodies (and the modern shapes) -> our error classes."""

from __future__ import annotations

import json
from pathlib import Path

import httplib2
import pytest
from django.conf import settings
from googleapiclient.errors import HttpError

from indexing.youtube.errors import (
    AuthError,
    Forbidden,
    KeyInvalid,
    NotFound,
    QuotaExceeded,
    TransientError,
    YouTubeError,
    classify,
)

ERRORS_DIR = Path(settings.BASE_DIR).parent / "shared" / "youtube-recordings" / "youtube_data_v3"
ERRORS_DIR = ERRORS_DIR / "errors"
SECRET_KEY_IN_URI = "AIzaSyD-secret-key-never-shown-0123456"


def http_error(status: int, body: bytes | str | dict) -> HttpError:
    if isinstance(body, dict):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    uri = f"http://127.0.0.1:8090/youtube/v3/videos?key={SECRET_KEY_IN_URI}&alt=json"
    return HttpError(httplib2.Response({"status": status}), body, uri=uri)


def recorded(name: str) -> HttpError:
    content = (ERRORS_DIR / name).read_bytes()
    status = json.loads(content.decode("utf-8-sig"))["error"]["code"]
    return http_error(status, content)


@pytest.mark.parametrize(
    ("name", "expected", "reason"),
    [
        ("nikkelm_ryv__error_quotaExceeded_403.inline.json", QuotaExceeded, "quotaExceeded"),
        ("youtubeguesser__error_quotaExceeded_403_legacy.json", QuotaExceeded, "quotaExceeded"),
        ("pyyoutube__error_keyInvalid_400_legacy.json", KeyInvalid, "keyInvalid"),
        ("nikkelm_ryv__error_playlistNotFound_404.inline.json", NotFound, "playlistNotFound"),
        ("pyyoutube__error_permission_denied_403.json", Forbidden, "SERVICE_UNAVAILABLE"),
        ("youtubeaio__error_accessNotConfigured_403.json", Forbidden, "accessNotConfigured"),
    ],
)
def test_recorded_google_bodies_are_classified(name, expected, reason):
    error = classify(recorded(name))
    assert type(error) is expected
    assert error.reason == reason
    assert error.status in (400, 403, 404)
    assert error.message


def test_every_recorded_error_body_is_covered_by_a_case():
    names = {p.name for p in ERRORS_DIR.glob("*.json")}
    assert len(names) == 6


def test_modern_bad_key_body_with_details_reason_is_key_invalid():
    body = {
        "error": {
            "code": 400,
            "message": "API key not valid. Please pass a valid API key.",
            "errors": [
                {"message": "API key not valid.", "domain": "global", "reason": "badRequest"}
            ],
            "status": "INVALID_ARGUMENT",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "API_KEY_INVALID",
                    "domain": "googleapis.com",
                    "metadata": {"service": "youtube.googleapis.com"},
                }
            ],
        }
    }
    error = classify(http_error(400, body))
    assert isinstance(error, KeyInvalid)
    assert error.reason == "API_KEY_INVALID"


def rate_limit_body(status: int, metadata: dict | None) -> dict:
    details = []
    if metadata is not None:
        details.append(
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "RATE_LIMIT_EXCEEDED",
                "domain": "googleapis.com",
                "metadata": metadata,
            }
        )
    return {
        "error": {
            "code": status,
            "message": "Quota exceeded for quota metric 'Search list'.",
            "errors": [
                {
                    "message": "Rate Limit Exceeded",
                    "domain": "global",
                    "reason": "rateLimitExceeded",
                }
            ],
            "status": "RESOURCE_EXHAUSTED",
            "details": details,
        }
    }


def test_search_daily_cap_as_429_rate_limit_is_quota_for_the_bucket():
    metadata = {
        "quota_limit": "defaultSearchListPerDayPerProject",
        "quota_metric": "youtube.googleapis.com/search_list",
        "service": "youtube.googleapis.com",
    }
    assert isinstance(classify(http_error(429, rate_limit_body(429, metadata))), QuotaExceeded)
    assert isinstance(classify(http_error(403, rate_limit_body(403, metadata))), QuotaExceeded)


def test_burst_rate_limits_are_transient():
    assert isinstance(classify(http_error(429, rate_limit_body(429, None))), TransientError)
    body = {
        "error": {
            "code": 403,
            "message": "User Rate Limit Exceeded",
            "errors": [{"domain": "usageLimits", "reason": "userRateLimitExceeded"}],
        }
    }
    error = classify(http_error(403, body))
    assert isinstance(error, TransientError)
    assert error.retryable


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_transient_even_without_a_json_body(status):
    backend = {
        "error": {
            "code": status,
            "message": "Backend Error",
            "errors": [{"domain": "global", "reason": "backendError"}],
        }
    }
    assert isinstance(classify(http_error(status, backend)), TransientError)
    assert isinstance(classify(http_error(status, b"<html>Bad gateway</html>")), TransientError)


def test_unauthorized_is_an_auth_error():
    body = {
        "error": {
            "code": 401,
            "message": "Request had invalid authentication credentials.",
            "errors": [
                {
                    "domain": "global",
                    "reason": "authError",
                    "location": "Authorization",
                    "locationType": "header",
                }
            ],
            "status": "UNAUTHENTICATED",
        }
    }
    assert isinstance(classify(http_error(401, body)), AuthError)


def test_forbidden_reason_is_forbidden_and_not_retryable():
    body = {
        "error": {
            "code": 403,
            "message": "Forbidden",
            "errors": [{"domain": "youtube.playlistItem", "reason": "playlistItemsNotAccessible"}],
        }
    }
    error = classify(http_error(403, body))
    assert isinstance(error, Forbidden)
    assert not error.retryable


def test_other_bad_requests_stay_plain_youtube_errors():
    body = {
        "error": {
            "code": 400,
            "message": "Invalid value for maxResults",
            "errors": [{"domain": "youtube.parameter", "reason": "invalidParameter"}],
        }
    }
    error = classify(http_error(400, body))
    assert type(error) is YouTubeError
    assert not error.retryable


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionRefusedError(111, "refused"),
        TimeoutError("timed out"),
        httplib2.ServerNotFoundError("no such host"),
    ],
)
def test_connection_failures_are_transient(exc):
    error = classify(exc)
    assert isinstance(error, TransientError)
    assert error.retryable


def test_classified_errors_never_show_the_api_key():
    for name in (p.name for p in ERRORS_DIR.glob("*.json")):
        error = classify(recorded(name))
        assert SECRET_KEY_IN_URI not in str(error)
        assert SECRET_KEY_IN_URI not in repr(error.args)
