"""The global token bucket and the per-video lock, on the real Redis, under concurrency."""

from __future__ import annotations

import time

from indexing import locks, progress, ratelimit
from indexing.tests.support import run_in_threads


def test_the_bucket_never_grants_more_than_its_burst_plus_the_rate(redis_client):
    granted: list[float] = []
    start = time.monotonic()

    def hammer():
        while time.monotonic() - start < 1.0:
            if ratelimit.try_take(rate=20, capacity=20) == 0:
                granted.append(time.monotonic() - start)

    run_in_threads([hammer] * 8)
    elapsed = time.monotonic() - start
    # Burst of 20, then 20 per second: atomic, so 8 threads together cannot overspend.
    assert len(granted) <= 20 + 20 * elapsed + 1
    assert len(granted) >= 20


def test_a_denied_take_says_how_long_to_wait(redis_client):
    assert ratelimit.try_take(rate=1, capacity=1) == 0
    wait = ratelimit.try_take(rate=1, capacity=1)
    assert 0 < wait <= 1.0


def test_an_ip_block_halves_the_pace_for_a_while(redis_client):
    assert ratelimit.current_factor() == 1.0
    assert ratelimit.slow_down(seconds=60) == 0.5
    assert ratelimit.slow_down(seconds=60) == 0.25
    assert 0 < redis_client.ttl(ratelimit.SLOWDOWN_KEY) <= 60
    # Slowed to a quarter: after the burst, the wait for a token is four times as long.
    ratelimit.try_take(rate=4, capacity=1)
    assert ratelimit.try_take(rate=4, capacity=1) > 0.5


def test_only_one_holder_of_a_video_lock_and_only_the_holder_releases_it(redis_client):
    winners: list[str] = []

    def grab():
        token = locks.lock_acquire("video:abc", ttl_seconds=5)
        if token:
            winners.append(token)

    run_in_threads([grab] * 16)
    assert len(winners) == 1
    assert not locks.lock_release("video:abc", "not-the-token")
    assert locks.lock_release("video:abc", winners[0])
    assert locks.lock_acquire("video:abc", ttl_seconds=5)


def test_a_video_settles_once_and_the_last_one_is_told(redis_client):
    progress.job_begin(job_id=7, total=3, skipped=1, todo=2)
    assert progress.settle(job_id=7, video_id="a", outcome="indexed") is False
    assert progress.settle(job_id=7, video_id="a", outcome="indexed") is False  # duplicate
    assert progress.settle(job_id=7, video_id="b", outcome="failed") is True
    snap = progress.snapshot(job_id=7)
    assert snap.settled == 2 and snap.done == 3 and snap.percent == 100
    assert snap.counts == {"indexed": 1, "failed": 1}
    assert progress.unsettle(job_id=7, video_ids=["b"]) == 1
    assert progress.snapshot(job_id=7).counts["failed"] == 0
