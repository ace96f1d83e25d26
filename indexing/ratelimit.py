"""A global token bucket in Redis, shared by every worker on every machine.

One Lua script refills and takes a token atomically with Redis' own clock, so workers with skewed
clocks agree. An IP block halves the pace for a while ("slowdown"), which is how one blocked
request slows every worker instead of each finding out on its own.
"""

from __future__ import annotations

import random
import time

from django.conf import settings
from redis.client import Pipeline

from indexing.redis import client

BUCKET_KEY = "ti:ratelimit:transcripts"
SLOWDOWN_KEY = "ti:ratelimit:transcripts:slowdown"

# Returns 0 when a token was taken, else the milliseconds until one will be available.
_TAKE = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local factor = tonumber(redis.call('GET', KEYS[2]) or '1')
rate = rate * factor
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + (now - ts) * rate / 1000)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.max(1000, math.ceil(capacity * 1000 / rate) * 2))
return wait
"""

# Halve the current factor (not below 1/32) and keep it for ttl seconds.
_SLOWDOWN = """
local factor = tonumber(redis.call('GET', KEYS[1]) or '1')
factor = math.max(factor / 2, 1 / 32)
redis.call('SET', KEYS[1], factor, 'EX', tonumber(ARGV[1]))
return tostring(factor)
"""


def try_take(*, rate: float | None = None, capacity: float | None = None) -> float:
    """Take one token; returns 0.0 on success, else the seconds to wait before trying again."""
    pipe = client().pipeline(transaction=False)
    try_take_queue(pipe, rate=rate, capacity=capacity)
    return taken_wait(pipe.execute()[0])


def try_take_queue(pipe: Pipeline, *, rate: float | None = None, capacity: float | None = None):
    """Queue a try_take on a pipeline shared with other commands; taken_wait(reply) reads it."""
    rate = rate or settings.TRANSCRIPT_RATE_PER_SECOND
    # A burst of one second's worth: the pace holds over any second, not just on average.
    capacity = capacity or max(1.0, rate)
    pipe.eval(_TAKE, 2, BUCKET_KEY, SLOWDOWN_KEY, rate, capacity)


def taken_wait(reply) -> float:
    return int(reply) / 1000


def acquire(
    *, rate: float | None = None, max_wait: float = 600.0, first_wait: float | None = None
) -> float:
    """Block (sleeping, gevent-friendly) until a token is ours; returns the seconds waited.
    `first_wait`: the answer of a try_take already made (queued with other commands)."""
    waited = 0.0
    while True:
        wait = try_take(rate=rate) if first_wait is None else first_wait
        first_wait = None
        if wait <= 0:
            return waited
        if waited >= max_wait:
            raise TimeoutError(f"no transcript rate token within {max_wait:.0f} s")
        # Jitter spreads the waiters so they do not all wake on the same millisecond.
        pause = wait * (1 + random.random() * 0.2)
        time.sleep(pause)
        waited += pause


def slow_down(*, seconds: int) -> float:
    """Halve the global pace for `seconds` (after an IP block); returns the new factor."""
    return float(client().eval(_SLOWDOWN, 1, SLOWDOWN_KEY, seconds))


def current_factor() -> float:
    value = client().get(SLOWDOWN_KEY)
    return float(value) if value else 1.0
