"""Jobs taking turns: how long a small job waits when it is started right behind a big one.

    python bench/turns.py [--videos N] [--latency L] [--workers W] [--concurrency C]
                          [--repeat R] [--quick] [--json PATH]

The scenario: alice starts a job for her N-video playlist, then one for her 5-video playlist,
the way the web does (index_job_start; each job's orchestrator is queued on commit and runs on
a worker, listing the playlist and publishing its videos page by page while the workers already
index them). W gevent workers of C greenlets each, the emulator's transcript latency L seconds
(fanout.py's emulator, database, worker environment and sign-in; the database is DATABASE_URL's,
tubeindex_turns_bench by default, and its tables are emptied; the Redis db of REDIS_URL is
flushed).

The small job starts at two moments:
- "at once": right after the big one. Its one-page listing then ends while the big job's is at
  its first pages, so its 5 videos are queued behind one or two pages of the big job's, in
  either mode: this start shows little.
- "after listing": the moment the big job's listing ends (dispatched_at), its whole fan-out
  queued: someone starting a small playlist while another's big one is being indexed.

Two modes for each, in the same run; which goes first alternates from one pair to the next:
- "turns": the code as it is (a job's first 20 videos at broker priority 0, then 3, 6, 9);
- "fifo", the baseline: every video at one priority, as before bf19bb7.
  The orchestrator publishes the videos, and it runs on a worker: so the workers are started as
  `celery -A bench.turns:fifo_app`, the project's app with indexing.services.
  VIDEO_PRIORITY_STEPS = () set before the worker takes a message (the worker logs that it did,
  and the bench checks the line); this process sets it too, though it publishes no video.
  Running the orchestrators in this process instead (as the worker test does) would queue the
  big job's whole fan-out before the small job's listing even starts and take the listings off
  the workers: not what the web does. This way the only difference between the modes is the
  videos' priority: the orchestrators, finish_job and the sweeps go at priority 0 in both.

Between runs: new workers, the index emptied and the Redis db flushed (fanout.reset_state),
alice signed in again, new jobs. Not reindex=True: a reindex job overwrites stored transcripts
(another write path), and the first run would start from an empty index and the second from a
full one; this way every run starts from the same empty index, a new user's case.

For the small job, from its start (the job's creation, the click): its listing, its first
video settled by its own task (one the big job indexed already is skipped at the listing: the
demo playlists sample one catalogue, the table says how many they share) and its end, and how
many of the big job's videos settled meanwhile (ahead of it). For the big job: its end, from
its own start (it must not get much slower). Times come from the rows (created_at,
JobVideo.updated_at set by PostgreSQL's now(), finished_at): one machine, one clock. Ratios
turns/fifo of the medians. Every video must end settled (lost: pending, or never recorded:
must be 0).
"""

from __future__ import annotations

import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Before fanout reads it: the bench database is DATABASE_URL's, and its tables are emptied.
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tubeindex_turns_bench")

from bench._common import (
    ROOT,
    base_parser,
    playlist_video_ids,
    print_table,
    ratio,
    write_json,
)
from bench.fanout import (
    BENCH_DB,
    bench_worker_env,
    playlist_for,
    refuse_a_database_not_for_benches,
    reset_state,
    setup_django,
    sign_in,
    start_emulator,
)

SMALL = 5
MODES = ("turns", "fifo")
# When the small job starts: right after the big one (both listings run together), or the
# moment the big job's listing ends (its whole fan-out is queued).
STARTS = ("at once", "after listing")
FIFO_APP = "bench.turns:fifo_app"  # celery -A: this module, imported by the worker
FIFO_MARK = "bench.turns: every video at one priority"
logger = logging.getLogger("bench.turns")


def __getattr__(name: str):
    """`celery -A bench.turns:fifo_app worker`: the fifo mode's workers (see the docstring)."""
    if name != "fifo_app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import django

    from config.celery import app

    django.setup()
    from indexing import services

    services.VIDEO_PRIORITY_STEPS = ()
    logger.warning(FIFO_MARK)
    return app


def parse_args():
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=3000, help="the big playlist's size")
    parser.add_argument("--latency", type=float, default=0.5, help="transcript latency, seconds")
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    parser.add_argument("--concurrency", type=int, default=50, help="greenlets per worker (-c)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds (each: 4 runs)")
    parser.add_argument("--port", type=int, default=8392)
    parser.add_argument("--timeout", type=float, default=900, help="seconds a run may take")
    args = parser.parse_args()
    if args.quick:
        args.videos = 500
    return args


def seconds(start, end) -> float | None:
    return round((end - start).total_seconds(), 2) if start and end else None


