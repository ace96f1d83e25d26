"""Shared helpers for benchmarks: one contract for every script in bench/.

    python bench/NAME.py [--quick] [--json PATH]

Each script prints a table and writes a JSON file with its parameters and every figure it
printed (ratios included). Machines here are noisy, so compare against a baseline measured in
the same run and report the ratio.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"


def base_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="small sizes, about a minute")
    parser.add_argument("--json", type=Path, default=None, help="where to write the results")
    return parser


def setup_django(database_url: str | None = None) -> None:
    """Configure Django for a benchmark, optionally on its own database."""
    sys.path.insert(0, str(ROOT))
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def prepare_database(name: str) -> str:
    """Create (if needed) and migrate database `name` on DATABASE_URL's server; its URL.

    Benchmarks run on their own database so they never touch anyone's data.
    """
    import subprocess

    import environ

    base = environ.Env.db_url_config(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tubeindex")
    )
    host, port, user = base["HOST"] or "127.0.0.1", base["PORT"] or 5432, base["USER"] or "postgres"
    url = f"postgres://{user}@{host}:{port}/{name}"
    subprocess.run(
        ["createdb", "-h", str(host), "-p", str(port), "-U", user, name],
        capture_output=True,
        check=False,
    )
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0"], env=env, check=True
    )
    return url


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of values; nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summarize_ms(samples_s: Sequence[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples_s]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "mean_ms": round(statistics.fmean(ms), 3) if ms else math.nan,
    }


@contextmanager
def stopwatch() -> Iterator[dict[str, float]]:
    box: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield box
    finally:
        box["seconds"] = time.perf_counter() - start


def time_calls(fn: Callable[[], Any], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def ratio(value: float, baseline: float) -> float:
    return round(value / baseline, 3) if baseline else math.nan


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], title: str = "") -> None:
    cells = [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    if title:
        print(f"\n{title}")
    print("  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def write_json(path: Path | None, name: str, data: dict[str, Any]) -> Path:
    """Write results with the machine and the command that made them."""
    path = path or RESULTS_DIR / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": name,
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        **data,
    }
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    print(f"\nwrote {path}")
    return path


BENCH_API_KEY = "AIzaSyBenchKey000000000000000000000000"


def playlist_video_ids(base: str, playlist_id: str, n: int) -> list[str]:
    """The first n video ids of an emulator playlist, read through playlistItems.list."""
    import requests

    ids: list[str] = []
    token = None
    while len(ids) < n:
        params = {"part": "contentDetails", "playlistId": playlist_id, "maxResults": 50}
        params |= {"key": BENCH_API_KEY, **({"pageToken": token} if token else {})}
        page = requests.get(f"{base}/youtube/v3/playlistItems", params=params, timeout=30).json()
        ids += [item["contentDetails"]["videoId"] for item in page["items"]]
        token = page.get("nextPageToken")
        if not token:
            break
    return ids[:n]
