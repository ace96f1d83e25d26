"""Playlist fan-out through the real task code: orchestrator, index_video tasks on real Celery
workers (gevent), the transcript client, PostgreSQL writes (COPY) and Redis progress.

    python bench/fanout.py --videos N --latency L --concurrency C [--workers W] [--quick]
                           [--serial-sample K] [--json PATH]

Starts the emulator (`python -m youtube_emulator`, transcript latency L seconds) and W gevent
workers of C/W greenlets each, on a database of its own (tubeindex_pl_bench) and the Redis db of
REDIS_URL. It signs a demo user in, starts a job for a playlist of N videos exactly as the web
does (index_job_start -> index_playlist on commit) and waits for the job to finish.

Reports: wall (start -> finished), how long the listing took (start -> dispatched: the videos
are published page by page while it runs, so it overlaps the fan-out), the ratio to the ideal
N*L/C, videos/s, CPU ms per video per process (workers, this process as "web", emulator,
Redis, PostgreSQL), peak PostgreSQL connections of the bench database, retries, and videos
lost (pending or missing at the end: must be 0). Baseline in the same run: a serial loop over
K videos (fetch + store), scaled to N, for the speed-up.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import ROOT, base_parser, playlist_video_ids, print_table, ratio, write_json

# The bench database: the name in DATABASE_URL when set (each engineer's own), else this one.
BENCH_DB = os.environ.get("DATABASE_URL", "/tubeindex_pl_bench").rsplit("/", 1)[-1] or (
    "tubeindex_pl_bench"
)
DEMO_SIZES = (5, 50, 500, 3000, 5000)
ALICE = "alice@example.com"


def parse_args():
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=1.5, help="transcript latency, seconds")
    parser.add_argument("--concurrency", type=int, default=100, help="greenlets in all")
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    parser.add_argument("--serial-sample", type=int, default=10)
    parser.add_argument("--port", type=int, default=8391)
    parser.add_argument("--pool", default="gevent", choices=["gevent", "threads"])
    parser.add_argument("--profile", action="store_true", help="py-spy the workers, top frames")
    parser.add_argument("--db-pool", type=int, default=10, help="DB_POOL_MAX_SIZE per worker")
    parser.add_argument(
        "--loglevel", default="WARNING", help="worker -l (INFO logs received/succeeded per task)"
    )
    args = parser.parse_args()
    if args.quick:
        args.videos, args.latency, args.concurrency = 200, 0.5, 50
    return args


def refuse_a_database_not_for_benches() -> None:
    """The bench empties its database's tables: never a developer's or anyone's real one."""
    if "bench" not in BENCH_DB:
        raise SystemExit(f"database {BENCH_DB!r}: its tables are emptied, use a *bench* one")


def redis_url() -> str:
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")


def database_url() -> str:
    return f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"


def start_emulator(port: int, latency: float, log: str = "fanout-emulator.log") -> subprocess.Popen:
    """The emulator on `port`, a video's transcript taking `latency` seconds; its output in
    bench/results/`log`."""
    try:
        requests.get(f"http://127.0.0.1:{port}/_emulator/stats", timeout=1)
    except requests.RequestException:
        pass
    else:
        raise SystemExit(f"port {port} is taken by another emulator; pass --port")
    output = open(ROOT / "bench" / "results" / log, "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "youtube_emulator",
            "--port",
            str(port),
            "--latency",
            # youtube-transcript-api makes 3 requests per video (watch page, player, timedtext):
            # each gets L/3, so one video's transcript costs L, like the prototype's one GET.
            f"transcript=fixed:{latency * 1000 / 3:.0f}",
            "--log-level",
            "WARNING",
        ],
        cwd=ROOT,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"the emulator exited at start (see {log})")
        try:
            if requests.get(f"{base}/_emulator/stats", timeout=1).ok:
                return process
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError("emulator did not start")


