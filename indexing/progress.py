"""Live progress of a job in Redis: what settled, how, how fast, and when it should end.

Keys per job (all expire INDEXING_PROGRESS_TTL_SECONDS after the last write):
  ti:job:{id}:meta     hash  todo, total, skipped, reindex, dispatched (unix seconds); total and
                             skipped grow page by page while the playlist is listed, todo is
                             set once the listing is complete
  ti:job:{id}:settled  set   youtube ids of videos that reached an outcome in this job
  ti:job:{id}:counts   hash  indexed / no_transcript / unavailable / failed / retries
  ti:job:{id}:cancel   flag  set by Cancel; remaining tasks see it and skip
  ti:job:{id}:orchestrator  hash  requeues, at (unix seconds): the sweeper re-queued the job's
                             lost orchestrator (index_playlist) this often, last at `at`
                             (Retry sets 0, now)
Per video:
  ti:indexed:{youtube id}  flag  a transcript (or why there is none) was stored: a later task
                                 claims "already indexed" without fetching; a hint only, the
                                 claim checks PostgreSQL (indexing.services)

A video settles once: `settle` adds it to the set and bumps its outcome counter in one Lua call,
only if it was not there yet, so a task that runs twice counts once. The call that brings the set
to `todo` is told so, and queues finish_job; while there is no `todo` yet (still listing) no call
is the last, and the end of the listing asks the same question itself (`job_listed_all`).
PostgreSQL (JobVideo) stays the truth; Redis is the cheap live view, rebuilt from it when lost.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from redis.client import Pipeline

from indexing import conf
from indexing.redis import client

OUTCOMES = ("indexed", "no_transcript", "unavailable", "failed", "skipped")

# Returns 1 when this call settled the job's last video, 0 otherwise (-1: already settled).
_SETTLE = """
if ARGV[4] == '1' then redis.call('SET', KEYS[4], 1, 'EX', tonumber(ARGV[3])) end
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return -1 end
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
local ttl = tonumber(ARGV[3])
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('EXPIRE', KEYS[2], ttl)
local todo = redis.call('HGET', KEYS[3], 'todo')
if todo and redis.call('SCARD', KEYS[1]) >= tonumber(todo) then return 1 end
return 0
"""

# The listing is complete: store the final figures; 1 when every video has settled already.
_LISTED_ALL = """
redis.call('HSET', KEYS[2], 'total', ARGV[1], 'skipped', ARGV[2], 'todo', ARGV[3])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[4]))
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 1 end
return 0
"""

# Retry-failed: forget these videos' settlement and their "failed" counts.
_UNSETTLE = """
local removed = 0
for i = 1, #ARGV do removed = removed + redis.call('SREM', KEYS[1], ARGV[i]) end
if removed > 0 then redis.call('HINCRBY', KEYS[2], 'failed', -removed) end
return removed
"""


def _key(job_id: int, part: str) -> str:
    return f"ti:job:{job_id}:{part}"


def job_begin(
    *, job_id: int, total: int, skipped: int, todo: int | None, reindex: bool = False
) -> None:
    """Reset the job's live state before its videos are published (todo None: still listing,
    no video can be the last one yet)."""
    ttl = conf.get("INDEXING_PROGRESS_TTL_SECONDS")
    pipe = client().pipeline(transaction=True)
    pipe.delete(
        _key(job_id, "settled"),
        _key(job_id, "counts"),
        _key(job_id, "cancel"),
        _key(job_id, "meta"),
    )
    meta = {"total": total, "skipped": skipped, "reindex": int(reindex), "dispatched": time.time()}
    if todo is not None:
        meta["todo"] = todo
    pipe.hset(_key(job_id, "meta"), mapping=meta)
    pipe.expire(_key(job_id, "meta"), ttl)
    pipe.execute()


def job_listing_again(*, job_id: int) -> None:
    """The job is being listed again (Retry on a job failed while listing): the `todo` its
    first listing left is no longer the end, so no video can be the last one until this
    listing's end sets it anew."""
    client().hdel(_key(job_id, "meta"), "todo")


