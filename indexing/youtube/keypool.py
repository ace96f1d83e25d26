"""The pool of YouTube Data API keys and the quota each has left today.

Keys live in the database (ApiKey, admin-managed). What each key spent today lives in Redis,
per quota bucket ("units": 10,000 a day for list calls; "search": 100 search.list calls a day)
and per Pacific day, because Google resets quota at midnight America/Los_Angeles. A Lua script
reserves quota atomically on the first key that has room, so any number of workers on any
number of machines never spend a key past its budget. A key Google reports as spent gets an
"exhausted" mark for the rest of the Pacific day; an invalid key is disabled in the database.

Redis keys hold the ApiKey id, never the key itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django_redis import get_redis_connection
from redis import Redis

from indexing.models import ApiKey
from indexing.youtube.errors import QuotaExhausted

logger = logging.getLogger(__name__)

PACIFIC = ZoneInfo("America/Los_Angeles")
UNITS = "units"
SEARCH = "search"
BUCKETS = (UNITS, SEARCH)
REDIS_PREFIX = "tubeindex:quota"
# Usage counters outlive the reset a little, so a clock a few seconds behind Redis still sees
# today's count; after the reset nobody reads them (the day is part of the name).
_USAGE_GRACE_SECONDS = 3600

# KEYS: usage_1, exhausted_1, usage_2, exhausted_2, ... in the order keys should be tried.
# ARGV: cost, budget, ttl seconds (until the reset), exhausted-until (ISO) to store when a key
# runs out, grace seconds the usage counter outlives the reset.
# Returns the 1-based position of the key that got the reservation, or 0 when none had room.
_RESERVE_LUA = """
local cost = tonumber(ARGV[1])
local budget = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
for i = 1, #KEYS, 2 do
  if redis.call('EXISTS', KEYS[i + 1]) == 0 then
    local used = tonumber(redis.call('GET', KEYS[i]) or '0')
    if used + cost <= budget then
      redis.call('INCRBY', KEYS[i], cost)
      redis.call('EXPIRE', KEYS[i], ttl + tonumber(ARGV[5]))
      return (i + 1) / 2
    end
    if used >= budget then
      redis.call('SET', KEYS[i + 1], ARGV[4], 'EX', ttl)
    end
  end
end
return 0
"""


def next_pacific_midnight(now: datetime) -> datetime:
    """The next midnight in America/Los_Angeles after `now`, in UTC (Google's quota reset)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local = now.astimezone(PACIFIC)
    # Midnight exists on every Pacific day (DST switches at 02:00), so combine() is exact.
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=PACIFIC)
    return midnight.astimezone(UTC)


def pacific_day(now: datetime) -> date:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(PACIFIC).date()


def bucket_budget(bucket: str) -> int:
    if bucket == UNITS:
        return settings.YOUTUBE_QUOTA_DAILY_UNITS
    if bucket == SEARCH:
        return settings.YOUTUBE_QUOTA_DAILY_SEARCH_CALLS
    raise ValueError(f"unknown quota bucket {bucket!r}; expected one of {BUCKETS}")


@dataclass(frozen=True, slots=True)
class Lease:
    """Quota reserved on one key for one call. `key` is the secret: never log it."""

    key_id: int
    name: str
    bucket: str
    cost: int
    key: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class BucketUsage:
    used: int
    budget: int
    exhausted_until: datetime | None

    @property
    def remaining(self) -> int:
        return max(self.budget - self.used, 0)


@dataclass(frozen=True, slots=True)
class KeyUsage:
    """One key's quota for the current Pacific day, for the admin."""

    key_id: int
    day: date
    reset_at: datetime
    buckets: dict[str, BucketUsage]

    @property
    def units(self) -> BucketUsage:
        return self.buckets[UNITS]

    @property
    def search(self) -> BucketUsage:
        return self.buckets[SEARCH]


