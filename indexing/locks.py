"""Per-resource Redis locks: SET NX PX with a random token, released only by their holder."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from redis.client import Pipeline

from indexing.redis import client

# Compare-and-delete: a lock that expired and was taken by someone else is never released by us.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# Keep a lock we hold (or take it again if it expired and nobody took it): 1, else 0.
_RENEW = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] or not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""


def lock_acquire(name: str, *, ttl_seconds: float) -> str | None:
    pipe = client().pipeline(transaction=False)
    token = lock_acquire_queue(pipe, name, ttl_seconds=ttl_seconds)
    return token if pipe.execute()[0] else None


def lock_acquire_queue(pipe: Pipeline, name: str, *, ttl_seconds: float) -> str:
    """Queue the acquisition on a pipeline shared with other commands (one round trip); the
    token is ours if the pipeline's reply for it is true."""
    token = secrets.token_hex(8)
    pipe.set(f"ti:lock:{name}", token, nx=True, px=int(ttl_seconds * 1000))
    return token


def lock_release(name: str, token: str) -> bool:
    return bool(client().eval(_RELEASE, 1, f"ti:lock:{name}", token))


def lock_renew(name: str, token: str, *, ttl_seconds: float) -> bool:
    """Another `ttl_seconds` for a lock we hold; False when someone else holds it now."""
    return bool(client().eval(_RENEW, 1, f"ti:lock:{name}", token, int(ttl_seconds * 1000)))


def lock_held(name: str) -> bool:
    return bool(client().exists(f"ti:lock:{name}"))


def lock_release_queue(pipe: Pipeline, name: str, token: str) -> None:
    pipe.eval(_RELEASE, 1, f"ti:lock:{name}", token)


@contextmanager
def held(name: str, *, ttl_seconds: float) -> Iterator[bool]:
    """Yields whether the lock was taken; releases it on exit if it was."""
    token = lock_acquire(name, ttl_seconds=ttl_seconds)
    try:
        yield token is not None
    finally:
        if token is not None:
            lock_release(name, token)