def setup_django(base: str) -> None:
    subprocess.run(
        ["createdb", "-h", "127.0.0.1", "-U", "postgres", BENCH_DB],
        capture_output=True,
        check=False,
    )
    os.environ.update(
        {
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis_url(),
            "YOUTUBE_API_URL": base,
            "YOUTUBE_WEB_URL": base,
            "GOOGLE_AUTH_URI": f"{base}/o/oauth2/auth",
            "GOOGLE_TOKEN_URI": f"{base}/token",
            "GOOGLE_USERINFO_URI": f"{base}/v1/userinfo",
            "GOOGLE_REVOKE_URI": f"{base}/revoke",
            "LOG_LEVEL": "warning",
            # As in production (docker-compose.yml): with DEBUG, Django keeps every query's text
            # (a video's whole transcript, inlined by psycopg's client-side binding) in
            # connection.queries_log, up to 9000 per connection. Workers inherit both; the key
            # is shared because the stored OAuth tokens are encrypted with it.
            "DEBUG": os.environ.get("BENCH_DEBUG", "false"),
            "SECRET_KEY": secrets.token_urlsafe(48),  # tokens of earlier runs: reset_state
        }
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def bench_worker_env(base: str, *, loglevel: str = "WARNING", db_pool: int = 10) -> dict[str, str]:
    """A bench worker's environment: the bench database and Redis db, YouTube at the emulator."""
    from indexing.tests.worker import worker_env

    return worker_env(
        database_url=database_url(),
        redis_url=redis_url(),
        base_url=base,
        LOG_LEVEL=loglevel.lower(),
        # The global pace must not be what limits the benchmark: it measures our per-video cost.
        TRANSCRIPT_RATE_PER_SECOND="100000",
        DB_POOL_MAX_SIZE=str(db_pool),
    )


def reset_state() -> None:
    """Each run starts from an empty index, so nothing is skipped as already indexed."""
    from django.db import connection

    from indexing.redis import client

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE indexing_jobvideo, indexing_indexjob, videos_transcriptchunk, "
            "videos_transcript, playlists_playlistitem, videos_video, "
            "playlists_googleaccount, accounts_user CASCADE"
        )
    client().flushdb()


def sign_in(base: str):
    from django.conf import settings

    from indexing.tests.support import credentials_from_token
    from indexing.youtube import oauth
    from playlists.services import google_sign_in

    body = requests.post(f"{base}/_emulator/tokens", json={"email": ALICE}, timeout=10).json()
    credentials = credentials_from_token(body, settings)
    return google_sign_in(credentials=credentials, profile=oauth.userinfo(credentials))


def playlist_for(base: str, n: int) -> str:
    """A demo playlist of exactly n videos: a demo size, or the empty playlist filled with
    the first n videos of the 5000-video one."""
    info = requests.get(f"{base}/_emulator/dataset", timeout=30).json()
    playlists = info["accounts"][ALICE]["playlists"]

    def titled(text: str) -> str:
        return next(p["id"] for p in playlists if text in p["title"])

    if n in DEMO_SIZES:
        return titled(f"({n} videos)")
    source, target = titled("(5000 videos)"), titled("empty playlist")
    ids = playlist_video_ids(base, source, n)
    for start in range(0, n, 500):
        requests.post(
            f"{base}/_emulator/playlists/{target}/items",
            json={"video_ids": ids[start : min(n, start + 500)]},
            timeout=30,
        ).raise_for_status()
    return target


class Sampler:
    """Peak PostgreSQL connections of the bench database (polled every 50 ms), and the CPU of
    its backends only: other people's databases share this server."""

    def __init__(self) -> None:
        self.peak = 0
        self.backend_cpu: dict[int, tuple[float, float]] = {}  # pid -> (first, last) seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres") as conn:
            conn.autocommit = True
            while not self._stop.is_set():
                pids = [
                    r[0]
                    for r in conn.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = %s", [BENCH_DB]
                    ).fetchall()
                ]
                self.peak = max(self.peak, len(pids))
                for pid in pids:
                    self._track(pid)
                time.sleep(0.05)
            for pid in list(self.backend_cpu):
                self._track(pid)

    def _track(self, pid: int) -> None:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.NoSuchProcess:
            return
        used = times.user + times.system
        first, _ = self.backend_cpu.get(pid, (None, 0.0))
        # A backend first seen after the start is new: all of its CPU belongs to the run.
        self.backend_cpu[pid] = (
            used
            if first is None and self._started_before(pid)
            else (first if first is not None else 0.0),
            used,
        )

    def _started_before(self, pid: int) -> bool:
        return pid in self.initial_pids

    def cpu_seconds(self) -> float:
        return sum(last - first for first, last in self.backend_cpu.values())

    def __enter__(self):
        import psycopg

        with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres") as conn:
            self.initial_pids = {
                r[0]
                for r in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s", [BENCH_DB]
                ).fetchall()
            }
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)


def cpu_seconds(processes: list[psutil.Process]) -> float:
    """User + system CPU of these processes themselves (not their children)."""
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def postgres_cpu() -> float:
    """Backends come and go during a run: the postmaster's children_* times keep the CPU of
    the ones that already exited, the live ones are counted directly."""
    processes = named("postgres")
    pids = {p.pid for p in processes}
    total = cpu_seconds(processes)
    for process in processes:
        try:
            if process.ppid() not in pids:
                times = process.cpu_times()
                total += times.children_user + times.children_system
        except psutil.NoSuchProcess:
            continue
    return total


