"""YouTube emulator throughput and latency at 500 concurrent connections on loopback.

    python bench/emulator.py [--quick] [--json PATH] [--concurrency 500] [--requests N]

Starts the emulator (`python -m youtube_emulator`) and, as the baseline, a bare aiohttp
hello-world server, each in its own process with the same setup (one asyncio process, access
log off, listen backlog 4096). The load comes from this process: an aiohttp client with
`concurrency` connections kept busy by as many workers. Every case reports requests/s, p50 and
p99 latency, and requests/s as a ratio of the hello-world baseline of the same run.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    ROOT,
    base_parser,
    print_table,
    ratio,
    summarize_ms,
    write_json,
)

KEY = "AIzaSyBenchKey000000000000000000000000"
BASELINE_SERVER = """
import socket, sys
from aiohttp import web

async def hello(request):
    return web.Response(text="Hello, world")

async def main(port):
    app = web.Application()
    app.router.add_get("/", hello)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(4096)
    await web.SockSite(runner, sock).start()
    import asyncio
    await asyncio.Event().wait()

import asyncio
asyncio.run(main(int(sys.argv[1])))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def start_servers() -> tuple[list[subprocess.Popen[bytes]], str, str]:
    emu_port, base_port = free_port(), free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    emulator = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "youtube_emulator",
            "--port",
            str(emu_port),
            "--dataset",
            "demo",
            "--units-per-day",
            "1000000000",
            "--log-level",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
    )
    baseline = subprocess.Popen(
        [sys.executable, "-c", BASELINE_SERVER, str(base_port)], cwd=ROOT, env=env
    )
    emu_url, base_url = f"http://127.0.0.1:{emu_port}", f"http://127.0.0.1:{base_port}"
    wait_until_up(f"{emu_url}/_emulator/health", emulator)
    wait_until_up(f"{base_url}/", baseline)
    return [emulator, baseline], emu_url, base_url


async def load(requests_fn: Any, total: int, concurrency: int) -> dict[str, Any]:
    """Keep `concurrency` connections busy until `total` requests are answered."""
    latencies: list[float] = []
    failures = 0
    counter = iter(range(total))
    connector = aiohttp.TCPConnector(
        limit=concurrency, limit_per_host=concurrency, force_close=False
    )
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def worker() -> None:
            nonlocal failures
            for number in counter:
                method, url, body = requests_fn(number)
                start = time.perf_counter()
                try:
                    async with session.request(method, url, json=body) as response:
                        await response.read()
                        ok = response.status == 200
                except aiohttp.ClientError:
                    ok = False
                latencies.append(time.perf_counter() - start)
                failures += 0 if ok else 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return {
        "requests": total,
        "failures": failures,
        "seconds": round(elapsed, 3),
        "rps": round(total / elapsed, 1),
        **summarize_ms(latencies),
    }


def video_ids(emu_url: str, count: int) -> list[str]:
    import json
    import urllib.request

    url = (
        f"{emu_url}/youtube/v3/playlistItems?part=contentDetails&maxResults=50&key={KEY}"
        "&playlistId="
    )
    with urllib.request.urlopen(f"{emu_url}/_emulator/dataset") as answer:
        playlist = json.load(answer)["accounts"]["alice@example.com"]["playlists"][3]["id"]
    ids: list[str] = []
    token = ""
    while len(ids) < count:
        with urllib.request.urlopen(f"{url}{playlist}&pageToken={token}") as answer:
            page = json.load(answer)
        ids += [i["contentDetails"]["videoId"] for i in page["items"]]
        token = page.get("nextPageToken", "")
        if not token:
            break
    return ids[:count]


def transcript_ids(emu_url: str, count: int) -> list[str]:
    """Videos that have a manual English track (so /api/timedtext?lang=en answers 200)."""
    import json
    import urllib.request

    out = []
    for video_id in video_ids(emu_url, count * 4):
        with urllib.request.urlopen(f"{emu_url}/_emulator/videos/{video_id}") as answer:
            info = json.load(answer)
        if any(t["language"] == "en" and t["kind"] == "manual" for t in info["tracks"]):
            out.append(video_id)
        if len(out) == count:
            break
    return out


