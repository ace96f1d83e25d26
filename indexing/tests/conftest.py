"""Fixtures of the indexing tests: the YouTube emulator, the key pool and OAuth credentials
(client layer), and signed-in Google users (playlist indexing, in indexing/tests/support.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from google.oauth2.credentials import Credentials

from indexing.models import ApiKey
from indexing.tests.support import (  # noqa: F401
    alice,
    api,
    bob,
    bob_api,
    credentials_from_token,
    point_at_emulator,
    yt,
)
from indexing.tests.youtube_fixtures import VALID_KEYS, Clock
from indexing.youtube.data_api import YouTubeClient
from indexing.youtube.keypool import KeyPool
from youtube_emulator.pytest_plugin import emulator, emulator_server  # noqa: F401

# 12:00 PST on 2026-11-25: the next quota reset is 2026-11-26 08:00 UTC.
START = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)


@pytest.fixture
def youtube_settings(settings, emulator):  # noqa: F811
    """Every YouTube/Google URL of the app pointed at the (reset) emulator."""
    point_at_emulator(settings, emulator.base_url)
    return settings


@pytest.fixture
def clock(emulator) -> Clock:  # noqa: F811
    """Our clock and the emulator's, moved together by hand."""
    return Clock(START, emulator)


@pytest.fixture
def pool(redis_client, clock) -> KeyPool:
    return KeyPool(redis=redis_client, now=clock)


@pytest.fixture
def make_keys(db) -> Callable[..., list[ApiKey]]:
    def make(*values: str) -> list[ApiKey]:
        return [ApiKey.objects.create(name=f"key{n}", key=v) for n, v in enumerate(values)]

    return make


@pytest.fixture
def key_client(youtube_settings, pool, make_keys) -> YouTubeClient:
    make_keys(VALID_KEYS[0])
    return YouTubeClient(pool=pool, retries=0)


@pytest.fixture
def oauth_credentials(youtube_settings, emulator) -> Callable[..., Credentials]:  # noqa: F811
    def make(email: str = "alice@example.com") -> Credentials:
        return credentials_from_token(emulator.control.issue_token(email), youtube_settings)

    return make
