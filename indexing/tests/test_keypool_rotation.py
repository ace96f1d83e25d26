"""The key pool behind the real client and the emulator: rotation, disabling, exhaustion, reset."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from indexing.models import ApiKey
from indexing.tests.youtube_fixtures import INVALID_KEY, VALID_KEYS, requests_to
from indexing.youtube.data_api import YouTubeClient
from indexing.youtube.errors import QuotaExhausted
from indexing.youtube.keypool import SEARCH, UNITS

pytestmark = pytest.mark.django_db

NEXT_PACIFIC_MIDNIGHT = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
VIDEO = "dFKS8SoBrCQ"


@pytest.fixture
def client(youtube_settings, pool) -> YouTubeClient:
    return YouTubeClient(pool=pool, retries=0)


def test_quota_exceeded_moves_the_call_to_the_next_key(client, pool, make_keys, emulator):
    first, second = make_keys(VALID_KEYS[0], VALID_KEYS[1])
    emulator.control.set_config(units_per_day=2)  # Google's count, lower than ours

    for _ in range(3):
        assert len(client.videos([VIDEO])) == 1

    assert emulator.control.quota(VALID_KEYS[0])["units"] == 2
    assert emulator.control.quota(VALID_KEYS[1])["units"] == 1
    assert pool.usage(first).units.exhausted_until == NEXT_PACIFIC_MIDNIGHT
    assert pool.usage(second).units.exhausted_until is None
    # The spent key is skipped from now on: no more calls are wasted on it.
    client.videos([VIDEO])
    assert emulator.control.quota(VALID_KEYS[0])["units"] == 2


def test_the_search_bucket_429_moves_searches_to_the_next_key(client, pool, make_keys, emulator):
    first, _ = make_keys(VALID_KEYS[0], VALID_KEYS[1])
    emulator.control.set_config(search_calls_per_day=1)

    client.search_videos("python")
    client.search_videos("python")

    assert emulator.control.quota(VALID_KEYS[1])["search_calls"] == 1
    assert pool.usage(first).search.exhausted_until == NEXT_PACIFIC_MIDNIGHT
    # Only the search bucket of that key is spent; list calls still use it.
    assert pool.usage(first).units.exhausted_until is None
    client.videos([VIDEO])
    assert emulator.control.quota(VALID_KEYS[0])["units"] == 1


@pytest.mark.parametrize("style", ["modern", "legacy"])
def test_an_invalid_key_is_disabled_with_its_reason(client, make_keys, emulator, style):
    emulator.control.set_config(key_invalid_style=style)
    bad, good = make_keys(INVALID_KEY, VALID_KEYS[0])

    assert len(client.videos([VIDEO])) == 1

    bad.refresh_from_db()
    assert not bad.is_active
    assert bad.disabled_at is not None
    assert bad.disabled_reason.startswith("400 ")
    assert ("API_KEY_INVALID" if style == "modern" else "keyInvalid") in bad.disabled_reason
    assert INVALID_KEY not in bad.disabled_reason
    assert ApiKey.objects.get(pk=good.pk).is_active


def test_when_every_key_is_spent_the_call_waits_for_the_reset(client, make_keys, emulator):
    make_keys(VALID_KEYS[0], VALID_KEYS[1])
    emulator.control.set_config(search_calls_per_day=1)
    client.search_videos("python")
    client.search_videos("python")

    with pytest.raises(QuotaExhausted) as caught:
        client.search_videos("python")
    assert caught.value.reset_at == NEXT_PACIFIC_MIDNIGHT
    assert caught.value.bucket == SEARCH
    calls = requests_to(emulator, "search.list")
    # Asking again changes nothing and sends nothing: no hot loop against Google.
    with pytest.raises(QuotaExhausted):
        client.search_videos("python")
    assert requests_to(emulator, "search.list") == calls == 4


def test_our_own_budget_stops_calls_before_google_has_to(client, make_keys, emulator, settings):
    settings.YOUTUBE_QUOTA_DAILY_UNITS = 2
    make_keys(VALID_KEYS[0])
    client.videos([VIDEO])
    client.videos([VIDEO])
    with pytest.raises(QuotaExhausted) as caught:
        client.videos([VIDEO])
    assert caught.value.bucket == UNITS
    assert requests_to(emulator, "videos.list") == 2


def test_quota_comes_back_at_midnight_pacific_on_both_sides(client, clock, make_keys, emulator):
    make_keys(VALID_KEYS[0])
    emulator.control.set_config(search_calls_per_day=1)
    clock.set(datetime(2026, 11, 26, 7, 58, tzinfo=UTC))  # 23:58 PST
    client.search_videos("python")
    with pytest.raises(QuotaExhausted) as caught:
        client.search_videos("python")
    assert caught.value.reset_at == NEXT_PACIFIC_MIDNIGHT

    clock.advance(minutes=1)
    with pytest.raises(QuotaExhausted):
        client.search_videos("python")

    clock.advance(minutes=1)  # 00:00 PST: Google and the pool both start a new day
    assert client.search_videos("python").items
    assert emulator.control.quota(VALID_KEYS[0])["search_calls"] == 1


def test_quota_reset_follows_summer_time(client, clock, make_keys, emulator):
    make_keys(VALID_KEYS[0])
    emulator.control.set_config(search_calls_per_day=1)
    clock.set(datetime(2026, 7, 1, 6, 30, tzinfo=UTC))  # 23:30 PDT
    client.search_videos("python")
    with pytest.raises(QuotaExhausted) as caught:
        client.search_videos("python")
    assert caught.value.reset_at == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)
    clock.advance(minutes=30)
    assert client.search_videos("python").items


def test_a_key_spent_elsewhere_is_found_out_by_google_and_skipped(
    client, pool, make_keys, emulator
):
    first, second = make_keys(VALID_KEYS[0], VALID_KEYS[1])
    emulator.control.set_config(units_per_day=0)  # both keys spent by another app today
    with pytest.raises(QuotaExhausted):
        client.videos([VIDEO])
    assert requests_to(emulator, "videos.list") == 2
    assert pool.usage(first).units.exhausted_until == NEXT_PACIFIC_MIDNIGHT
    assert pool.usage(second).units.exhausted_until == NEXT_PACIFIC_MIDNIGHT