def job_listed(*, job_id: int, total: int, skipped: int) -> None:
    """One more page of the playlist is fanned out: `total` videos, `skipped` of them."""
    pipe = client().pipeline(transaction=True)
    pipe.hincrby(_key(job_id, "meta"), "total", total)
    pipe.hincrby(_key(job_id, "meta"), "skipped", skipped)
    pipe.execute()


def job_listed_all(*, job_id: int, total: int, skipped: int) -> bool:
    """The listing is complete; True when every video to do has settled already."""
    ttl = conf.get("INDEXING_PROGRESS_TTL_SECONDS")
    keys = (_key(job_id, "settled"), _key(job_id, "meta"))
    return int(client().eval(_LISTED_ALL, 2, *keys, total, skipped, total - skipped, ttl)) == 1


def _indexed_key(video_id: str) -> str:
    return f"ti:indexed:{video_id}"


def settle(
    *,
    job_id: int,
    video_id: str,
    outcome: str,
    indexed: bool = False,
    also: Callable[[Pipeline], None] | None = None,
) -> bool:
    """Record a video's outcome (and, when `indexed`, that its transcript state is stored);
    True when this was the last video of the job to settle. `also` queues more commands for
    the same round trip (the video lock's release)."""
    ttl = conf.get("INDEXING_PROGRESS_TTL_SECONDS")
    keys = (
        _key(job_id, "settled"),
        _key(job_id, "counts"),
        _key(job_id, "meta"),
        _indexed_key(video_id),
    )
    flag = "1" if indexed else "0"
    pipe = client().pipeline(transaction=False)
    pipe.eval(_SETTLE, 4, *keys, video_id, outcome, ttl, flag)
    if also is not None:
        also(pipe)
    return int(pipe.execute()[0]) == 1


@dataclass(frozen=True)
class VideoGate:
    settled: bool
    cancelled: bool
    reindex: bool | None  # None: the job's live state is gone from Redis
    indexed: bool = False  # the video was indexed before (a hint: PostgreSQL decides)


GATE_REPLIES = 4


def video_gate(*, job_id: int, video_id: str) -> VideoGate:
    """One round trip before a video's work: done already? job cancelled? re-index asked?"""
    pipe = client().pipeline(transaction=False)
    video_gate_queue(pipe, job_id=job_id, video_id=video_id)
    return video_gate_read(pipe.execute())


def video_gate_queue(pipe: Pipeline, *, job_id: int, video_id: str) -> None:
    """Queue the gate's GATE_REPLIES reads on a pipeline shared with other commands."""
    pipe.sismember(_key(job_id, "settled"), video_id)
    pipe.exists(_key(job_id, "cancel"))
    pipe.hget(_key(job_id, "meta"), "reindex")
    pipe.exists(_indexed_key(video_id))


def video_gate_read(replies: list) -> VideoGate:
    settled, cancelled, reindex, indexed = replies[:GATE_REPLIES]
    return VideoGate(
        settled=bool(settled),
        cancelled=bool(cancelled),
        reindex=None if reindex is None else reindex == b"1",
        indexed=bool(indexed),
    )


def is_settled(*, job_id: int, video_id: str) -> bool:
    return bool(client().sismember(_key(job_id, "settled"), video_id))


def unsettle(*, job_id: int, video_ids: list[str]) -> int:
    if not video_ids:
        return 0
    keys = (_key(job_id, "settled"), _key(job_id, "counts"))
    removed = 0
    for start in range(0, len(video_ids), 1000):
        removed += int(client().eval(_UNSETTLE, 2, *keys, *video_ids[start : start + 1000]))
    return removed


def count_retry(*, job_id: int) -> None:
    client().hincrby(_key(job_id, "counts"), "retries", 1)


