"""Every error the emulator sends, through the real client, comes out classified."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from google.oauth2.credentials import Credentials

from indexing.tests.youtube_fixtures import VALID_KEYS, account, playlist_of, requests_to
from indexing.youtube.data_api import YouTubeClient
from indexing.youtube.errors import (
    AuthError,
    Forbidden,
    NotFound,
    QuotaExhausted,
    TransientError,
    YouTubeError,
)
from indexing.youtube.keypool import next_pacific_midnight

pytestmark = pytest.mark.django_db


def test_an_unknown_playlist_is_not_found(key_client):
    with pytest.raises(NotFound) as caught:
        key_client.playlist_items("PLnoSuchPlaylist0000000000000000")
    assert caught.value.status == 404
    assert caught.value.reason == "playlistNotFound"
    assert not caught.value.retryable


def test_someone_elses_private_playlist_is_forbidden(oauth_credentials, emulator):
    private = next(
        p["id"]
        for p in account(emulator, "bob@example.com")["playlists"]
        if p["privacy"] == "private"
    )
    client = YouTubeClient(credentials=oauth_credentials("alice@example.com"), retries=0)
    with pytest.raises(Forbidden) as caught:
        client.playlist_items(private)
    assert caught.value.reason == "playlistItemsNotAccessible"


def test_my_playlists_need_oauth_not_a_key(key_client):
    with pytest.raises(AuthError) as caught:
        key_client.playlists_mine()
    assert caught.value.status == 401


def test_revoked_credentials_are_an_auth_error(youtube_settings):
    credentials = Credentials(
        token="ya29.revoked-token",
        refresh_token="1//revoked-refresh-token",
        token_uri=youtube_settings.GOOGLE_TOKEN_URI,
        client_id=youtube_settings.GOOGLE_CLIENT_ID,
        client_secret=youtube_settings.GOOGLE_CLIENT_SECRET,
    )
    client = YouTubeClient(credentials=credentials, retries=0)
    with pytest.raises(AuthError) as caught:
        client.channels_mine()
    assert "revoked-refresh-token" not in str(caught.value)


def test_an_access_token_without_refresh_is_an_auth_error_once_invalid(youtube_settings):
    client = YouTubeClient(credentials=Credentials(token="ya29.unknown"), retries=0)
    with pytest.raises(AuthError):
        client.channels_mine()


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_transient(key_client, emulator, status):
    emulator.control.fail_next("data", status=status)
    with pytest.raises(TransientError) as caught:
        key_client.videos(["dFKS8SoBrCQ"])
    assert caught.value.status == status
    assert caught.value.reason == "backendError"
    assert caught.value.retryable


def test_a_burst_429_is_transient_not_quota(key_client, emulator, pool, make_keys):
    emulator.control.fail_next("data", status=429)
    with pytest.raises(TransientError) as caught:
        key_client.search_videos("python")
    assert caught.value.status == 429
    # The key was not marked exhausted: the next search uses it again.
    assert pool.usage(key_client.pool.active_keys()[0]).search.exhausted_until is None


def test_a_dropped_connection_is_transient(key_client, emulator):
    emulator.control.fail_next("data", status=0, count=3)
    with pytest.raises(TransientError):
        key_client.videos(["dFKS8SoBrCQ"])


def test_an_unreachable_server_is_transient(youtube_settings, pool, make_keys):
    make_keys(VALID_KEYS[0])
    client = YouTubeClient(pool=pool, retries=0, api_url="http://127.0.0.1:9", timeout=2)
    with pytest.raises(TransientError):
        client.videos(["dFKS8SoBrCQ"])


def test_transient_errors_are_retried_with_backoff_then_succeed(
    youtube_settings, pool, make_keys, emulator
):
    make_keys(VALID_KEYS[0])
    waits: list[float] = []
    client = YouTubeClient(pool=pool, retries=2, sleep=waits.append)
    emulator.control.fail_next("data", status=503, count=2)
    assert len(client.videos(["dFKS8SoBrCQ"])) == 1
    assert len(waits) == 2
    assert requests_to(emulator, "videos.list") == 3


def test_retries_stop_after_the_limit(youtube_settings, pool, make_keys, emulator):
    make_keys(VALID_KEYS[0])
    waits: list[float] = []
    client = YouTubeClient(pool=pool, retries=2, sleep=waits.append)
    emulator.control.fail_next("data", status=500, count=5)
    with pytest.raises(TransientError):
        client.playlist_items(playlist_of(emulator, 5))
    assert len(waits) == 2
    assert requests_to(emulator, "playlistItems.list") == 3


def test_bad_parameters_are_plain_errors_and_not_retried(key_client, emulator):
    with pytest.raises(YouTubeError) as caught:
        key_client.search_videos("python", page_token="not-a-token")
    assert type(caught.value) is YouTubeError
    assert caught.value.status == 400
    assert requests_to(emulator, "search.list") == 1


def test_oauth_quota_spent_is_quota_exhausted_until_the_reset(oauth_credentials, emulator):
    emulator.control.set_config(units_per_day=0)
    client = YouTubeClient(credentials=oauth_credentials(), retries=0)
    with pytest.raises(QuotaExhausted) as caught:
        client.playlists_mine()
    assert caught.value.reset_at == next_pacific_midnight(datetime.now(UTC))
    assert "quotaExceeded" in str(caught.value)
