"""What a video's CPU costs one gevent process in wall time, under constant and jittered latency.

    python bench/convoy.py [--videos N] [--concurrency C] [--cpu-ms X] [--quick] [--json PATH]

C greenlets in this (monkey-patched) process fetch N transcripts through our real fetcher
(indexing.youtube.transcripts, youtube-transcript-api: 3 requests of 0.5 s each) from two
emulators: one with a constant 500 ms per request, one with 400-600 ms (same mean). After each
fetch a greenlet burns X ms of CPU, in one stretch or in three with a yield between them
(`time.sleep(0)`, as indexing.services does between parsing and writing). Baseline: the same
fetches with no extra CPU, same latency, same run. Reports the wall against the ideal N*1.5/C,
the ratio to the baseline, and the mean fetch time (the lateness the CPU causes to others).
"""

from gevent import monkey

monkey.patch_all()

import contextlib  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import requests  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (  # noqa: E402
    ROOT,
    base_parser,
    playlist_video_ids,
    print_table,
    ratio,
    write_json,
)

LATENCIES = {"constant 500 ms": "fixed:500", "jittered 400-600 ms": "uniform:400:600"}


def parse_args():
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--cpu-ms", type=float, default=3.3, help="extra CPU per video")
    parser.add_argument("--port", type=int, default=8591, help="first of two emulator ports")
    args = parser.parse_args()
    if args.quick:
        args.videos = 600
    return args


def start_emulator(port: int, latency: str) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "youtube_emulator", "--port", str(port)),
            *("--latency", f"transcript={latency}", "--log-level", "WARNING"),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            if requests.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=1).ok:
                return process
        except requests.RequestException:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"emulator on port {port} did not start")


def video_ids(base: str, n: int) -> list[str]:
    """The first n entries of the demo account's 5000-video playlist (a few are deleted or
    private: those fail after one request, as they do in the fan-out)."""
    info = requests.get(f"{base}/_emulator/dataset", timeout=30).json()
    playlists = info["accounts"]["alice@example.com"]["playlists"]
    playlist = next(p["id"] for p in playlists if "(5000 videos)" in p["title"])
    return playlist_video_ids(base, playlist, n)


def burn(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def run_case(base: str, ids: list[str], concurrency: int, cpu_ms: float, stretches: int):
    from django.test import override_settings
    from gevent.pool import Pool

    from indexing.youtube import transcripts

    fetch_times: list[float] = []

    def one(video_id: str) -> None:
        started = time.perf_counter()
        # Deleted/private entries fail after one request, as they do in the fan-out.
        with contextlib.suppress(transcripts.TranscriptError):
            transcripts.transcript_fetch(video_id)
        fetch_times.append(time.perf_counter() - started)
        for _ in range(stretches if cpu_ms else 0):
            burn(cpu_ms / 1000 / stretches)
            time.sleep(0)

    with override_settings(YOUTUBE_WEB_URL=base):
        pool = Pool(concurrency)
        started, cpu = time.perf_counter(), time.process_time()
        for video_id in ids:
            pool.spawn(one, video_id)
        pool.join()
        wall = time.perf_counter() - started
    return {
        "wall_s": round(wall, 2),
        "cpu_ms_per_video": round((time.process_time() - cpu) * 1000 / len(ids), 2),
        "fetch_mean_s": round(statistics.mean(fetch_times), 3),
    }


def main() -> None:
    args = parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    ideal = args.videos * 1.5 / args.concurrency
    cases = [("baseline: no extra CPU", 0.0, 1)]
    cases += [(f"+{args.cpu_ms} ms CPU, one stretch", args.cpu_ms, 1)]
    cases += [(f"+{args.cpu_ms} ms CPU, three stretches with yields", args.cpu_ms, 3)]
    emulators = [start_emulator(args.port + i, spec) for i, spec in enumerate(LATENCIES.values())]
    results: dict[str, dict] = {}
    rows = []
    try:
        for i, latency in enumerate(LATENCIES):
            base = f"http://127.0.0.1:{args.port + i}"
            ids = video_ids(base, args.videos)
            baseline = None
            for label, cpu_ms, stretches in cases:
                figures = run_case(base, ids, args.concurrency, cpu_ms, stretches)
                baseline = baseline or figures["wall_s"]
                figures |= {
                    "ratio_to_ideal": ratio(figures["wall_s"], ideal),
                    "ratio_to_baseline": ratio(figures["wall_s"], baseline),
                }
                results[f"{latency} | {label}"] = figures
                rows.append([latency, label, figures["wall_s"], figures["ratio_to_ideal"]])
                rows[-1] += [figures["ratio_to_baseline"], figures["fetch_mean_s"]]
                rows[-1].append(figures["cpu_ms_per_video"])
    finally:
        for process in emulators:
            process.terminate()
            process.wait(10)
    title = f"convoy: N={args.videos} C={args.concurrency} ideal {ideal:.1f} s"
    headers = ["latency", "case", "wall s", "x ideal", "x baseline", "fetch mean s"]
    print_table([*headers, "CPU ms/video"], rows, title=title)
    write_json(args.json, "convoy", {"params": vars(args), "ideal_s": ideal, "results": results})


if __name__ == "__main__":
    main()