def wait_finished(job_ids: list[int], timeout: float) -> None:
    from indexing.models import IndexJob

    deadline = time.monotonic() + timeout
    active = IndexJob.objects.filter(pk__in=job_ids, status__in=IndexJob.ACTIVE)
    while active.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"jobs {job_ids} not finished in {timeout} s")
        time.sleep(0.2)


def job_figures(job_id: int, *, during=None) -> dict:
    """A job's times from its creation; `during` (start, end): its videos settled in between."""
    from django.db.models import Min

    from indexing.models import IndexJob, JobVideo
    from playlists.models import PlaylistItem

    job = IndexJob.objects.get(pk=job_id)
    entries = JobVideo.objects.filter(job_id=job_id)
    settled = entries.exclude(outcome=JobVideo.Outcome.PENDING)
    # Its first turn: a video "already indexed" (by the other job) is settled at its listing.
    worked = settled.exclude(outcome=JobVideo.Outcome.SKIPPED)
    first = worked.aggregate(m=Min("updated_at"))["m"]
    listed = PlaylistItem.objects.filter(playlist_id=job.playlist_id).values("video").distinct()
    return {
        "status": job.status,
        "total": job.total,
        "listing_s": seconds(job.created_at, job.dispatched_at),
        "first_settled_s": seconds(job.created_at, first),
        "finished_s": seconds(job.created_at, job.finished_at),
        "retries": job.retries,
        "skipped": job.skipped,
        "lost": entries.filter(outcome=JobVideo.Outcome.PENDING).count()
        + max(0, listed.count() - entries.count()),
        **(
            {"settled_meanwhile": settled.filter(updated_at__range=during).count()}
            if during
            else {}
        ),
    }


def wait_listed(job_id: int, timeout: float) -> None:
    from indexing.models import IndexJob

    deadline = time.monotonic() + timeout
    while not IndexJob.objects.filter(pk=job_id, dispatched_at__isnull=False).exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"job {job_id} not listed in {timeout} s")
        time.sleep(0.02)


def run_once(start: str, mode: str, args, base: str, playlist_ids: dict[int, str]) -> dict:
    from indexing import services
    from indexing.models import IndexJob
    from indexing.tests.worker import CeleryWorker

    reset_state()
    user = sign_in(base)
    playlists = {
        size: services.playlist_resolve(user=user, youtube_id=youtube_id)
        for size, youtube_id in playlist_ids.items()
    }
    env = bench_worker_env(base)
    workers = [
        CeleryWorker(
            env,
            concurrency=args.concurrency,
            loglevel="WARNING",
            app=FIFO_APP if mode == "fifo" else "config",
        )
        for _ in range(args.workers)
    ]
    kept = services.VIDEO_PRIORITY_STEPS
    if mode == "fifo":
        services.VIDEO_PRIORITY_STEPS = ()
    load = os.getloadavg()[0]  # other people's work shares these cores: how much
    try:
        for worker in workers:
            worker.start()
            if (FIFO_MARK in worker.output()) != (mode == "fifo"):
                raise SystemExit(f"{mode}: a worker is not in that mode:\n{worker.output()}")
        big, _ = services.index_job_start(user=user, playlist=playlists[args.videos])
        if start == "after listing":
            wait_listed(big.pk, args.timeout)
        small, _ = services.index_job_start(user=user, playlist=playlists[SMALL])
        wait_finished([big.pk, small.pk], args.timeout)
        errors = sum(worker.output().count("Traceback") for worker in workers)
    finally:
        services.VIDEO_PRIORITY_STEPS = kept
        for worker in workers:
            worker.stop()
    small = IndexJob.objects.get(pk=small.pk)
    return {
        "start": start,
        "mode": mode,
        "small_started_after_big_s": seconds(big.created_at, small.created_at),
        "small": job_figures(small.pk),
        "big": job_figures(big.pk, during=(small.created_at, small.finished_at)),
        "load_1m": [round(load, 2), round(os.getloadavg()[0], 2)],
        "worker_tracebacks": errors,
    }


FIGURES = (
    ("small", "listing_s"),
    ("small", "first_settled_s"),
    ("small", "finished_s"),
    ("big", "settled_meanwhile"),
    ("big", "finished_s"),
)
RATIOS = ("small_first_settled_s", "small_finished_s", "big_finished_s")


def summarize(runs: list[dict]) -> dict:
    """Medians by start and mode, and the ratios turns/fifo of the medians, by start."""

    def median(start: str, mode: str, job: str, figure: str) -> float | None:
        values = [r[job][figure] for r in runs if (r["start"], r["mode"]) == (start, mode)]
        return round(statistics.median(values), 2) if values and None not in values else None

    medians = {
        start: {
            mode: {f"{job}_{figure}": median(start, mode, job, figure) for job, figure in FIGURES}
            for mode in MODES
        }
        for start in STARTS
    }
    ratios = {
        start: {
            key: ratio(medians[start]["turns"][key] or 0, medians[start]["fifo"][key] or 0)
            for key in RATIOS
        }
        for start in STARTS
    }
    return {"medians": medians, "ratios_turns_to_fifo": ratios}