def named(name: str) -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["name"]) if (p.info["name"] or "").startswith(name)]


def start_profiler(pid: int) -> tuple[subprocess.Popen, Path]:
    out = ROOT / "bench" / "results" / f"fanout-pyspy-{pid}.txt"
    process = subprocess.Popen(
        [
            *(str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(pid)),
            *("--rate", "200", "--format", "raw", "--output", str(out), "--nonblocking"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=(ROOT / "bench" / "results" / f"fanout-pyspy-{pid}.log").open("wb"),
    )
    return process, out


def stop_profilers(spies: list[tuple[subprocess.Popen, Path]], top: int = 25) -> list[list]:
    """Share of worker CPU samples by module area (a frame anywhere on the stack counts)."""
    import signal

    if not spies:
        return []

    areas = {
        "youtube_transcript_api (parse)": "youtube_transcript_api/_transcripts.py",
        "requests/urllib3/http.client": "urllib3/",
        "Django ORM + psycopg": "django/db/",
        "transcript write (videos/services)": "videos/services.py",
        "indexing services": "indexing/services.py",
        "redis-py": "redis/",
        "celery/kombu": "celery/",
        "logging": "logging/",
        "gevent hub": "gevent/",
    }
    counts: dict[str, int] = dict.fromkeys(areas, 0)
    leaf: dict[str, int] = {}
    total = 0
    for process, out in spies:
        process.send_signal(signal.SIGINT)
        process.wait(30)
        if not out.exists():
            continue
        for line in out.read_text(errors="replace").splitlines():
            stack, _, n = line.rpartition(" ")
            if not n.isdigit():
                continue  # a line cut short when py-spy was stopped
            samples = int(n)
            total += samples
            for area, needle in areas.items():
                if needle in stack:
                    counts[area] += samples
            frame = stack.rsplit(";", 1)[-1]
            leaf[frame] = leaf.get(frame, 0) + samples
    rows = [[a, round(100 * c / max(total, 1), 1)] for a, c in counts.items()]
    hot = sorted(leaf.items(), key=lambda kv: -kv[1])[:top]
    return rows + [[f"leaf: {f[:90]}", round(100 * c / max(total, 1), 1)] for f, c in hot]


def serial_baseline(sample: int) -> dict:
    """The per-video work (fetch + chunked COPY) one after another, on k indexed videos."""
    from indexing.youtube.transcripts import transcript_fetch
    from videos.models import Video
    from videos.services import transcript_save

    videos = list(
        Video.objects.filter(transcript__status="fetched").values_list("pk", "youtube_id")[:sample]
    )
    start = time.perf_counter()
    for pk, youtube_id in videos:
        result = transcript_fetch(youtube_id)
        transcript_save(
            video_id=pk,
            language=result.language,
            is_generated=result.is_generated,
            segments=result.segments,
        )
    seconds = time.perf_counter() - start
    return {"sample": len(videos), "seconds": round(seconds, 3)}


def run(args) -> dict:
    from indexing import services
    from indexing.models import JobVideo
    from indexing.tests.worker import CeleryWorker
    from playlists.models import Playlist

    base = f"http://127.0.0.1:{args.port}"
    reset_state()
    user = sign_in(base)
    playlist_id = playlist_for(base, args.videos)
    env = bench_worker_env(base, loglevel=args.loglevel, db_pool=args.db_pool)
    per_worker = max(1, args.concurrency // args.workers)
    workers = [
        CeleryWorker(env, concurrency=per_worker, pool=args.pool, loglevel=args.loglevel)
        for _ in range(args.workers)
    ]
    for worker in workers:
        worker.start()
    try:
        playlist = services.playlist_resolve(user=user, youtube_id=playlist_id)
        worker_procs = [psutil.Process(w.pid) for w in workers]
        groups = {
            "workers": worker_procs,
            "web (this process)": [psutil.Process()],
            "emulator": [psutil.Process(args.emulator_pid)],
            "redis": named("redis-server"),
            "postgresql (all)": named("postgres"),
        }
        groups.pop("postgresql (all)")

        def measure() -> dict[str, float]:
            figures = {name: cpu_seconds(procs) for name, procs in groups.items()}
            return figures | {"postgresql (all)": postgres_cpu()}

        before = measure()
        load_before = os.getloadavg()[0]
        spies = [start_profiler(w.pid) for w in workers] if args.profile else []
        with Sampler() as sampler:
            started = time.time()
            job, _ = services.index_job_start(user=user, playlist=playlist)
            while True:
                job.refresh_from_db()
                if not job.is_active:
                    break
                time.sleep(0.1)
            wall = time.time() - started
        profile = stop_profilers(spies)
        after = measure()
        load_after = os.getloadavg()[0]
        emulator_stats = requests.get(f"{base}/_emulator/stats", timeout=10).json()
        pending = JobVideo.objects.filter(job=job, outcome="pending").count()
        recorded = JobVideo.objects.filter(job=job).count()
        expected = Playlist.objects.get(pk=playlist.pk).items.count()
    finally:
        for worker in workers:
            worker.stop()
    listing = (job.dispatched_at - job.started_at).total_seconds() if job.dispatched_at else None
    todo = job.total - job.skipped
    ideal = todo * args.latency / args.concurrency
    cpu = {name: round((after[name] - before[name]) * 1000 / max(todo, 1), 2) for name in before}
    cpu["postgresql (bench db backends)"] = round(sampler.cpu_seconds() * 1000 / max(todo, 1), 2)
    serial = serial_baseline(args.serial_sample)
    serial_scaled = serial["seconds"] / max(serial["sample"], 1) * todo
    return {
        "params": vars(args) | {"emulator_pid": None},
        "job": {
            "status": job.status,
            "total": job.total,
            "indexed": job.indexed,
            "no_transcript": job.no_transcript,
            "unavailable": job.unavailable,
            "failed": job.failed,
        },
        "wall_s": round(wall, 2),
        "listing_s": round(listing, 2) if listing else None,
        "ideal_s": round(ideal, 2),
        "ratio_to_ideal": ratio(wall, ideal),
        "videos_per_s": round(todo / wall, 1),
        "cpu_ms_per_video": cpu,
        "cpu_ms_per_video_ours": round(cpu["workers"] + cpu["web (this process)"], 2),
        "peak_pg_connections": sampler.peak,
        # Other people's tests and benchmarks share these 2 cores: the load says how much.
        "load_average_1m": [round(load_before, 2), round(load_after, 2)],
        "peak_emulator_concurrent_requests": emulator_stats.get("peak_concurrent_requests"),
        "pool_bound": args.workers * args.db_pool + 1,
        "retries": job.retries,
        "videos_lost": pending + max(0, expected - recorded),
        "serial": serial | {"scaled_to_n_s": round(serial_scaled, 1)},
        "profile_top": profile,
        "speedup_vs_serial": ratio(serial_scaled, wall),
    }


def main() -> None:
    import signal

    # SIGTERM unwinds like Ctrl-C, so the workers and the emulator are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    args = parse_args()
    refuse_a_database_not_for_benches()
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    emulator = start_emulator(args.port, args.latency)
    args.emulator_pid = emulator.pid
    try:
        setup_django(f"http://127.0.0.1:{args.port}")
        result = run(args)
    finally:
        emulator.terminate()
        emulator.wait(10)
    rows = [
        ["videos", result["job"]["total"]],
        ["status", result["job"]["status"]],
        ["wall (start -> finished) s", result["wall_s"]],
        ["listing (start -> dispatched, overlaps the fan-out) s", result["listing_s"]],
        ["ideal N*L/C s", result["ideal_s"]],
        ["ratio to ideal (wall)", result["ratio_to_ideal"]],
        ["videos/s", result["videos_per_s"]],
        *[[f"CPU ms/video: {k}", v] for k, v in result["cpu_ms_per_video"].items()],
        ["CPU ms/video: ours (workers + web)", result["cpu_ms_per_video_ours"]],
        ["peak PostgreSQL connections", result["peak_pg_connections"]],
        ["peak concurrent requests at the emulator", result["peak_emulator_concurrent_requests"]],
        ["load average (1 min) before, after", result["load_average_1m"]],
        ["retries", result["retries"]],
        ["videos lost", result["videos_lost"]],
        [
            "serial sample (videos, s)",
            f"{result['serial']['sample']}, {result['serial']['seconds']}",
        ],
        ["serial scaled to N, s", result["serial"]["scaled_to_n_s"]],
        ["speed-up vs serial", result["speedup_vs_serial"]],
    ]
    title = (
        f"fan-out: N={args.videos} L={args.latency}s C={args.concurrency} "
        f"workers={args.workers} pool={args.pool} db-pool={args.db_pool} -l {args.loglevel}"
    )
    print_table(["figure", "value"], rows, title=title)
    if result["profile_top"]:
        print_table(["worker CPU samples in", "%"], result["profile_top"], title="py-spy")
    name = (
        f"fanout-{args.videos}-{args.latency}-{args.concurrency}-w{args.workers}-db{args.db_pool}"
    )
    write_json(args.json, name, result)


if __name__ == "__main__":
    main()
