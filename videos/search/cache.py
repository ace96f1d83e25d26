"""Repeated queries come from the django-redis cache; any change to the index invalidates them.

Invalidation is a version number in Redis that every write service bumps (after its
transaction commits); it is part of every cache key, so old entries are simply never read
again and expire on their own. A cache outage never breaks search: we log and compute.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

VERSION_KEY = "search:index-version"
TTL_SECONDS = 600
T = TypeVar("T")


def index_version() -> int:
    try:
        return int(cache.get_or_set(VERSION_KEY, 1, timeout=None))
    except Exception as exc:  # Redis down: search still answers, uncached
        logger.warning("search cache unavailable: %s", exc)
        return 0


def bump_version() -> None:
    """Mark every cached search result stale."""
    try:
        # One round trip (the fan-out bumps once per video): Redis INCR creates a missing key,
        # where the cache API's add + incr took two. django-redis stores ints unpickled, so
        # index_version() reads the same number.
        cache.client.get_client(write=True).incr(cache.make_key(VERSION_KEY))
    except Exception as exc:
        logger.warning("search cache version not bumped: %s", exc)


def on_redis(redis_url: str) -> bool:
    """Whether the cache lives on the Redis at `redis_url`: then bump_version_queue() can put
    the bump on a pipeline of that Redis, riding along a round trip the caller makes anyway
    (the fan-out settles every video)."""
    location = settings.CACHES["default"]
    return "django_redis" in location["BACKEND"] and location["LOCATION"] == redis_url


def bump_version_queue(pipe) -> None:
    """Queue the bump on `pipe`, a pipeline of the cache's Redis (see on_redis)."""
    pipe.incr(cache.make_key(VERSION_KEY))


def bump_version_on_commit() -> None:
    """Bump once the caller's transaction commits, so no reader caches pre-commit results."""
    transaction.on_commit(bump_version)


def cache_key(parts: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
    return f"search:v1:{digest[:40]}"


def cached(parts: dict[str, Any], compute: Callable[[], T]) -> tuple[T, bool]:
    """(value, came_from_cache) for these key parts, under the current index version."""
    version = index_version()
    if not version:
        return compute(), False
    key = cache_key({**parts, "index_version": version})
    try:
        hit = cache.get(key)
    except Exception as exc:
        logger.warning("search cache read failed: %s", exc)
        hit = None
    if hit is not None:
        return hit, True
    value = compute()
    try:
        cache.set(key, value, timeout=TTL_SECONDS)
    except Exception as exc:
        logger.warning("search cache write failed: %s", exc)
    return value, False