def cases(emu_url: str, base_url: str) -> list[tuple[str, Any]]:
    ids = video_ids(emu_url, 2500)
    batches = [",".join(ids[i : i + 50]) for i in range(0, len(ids), 50)]
    transcripts = transcript_ids(emu_url, 300)
    return [
        ("baseline: aiohttp hello world", lambda n: ("GET", f"{base_url}/", None)),
        (
            "videos.list, 50 ids, snippet+contentDetails+statistics",
            lambda n: (
                "GET",
                f"{emu_url}/youtube/v3/videos?part=snippet,contentDetails,statistics"
                f"&id={batches[n % len(batches)]}&key={KEY}",
                None,
            ),
        ),
        (
            "videos.list, 1 id, snippet",
            lambda n: (
                "GET",
                f"{emu_url}/youtube/v3/videos?part=snippet&id={ids[n % len(ids)]}&key={KEY}",
                None,
            ),
        ),
        (
            "innertube player (transcript step 2)",
            lambda n: (
                "POST",
                f"{emu_url}/youtubei/v1/player?key=AIzaSyEmulatorInnertubeKey0000000000000",
                {
                    "context": {"client": {"clientName": "ANDROID"}},
                    "videoId": transcripts[n % len(transcripts)],
                },
            ),
        ),
        (
            "timedtext, manual en track (transcript step 3)",
            lambda n: (
                "GET",
                f"{emu_url}/api/timedtext?v={transcripts[n % len(transcripts)]}&lang=en",
                None,
            ),
        ),
    ]


def emulator_stats(emu_url: str) -> dict[str, Any]:
    import json
    import urllib.request

    with urllib.request.urlopen(f"{emu_url}/_emulator/stats") as answer:
        return json.load(answer)


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=500)
    parser.add_argument("--requests", type=int, default=None, help="requests per case")
    args = parser.parse_args()
    total = args.requests or (5_000 if args.quick else 30_000)
    warmup = min(2_000, total)
    processes, emu_url, base_url = start_servers()
    results = []
    try:
        (baseline_name, baseline_fn), *plan = cases(emu_url, base_url)
        for _name, fn in [(baseline_name, baseline_fn), *plan]:  # caches, connection pools
            asyncio.run(load(fn, warmup, args.concurrency))
        # The machine is shared and noisy: every case gets its own baseline run right before it.
        for name, fn in plan:
            baseline = asyncio.run(load(baseline_fn, total, args.concurrency))
            figures = asyncio.run(load(fn, total, args.concurrency))
            results.append(
                {
                    "case": name,
                    **figures,
                    "baseline": baseline,
                    "x_baseline_rps": ratio(figures["rps"], baseline["rps"]),
                    "x_baseline_p99": ratio(figures["p99_ms"], baseline["p99_ms"]),
                }
            )
        stats = emulator_stats(emu_url)
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
    print_table(
        [
            "case",
            "requests",
            "fail",
            "req/s",
            "p50 ms",
            "p99 ms",
            "baseline req/s",
            "baseline p99 ms",
            "req/s x baseline",
        ],
        [
            [
                r["case"],
                r["requests"],
                r["failures"],
                r["rps"],
                r["p50_ms"],
                r["p99_ms"],
                r["baseline"]["rps"],
                r["baseline"]["p99_ms"],
                r["x_baseline_rps"],
            ]
            for r in results
        ],
        title=f"{args.concurrency} concurrent connections, loopback, {os.cpu_count()} CPUs "
        f"(baseline: {baseline_name}, measured right before each case)",
    )
    peak = stats["peak_concurrent_connections"]
    print(
        f"\nemulator: peak concurrent connections {peak}; failed requests "
        f"{sum(r['failures'] for r in results)}"
    )
    write_json(
        args.json,
        "emulator",
        {
            "params": {
                "concurrency": args.concurrency,
                "requests_per_case": total,
                "quick": args.quick,
                "warmup_per_case": warmup,
                "baseline": baseline_name,
            },
            "results": results,
            "emulator_peak_concurrent_connections": peak,
        },
    )


if __name__ == "__main__":
    main()