def run(args, base: str) -> dict:
    from indexing.redis import client

    playlist_ids = {args.videos: playlist_for(base, args.videos), SMALL: playlist_for(base, SMALL)}
    # The demo playlists are samples of one catalogue: a video in both is indexed by one job
    # and settles at once (or waits for the other's lock) in the other.
    shared = set(playlist_video_ids(base, playlist_ids[SMALL], SMALL)) & set(
        playlist_video_ids(base, playlist_ids[args.videos], args.videos)
    )
    runs = []
    # Which mode goes first alternates from one pair of runs to the next (ABBA...), so a
    # machine getting busier or quieter does not favour one mode.
    pairs = [(r, start) for r in range(args.repeat) for start in STARTS]
    for n, (round_, start) in enumerate(pairs):
        for mode in MODES if n % 2 == 0 else MODES[::-1]:
            result = run_once(start, mode, args, base, playlist_ids) | {"round": round_ + 1}
            small, big = result["small"], result["big"]
            print(
                f"round {round_ + 1}, {start}, {mode}: small first {small['first_settled_s']} "
                f"s, done {small['finished_s']} s; big done {big['finished_s']} s",
                flush=True,
            )
            runs.append(result)
    client().flushdb()  # the workers' leftovers (their sweeps' delayed messages)
    return {
        "params": vars(args),
        "database": BENCH_DB,
        "small_videos_also_in_big": len(shared),
        "ideal_big_s": round(args.videos * args.latency / (args.workers * args.concurrency), 2),
        "runs": runs,
        **summarize(runs),
    }


def main() -> None:
    import signal

    # SIGTERM unwinds like Ctrl-C, so the workers and the emulator are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    args = parse_args()
    refuse_a_database_not_for_benches()
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    emulator = start_emulator(args.port, args.latency, log="turns-emulator.log")
    base = f"http://127.0.0.1:{args.port}"
    try:
        setup_django(base)
        result = run(args, base)
    finally:
        emulator.terminate()
        emulator.wait(10)
    print_rows(args, result)
    name = f"turns-{args.videos}-{args.latency}-w{args.workers}-c{args.concurrency}"
    write_json(args.json, name, result)


def print_rows(args, result: dict) -> None:
    headers = [
        "round",
        "small started",
        "mode",
        "small: listed s",
        "first settled s",
        "done s",
        "big settled meanwhile",
        "big: done s",
        "lost",
        "retries",
        "load 1m",
    ]

    def row(label, start, mode, small, big, *rest):
        figures = [small["listing_s"], small["first_settled_s"], small["finished_s"]]
        return [label, start, mode, *figures, big["settled_meanwhile"], big["finished_s"], *rest]

    rows = []
    for r in result["runs"]:
        if r["small"]["status"] != "done" or r["big"]["status"] != "done":
            print(f"not done: {r['small']['status']}, {r['big']['status']} ({r})")
        if r["worker_tracebacks"]:
            print(f"{r['worker_tracebacks']} tracebacks in the workers' output ({r})")
        start = f"{r['start']} (+{r['small_started_after_big_s']} s)"
        lost = r["small"]["lost"] + r["big"]["lost"]
        retries = r["small"]["retries"] + r["big"]["retries"]
        load = "{} -> {}".format(*r["load_1m"])
        rows.append(row(r["round"], start, r["mode"], r["small"], r["big"], lost, retries, load))
    for start in STARTS:
        for mode in MODES:
            m = result["medians"][start][mode]
            small = {k.removeprefix("small_"): v for k, v in m.items() if k.startswith("small_")}
            big = {k.removeprefix("big_"): v for k, v in m.items() if k.startswith("big_")}
            rows.append(row("median", start, mode, small, big, "", "", ""))
        q = result["ratios_turns_to_fifo"][start]
        small_ratios = [q["small_first_settled_s"], q["small_finished_s"]]
        rows.append(["ratio", start, "turns/fifo", "", *small_ratios, "", q["big_finished_s"]])
        rows[-1] += ["", "", ""]
    title = (
        f"turns: a {SMALL}-video job started behind a {args.videos}-video one; "
        f"L={args.latency}s, {args.workers} worker(s) x {args.concurrency} greenlets; "
        f"ideal big {result['ideal_big_s']} s; "
        f"{result['small_videos_also_in_big']} of the small job's videos also in the big one"
    )
    print_table(headers, rows, title=title)


if __name__ == "__main__":
    main()
