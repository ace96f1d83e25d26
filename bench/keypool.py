"""How much does the key pool add to a YouTube call? reserve() (active keys from PostgreSQL +
one Lua script in Redis) and the Lua reservation alone, against a plain Redis INCR as the
baseline, with 1 and 16 threads; and a check that 16 threads never overspend a key.

    python bench/keypool.py [--quick] [--json PATH] [--ops N] [--threads T]

Runs on its own database (tubeindex_bench_keypool on DATABASE_URL's server) and on the Redis
db of REDIS_URL under its own key prefix, which it deletes afterwards.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import (
    base_parser,
    prepare_database,
    print_table,
    ratio,
    setup_django,
    summarize_ms,
    write_json,
)

BENCH_DB = "tubeindex_bench_keypool"
PREFIX = "bench:keypool"


def run(op: Callable[[], object], threads: int, ops: int) -> dict:
    """`ops` calls of `op` spread over `threads` threads: throughput and latency."""
    from django.db import connection

    per_thread = ops // threads
    samples: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads + 1)

    def worker() -> None:
        mine = []
        barrier.wait()
        for _ in range(per_thread):
            start = time.perf_counter()
            op()
            mine.append(time.perf_counter() - start)
        connection.close()
        with lock:
            samples.extend(mine)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in pool:
        thread.join()
    seconds = time.perf_counter() - start
    return {
        "ops": len(samples),
        "seconds": round(seconds, 3),
        "ops_per_s": round(len(samples) / seconds, 1),
        **summarize_ms(samples),
    }


def overspend_check(redis, keys, threads: int, budget: int) -> dict:
    from django.conf import settings

    from indexing.youtube.errors import QuotaExhausted
    from indexing.youtube.keypool import UNITS, KeyPool

    settings.YOUTUBE_QUOTA_DAILY_UNITS = budget
    pool = KeyPool(redis=redis, prefix=f"{PREFIX}:overspend")
    granted = [0] * threads

    def worker(n: int) -> None:
        while True:
            try:
                pool.reserve_among(keys, UNITS)
            except QuotaExhausted:
                return
            granted[n] += 1

    pool_threads = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool_threads:
        thread.start()
    for thread in pool_threads:
        thread.join()
    return {
        "threads": threads,
        "keys": len(keys),
        "budget_per_key": budget,
        "granted": sum(granted),
        "expected": budget * len(keys),
    }


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=None)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    ops = args.ops or (4_000 if args.quick else 40_000)

    setup_django(prepare_database(BENCH_DB))
    from django.conf import settings
    from django_redis import get_redis_connection

    from indexing.models import ApiKey
    from indexing.youtube.keypool import UNITS, KeyPool

    settings.YOUTUBE_QUOTA_DAILY_UNITS = 10**9
    ApiKey.objects.all().delete()
    keys = [ApiKey.objects.create(name=f"bench-{n}", key=f"AIzaBench{n:02d}") for n in range(3)]
    redis = get_redis_connection("default")
    pool = KeyPool(redis=redis, prefix=PREFIX)
    cases = {
        "baseline: Redis INCR": lambda: redis.incr(f"{PREFIX}:baseline"),
        "Lua reservation (3 keys)": lambda: pool.reserve_among(keys, UNITS),
        "reserve(): DB keys + Lua": lambda: pool.reserve(UNITS),
    }
    results = []
    try:
        for threads in (1, args.threads):
            baseline = None
            for label, op in cases.items():
                row = {"case": label, "threads": threads, **run(op, threads, ops)}
                baseline = baseline or row["ops_per_s"]
                row["throughput_vs_baseline"] = ratio(row["ops_per_s"], baseline)
                results.append(row)
        check = overspend_check(redis, keys, args.threads, 2_000 if args.quick else 20_000)
    finally:
        for name in redis.scan_iter(f"{PREFIX}:*"):
            redis.delete(name)
        ApiKey.objects.all().delete()

    print_table(
        ["case", "threads", "ops/s", "p50 ms", "p99 ms", "× baseline"],
        [
            [
                r["case"],
                r["threads"],
                r["ops_per_s"],
                r["p50_ms"],
                r["p99_ms"],
                r["throughput_vs_baseline"],
            ]
            for r in results
        ],
        title=f"Key pool reservation cost ({ops:,} ops per case)",
    )
    print(
        f"\noverspend check: {check['granted']:,} granted of {check['expected']:,} budget "
        f"({check['threads']} threads, {check['keys']} keys)"
    )
    write_json(
        args.json,
        "keypool",
        {
            "params": {"ops": ops, "threads": args.threads, "keys": len(keys)},
            "results": results,
            "overspend_check": check,
        },
    )


if __name__ == "__main__":
    main()
