"""The key pool on the real Redis: budgets per key and bucket, exhaustion, reset, disabling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from indexing.models import ApiKey
from indexing.youtube.errors import QuotaExhausted
from indexing.youtube.keypool import SEARCH, UNITS, KeyPool, api_key_enable

pytestmark = pytest.mark.django_db


class Clock:
    """A clock tests move by hand; the pool asks it for the time."""

    def __init__(self, now: datetime) -> None:
        self.value = now

    def __call__(self) -> datetime:
        return self.value

    def advance(self, **kwargs: float) -> None:
        self.value += timedelta(**kwargs)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 25, 20, 0, tzinfo=UTC))  # 12:00 PST


@pytest.fixture
def pool(redis_client, clock) -> KeyPool:
    return KeyPool(redis=redis_client, now=clock)


@pytest.fixture
def budgets(settings):
    settings.YOUTUBE_QUOTA_DAILY_UNITS = 3
    settings.YOUTUBE_QUOTA_DAILY_SEARCH_CALLS = 2
    return settings


@pytest.fixture
def keys() -> list[ApiKey]:
    return [
        ApiKey.objects.create(name="first", key="AIzaSyFirst-key-000000000000000"),
        ApiKey.objects.create(name="second", key="AIzaSySecond-key-00000000000000"),
    ]


def spend(pool: KeyPool, bucket: str, times: int) -> list[str]:
    return [pool.reserve(bucket).name for _ in range(times)]


def test_it_fills_the_first_key_then_moves_to_the_next(pool, budgets, keys):
    assert spend(pool, UNITS, 6) == ["first"] * 3 + ["second"] * 3


def test_search_calls_and_units_are_separate_buckets(pool, budgets, keys):
    assert spend(pool, SEARCH, 2) == ["first", "first"]
    assert spend(pool, UNITS, 1) == ["first"]
    usage = pool.usage(keys[0])
    assert (usage.search.used, usage.search.budget) == (2, 2)
    assert (usage.units.used, usage.units.budget) == (1, 3)


def test_a_key_at_its_budget_is_marked_exhausted_until_pacific_midnight(pool, budgets, keys):
    spend(pool, SEARCH, 3)
    usage = pool.usage(keys[0])
    assert usage.search.remaining == 0
    assert usage.search.exhausted_until == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    assert usage.units.exhausted_until is None


def test_when_every_key_is_spent_it_raises_quota_exhausted_with_the_reset(pool, budgets, keys):
    spend(pool, SEARCH, 4)
    with pytest.raises(QuotaExhausted) as caught:
        pool.reserve(SEARCH)
    assert caught.value.reset_at == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    assert caught.value.bucket == SEARCH
    # The other bucket is untouched.
    assert pool.reserve(UNITS).name == "first"


def test_quota_comes_back_at_midnight_pacific(pool, clock, budgets, keys):
    spend(pool, SEARCH, 4)
    clock.value = datetime(2026, 11, 26, 7, 59, 59, tzinfo=UTC)
    with pytest.raises(QuotaExhausted):
        pool.reserve(SEARCH)
    clock.advance(seconds=1)
    assert pool.reserve(SEARCH).name == "first"
    assert pool.usage(keys[0]).search.used == 1
    assert pool.usage(keys[0]).search.exhausted_until is None


def test_marking_a_key_exhausted_skips_it_for_the_day(pool, clock, budgets, keys):
    reset = pool.mark_exhausted(keys[0].pk, UNITS)
    assert reset == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    assert pool.reserve(UNITS).name == "second"
    assert pool.reserve(SEARCH).name == "first"
    clock.value = reset
    assert pool.reserve(UNITS).name == "first"


def test_marks_and_counters_expire_in_redis_after_the_reset(pool, redis_client, budgets, keys):
    spend(pool, UNITS, 3)
    seconds_to_reset = 12 * 3600  # 12:00 PST -> midnight
    for name in redis_client.keys("*"):
        ttl = redis_client.ttl(name)
        if name.endswith(b":exhausted"):
            assert ttl == pytest.approx(seconds_to_reset, abs=2)
        else:
            assert seconds_to_reset < ttl <= seconds_to_reset + 3600


def test_redis_never_holds_the_key_itself(pool, redis_client, budgets, keys):
    spend(pool, UNITS, 4)
    pool.mark_exhausted(keys[1].pk, SEARCH)
    stored = b" ".join(redis_client.keys("*"))
    stored += b" ".join(v or b"" for v in redis_client.mget(redis_client.keys("*")))
    for key in keys:
        assert key.key.encode() not in stored


def test_a_disabled_key_is_never_handed_out(pool, clock, budgets, keys):
    assert pool.disable(keys[0].pk, "400 keyInvalid: Bad Request")
    keys[0].refresh_from_db()
    assert not keys[0].is_active
    assert keys[0].disabled_reason == "400 keyInvalid: Bad Request"
    assert keys[0].disabled_at == clock()
    assert spend(pool, UNITS, 3) == ["second"] * 3
    assert not pool.disable(keys[0].pk, "again"), "disabling twice changes nothing"


def test_no_active_key_at_all_is_quota_exhausted(pool, budgets, keys):
    ApiKey.objects.update(is_active=False)
    with pytest.raises(QuotaExhausted, match="no active API key"):
        pool.reserve(UNITS)


def test_re_enabling_a_key_clears_its_reason_and_todays_exhausted_mark(pool, budgets, keys):
    pool.disable(keys[0].pk, "400 keyInvalid")
    pool.mark_exhausted(keys[0].pk, UNITS)
    assert api_key_enable(key_id=keys[0].pk, pool=pool)
    keys[0].refresh_from_db()
    assert (keys[0].is_active, keys[0].disabled_reason, keys[0].disabled_at) == (True, "", None)
    assert pool.reserve(UNITS).name == "first"


def test_unknown_buckets_and_bad_costs_are_refused(pool, keys):
    with pytest.raises(ValueError, match="bucket"):
        pool.reserve("minutes")
    with pytest.raises(ValueError, match="cost"):
        pool.reserve(UNITS, cost=0)
