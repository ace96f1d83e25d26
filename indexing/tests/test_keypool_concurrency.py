"""Concurrent callers never overspend a key: threads hammering one Redis get exactly the budget."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from indexing.models import ApiKey
from indexing.tests.support import run_in_threads
from indexing.youtube.errors import QuotaExhausted
from indexing.youtube.keypool import UNITS, KeyPool

THREADS = 24


@pytest.mark.django_db(transaction=True)
def test_concurrent_callers_get_exactly_the_budget_of_every_key(redis_client, settings):
    settings.YOUTUBE_QUOTA_DAILY_UNITS = 250
    for index in range(3):
        ApiKey.objects.create(name=f"key-{index}", key=f"AIzaSyConcurrent-{index:02d}-000000000")
    granted: Counter[str] = Counter()
    exhausted: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def hammer() -> None:
        pool = KeyPool(redis=redis_client)
        start.wait()
        mine: Counter[str] = Counter()
        try:
            while True:
                try:
                    mine[pool.reserve(UNITS).name] += 1
                except QuotaExhausted:
                    break
        finally:
            connection.close()
        with lock:
            granted.update(mine)
            exhausted.append(1)

    run_in_threads([hammer] * THREADS)

    assert len(exhausted) == THREADS, "every thread ended on QuotaExhausted"
    assert granted == {"key-0": 250, "key-1": 250, "key-2": 250}
    pool = KeyPool(redis=redis_client)
    assert [pool.usage(key).units.used for key in ApiKey.objects.all()] == [250, 250, 250]
