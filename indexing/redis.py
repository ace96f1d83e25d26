"""One Redis client per process for counters, locks and rate limits (db of settings.REDIS_URL).

redis-py's connection pool is safe to share between threads and gevent greenlets.
"""

from __future__ import annotations

from functools import cache

import redis
from django.conf import settings


@cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def client() -> redis.Redis:
    return _client(settings.REDIS_URL)