def cancel_flag_set(*, job_id: int) -> None:
    client().set(_key(job_id, "cancel"), 1, ex=conf.get("INDEXING_PROGRESS_TTL_SECONDS"))


def cancel_flag_clear(*, job_id: int) -> None:
    """The job runs again (a retry of a cancelled job): its videos no longer skip."""
    client().delete(_key(job_id, "cancel"))


def is_cancelled(*, job_id: int) -> bool:
    return bool(client().exists(_key(job_id, "cancel")))


@dataclass
class Snapshot:
    total: int = 0
    skipped: int = 0
    todo: int = 0
    settled: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    rate: float = 0.0  # videos per second since the fan-out
    eta_seconds: float | None = None
    found: bool = False

    @property
    def done(self) -> int:
        return self.skipped + self.settled

    @property
    def percent(self) -> int:
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))


def snapshot(*, job_id: int) -> Snapshot:
    """One round trip: the job's live figures, or an empty Snapshot when Redis has none."""
    pipe = client().pipeline(transaction=False)
    pipe.hgetall(_key(job_id, "meta"))
    pipe.scard(_key(job_id, "settled"))
    pipe.hgetall(_key(job_id, "counts"))
    meta_raw, settled, counts_raw = pipe.execute()
    if not meta_raw:
        return Snapshot()
    meta = {k.decode(): float(v) for k, v in meta_raw.items()}
    counts = {k.decode(): int(v) for k, v in counts_raw.items()}
    snap = Snapshot(
        total=int(meta.get("total", 0)),
        skipped=int(meta.get("skipped", 0)),
        todo=int(meta.get("todo", meta.get("total", 0) - meta.get("skipped", 0))),
        settled=int(settled),
        counts=counts,
        found=True,
    )
    elapsed = time.time() - meta.get("dispatched", time.time())
    if elapsed > 0 and snap.settled:
        snap.rate = round(snap.settled / elapsed, 2)
        remaining = max(0, snap.todo - snap.settled)
        snap.eta_seconds = round(remaining / snap.rate, 1) if snap.rate else None
    return snap


def requeue_count(*, job_id: int, video_id: str) -> int:
    """Bump and return how often the sweeper re-queued this video in this job."""
    redis = client()
    key = _key(job_id, "requeues")
    count = redis.hincrby(key, video_id, 1)
    redis.expire(key, conf.get("INDEXING_PROGRESS_TTL_SECONDS"))
    return int(count)


def orchestrator_requeued(*, job_id: int) -> int:
    """Note that the sweeper re-queued the job's orchestrator now; how often it has so far."""
    key = _key(job_id, "orchestrator")
    pipe = client().pipeline(transaction=True)
    pipe.hincrby(key, "requeues", 1)
    pipe.hset(key, "at", time.time())
    pipe.expire(key, conf.get("INDEXING_PROGRESS_TTL_SECONDS"))
    return int(pipe.execute()[0])


def orchestrator_queued_anew(*, job_id: int) -> None:
    """The job's orchestrator was queued by a person (Retry): no re-queues so far, and now is
    its latest sign of life, as if the sweeper had just queued it."""
    key = _key(job_id, "orchestrator")
    pipe = client().pipeline(transaction=True)
    pipe.hset(key, mapping={"requeues": 0, "at": time.time()})
    pipe.expire(key, conf.get("INDEXING_PROGRESS_TTL_SECONDS"))
    pipe.execute()


def orchestrator_requeued_at(*, job_id: int) -> float | None:
    """When the sweeper last re-queued the job's orchestrator (unix seconds), if it did."""
    at = client().hget(_key(job_id, "orchestrator"), "at")
    return float(at) if at is not None else None


def requeued_videos(*, job_id: int) -> int:
    """How many of the job's videos the sweeper has re-queued (its messages were lost)."""
    return int(client().hlen(_key(job_id, "requeues")))
