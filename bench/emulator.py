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
import asyncio, socket, sys
from aiohttp import web

BODIES = {}

async def echo_size(request):
    # Reads the request like the emulator does and answers with a body of ?size= bytes.
    await request.read()
    size = int(request.query.get("size", "12"))
    body = BODIES.get(size)
    if body is None:
        body = BODIES[size] = b"Hello, world" if size == 12 else b"x" * size
    return web.Response(body=body, content_type="application/json")

async def main(port):
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo_size)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(4096)
    await web.SockSite(runner, sock).start()
    await asyncio.Event().wait()

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


def cases(emu_url: str) -> list[tuple[str, Any]]:
    ids = video_ids(emu_url, 2500)
    batches = [",".join(ids[i : i + 50]) for i in range(0, len(ids), 50)]
    transcripts = transcript_ids(emu_url, 300)
    return [
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


def response_size(fn: Any, samples: int = 20) -> int:
    """Mean body size of a case's responses (the matched baseline answers as many bytes)."""
    import json
    import urllib.request

    sizes = []
    for n in range(samples):
        method, url, body = fn(n)
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            url, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request) as answer:  # our loopback URL
            sizes.append(len(answer.read()))
    return round(sum(sizes) / len(sizes))


def matched_baseline(fn: Any, base_url: str, size: int) -> Any:
    """Same method and request body as the case, to the bare server, answered with `size` bytes."""

    def baseline(n: int) -> tuple[str, str, Any]:
        method, _url, body = fn(n)
        return method, f"{base_url}/?size={size}", body

    return baseline


def emulator_stats(emu_url: str) -> dict[str, Any]:
    import json
    import urllib.request

    with urllib.request.urlopen(f"{emu_url}/_emulator/stats") as answer:
        return json.load(answer)


def measured(
    fn: Any, total: int, concurrency: int, server: subprocess.Popen[bytes]
) -> dict[str, Any]:
    """One load run plus the CPU time the serving process spent on it (noise-resistant)."""
    import psutil

    process = psutil.Process(server.pid)
    before = process.cpu_times()
    figures = asyncio.run(load(fn, total, concurrency))
    after = process.cpu_times()
    cpu_s = (after.user - before.user) + (after.system - before.system)
    figures["server_cpu_ms_per_request"] = round(cpu_s * 1000 / total, 4)
    return figures


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
        plan = [(name, fn, response_size(fn)) for name, fn in cases(emu_url)]
        hello = matched_baseline(lambda n: ("GET", "", None), base_url, 12)
        for _name, fn, size in plan:  # caches, connection pools
            asyncio.run(load(fn, warmup, args.concurrency))
            asyncio.run(load(matched_baseline(fn, base_url, size), warmup, args.concurrency))
        emulator, bare = processes
        reference = measured(hello, total, args.concurrency, bare)
        # The machine is shared and noisy: each case gets its own baseline run right before it,
        # on the bare server with the same method, request body and response size.
        for name, fn, size in plan:
            baseline = measured(matched_baseline(fn, base_url, size), total, args.concurrency, bare)
            figures = measured(fn, total, args.concurrency, emulator)
            results.append(
                {
                    "case": name,
                    "response_bytes": size,
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
    cpu = "server_cpu_ms_per_request"
    rows = [
        [
            "aiohttp hello world (reference)",
            12,
            reference["failures"],
            reference["rps"],
            reference["p50_ms"],
            reference["p99_ms"],
            reference[cpu],
            None,
            None,
            None,
            None,
        ]
    ]
    for r in results:
        r["x_baseline_cpu"] = ratio(r[cpu], r["baseline"][cpu])
        rows.append(
            [
                r["case"],
                r["response_bytes"],
                r["failures"],
                r["rps"],
                r["p50_ms"],
                r["p99_ms"],
                r[cpu],
                r["baseline"]["rps"],
                r["baseline"][cpu],
                r["x_baseline_rps"],
                r["x_baseline_cpu"],
            ]
        )
    headers = [
        "case",
        "bytes",
        "fail",
        "req/s",
        "p50 ms",
        "p99 ms",
        "CPU ms/req",
        "baseline req/s",
        "baseline CPU ms/req",
        "req/s x base",
        "CPU x base",
    ]
    print_table(
        headers,
        rows,
        title=f"{args.concurrency} concurrent connections, {total:,} requests per case, loopback,"
        f" {os.cpu_count()} CPUs; baseline = bare aiohttp handler, same method, request "
        "body and response size, run right before the case; CPU = server process CPU time",
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
                "baseline": "bare aiohttp handler, same method/body/response size",
            },
            "reference_hello_world": reference,
            "results": results,
            "emulator_peak_concurrent_connections": peak,
        },
    )


if __name__ == "__main__":
    main()