class KeyPool:
    """Hands out API keys with quota left; shared state in Redis, keys in the database.

    `now` is injectable so tests move the pool's clock (and the emulator's) across midnight.
    """

    def __init__(
        self,
        *,
        redis: Redis | None = None,
        now: Callable[[], datetime] = timezone.now,
        prefix: str = REDIS_PREFIX,
    ) -> None:
        self._redis = redis
        self.now = now
        self.prefix = prefix

    @property
    def redis(self) -> Redis:
        if self._redis is None:
            self._redis = get_redis_connection("default")
        return self._redis

    def _names(self, key_id: int, bucket: str, day: date) -> tuple[str, str]:
        base = f"{self.prefix}:{key_id}:{bucket}:{day.isoformat()}"
        return f"{base}:used", f"{base}:exhausted"

    def _ttl(self, now: datetime) -> int:
        return max(int((next_pacific_midnight(now) - now).total_seconds()), 1)

    def active_keys(self) -> list[ApiKey]:
        return list(ApiKey.objects.filter(is_active=True).order_by("id"))

    def reserve(self, bucket: str, cost: int = 1) -> Lease:
        """Reserve `cost` on the first active key with room; QuotaExhausted when none has."""
        return self.reserve_among(self.active_keys(), bucket, cost)

    def reserve_among(self, keys: Sequence[ApiKey], bucket: str, cost: int = 1) -> Lease:
        budget = bucket_budget(bucket)
        if cost < 1:
            raise ValueError("cost must be at least 1")
        now = self.now()
        reset_at = next_pacific_midnight(now)
        if not keys:
            raise QuotaExhausted(reset_at, bucket, "no active API key in the pool")
        day = pacific_day(now)
        names = [name for key in keys for name in self._names(key.pk, bucket, day)]
        args = [cost, budget, self._ttl(now), reset_at.isoformat(), _USAGE_GRACE_SECONDS]
        position = int(self.redis.eval(_RESERVE_LUA, len(names), *names, *args))
        if position == 0:
            raise QuotaExhausted(reset_at, bucket)
        key = keys[position - 1]
        return Lease(key_id=key.pk, name=key.name, bucket=bucket, cost=cost, key=key.key)

    def mark_exhausted(self, key_id: int, bucket: str) -> datetime:
        """Google said this key is spent: skip it until the reset. Returns the reset time."""
        bucket_budget(bucket)
        now = self.now()
        reset_at = next_pacific_midnight(now)
        _, exhausted = self._names(key_id, bucket, pacific_day(now))
        self.redis.set(exhausted, reset_at.isoformat(), ex=self._ttl(now))
        logger.warning("API key %s out of %s quota until %s", key_id, bucket, reset_at)
        return reset_at

    def clear_exhausted(self, key_id: int) -> None:
        day = pacific_day(self.now())
        self.redis.delete(*(self._names(key_id, bucket, day)[1] for bucket in BUCKETS))

    def usage(self, key: ApiKey | int) -> KeyUsage:
        key_id = key if isinstance(key, int) else key.pk
        now = self.now()
        day = pacific_day(now)
        names = [name for bucket in BUCKETS for name in self._names(key_id, bucket, day)]
        values = self.redis.mget(names)
        buckets = {}
        for index, bucket in enumerate(BUCKETS):
            used, exhausted = values[2 * index], values[2 * index + 1]
            buckets[bucket] = BucketUsage(
                used=int(used or 0),
                budget=bucket_budget(bucket),
                exhausted_until=datetime.fromisoformat(exhausted.decode()) if exhausted else None,
            )
        return KeyUsage(key_id, day, next_pacific_midnight(now), buckets)

    def disable(self, key_id: int, reason: str) -> bool:
        """Google rejected the key: take it out of the pool, with the reason for the admin."""
        return api_key_disable(key_id=key_id, reason=reason, now=self.now())


def api_key_disable(*, key_id: int, reason: str, now: datetime | None = None) -> bool:
    changed = ApiKey.objects.filter(pk=key_id, is_active=True).update(
        is_active=False, disabled_reason=reason[:500], disabled_at=now or timezone.now()
    )
    if changed:
        logger.warning("API key %s disabled: %s", key_id, reason)
    return bool(changed)


def api_key_enable(*, key_id: int, pool: KeyPool | None = None) -> bool:
    """Put a key back in the pool (the admin fixed it): active, no reason, no exhausted mark."""
    changed = ApiKey.objects.filter(pk=key_id).update(
        is_active=True, disabled_reason="", disabled_at=None
    )
    (pool or KeyPool()).clear_exhausted(key_id)
    return bool(changed)
