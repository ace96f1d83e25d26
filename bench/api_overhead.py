"""What GET /api/search/ adds to the search itself: parameters, cache, DRF, JSON, the handler.

    python bench/api_overhead.py [--videos N] [--quick] [--json PATH] [--http] [--profile PATH]
                                 [--dump PATH]

On the corpus bench/search.py builds (its database, read only: no migrate, no writes but the
search cache's version bump, in REDIS_URL), for bench/search.py's query mix, every query
timed in one process through each layer in turn, interleaved round after round:

- selector: `video_search` with the cache off (bench/search.py's selector column);
- params: `search_from_params` (parameter validation, the cache's version, miss and write);
- wsgi: the whole Django stack as gunicorn calls it (Django's WSGI handler with the
  environ of a RequestFactory request: middleware, DRF, JSON rendering, request_finished);
- http (--http): gunicorn as bench/search.py starts it, one kept-alive connection;
- cached: the wsgi layer's request once more, answered from the cache (no overhead column:
  what is left of a request without the engine's statements, with little noise).

The cache version is bumped before every call but the selector's, so every request computes.
Each layer's figure per query is its best over the rounds (the 2 cores are shared with
PostgreSQL and whatever else runs: the minimum is what the code costs, the rest is noise);
the overhead is that minus the selector's best for the same query. --profile writes cProfile
stats of the wsgi layer, --dump every response body (to compare the JSON before and after a
change).
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import secrets
import signal
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import base_parser, percentile, print_table, setup_django, write_json

LAYERS = ("selector", "params", "wsgi", "http", "cached")
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/tubeindex_bench_{videos}"


def api_params(q: str, filters: dict, page_size: int) -> dict[str, str]:
    """The query string bench/search.py sends for (q, filters)."""
    params = {"q": q, "page_size": str(page_size), **filters}
    if "language" in params:
        params["lang"] = params.pop("language")
    return params


class Layers:
    """One callable per layer, each timing one search of (q, filters)."""

    def __init__(self, page_size: int, port: int | None) -> None:
        from django.test import RequestFactory

        from config.wsgi import application

        self.page_size = page_size
        self.port = port
        self.factory = RequestFactory()
        self.application = application

    def selector(self, q: str, filters: dict) -> float:
        from bench.search import selector_call

        started = time.perf_counter()
        selector_call(q, filters)
        return time.perf_counter() - started

    def params(self, q: str, filters: dict) -> float:
        from django.http import QueryDict

        from videos.api.search import search_from_params
        from videos.search.cache import bump_version

        query = urllib.parse.urlencode(api_params(q, filters, self.page_size))
        bump_version()
        started = time.perf_counter()
        search_from_params(QueryDict(query))
        return time.perf_counter() - started

    def wsgi_body(self, q: str, filters: dict, profiler=None, bump=True) -> tuple[float, bytes]:
        from videos.search.cache import bump_version

        environ = self.factory.get("/api/search/", api_params(q, filters, self.page_size)).environ
        status: list[str] = []
        if bump:
            bump_version()
        if profiler:
            profiler.enable()
        started = time.perf_counter()
        response = self.application(environ, lambda s, headers, exc_info=None: status.append(s))
        body = b"".join(response)
        response.close()  # what a WSGI server does: fires request_finished
        seconds = time.perf_counter() - started
        if profiler:
            profiler.disable()
        if not status[0].startswith("200"):
            raise RuntimeError(f"{q!r} {filters}: {status[0]} {body[:200]!r}")
        return seconds, body

    def wsgi(self, q: str, filters: dict) -> float:
        return self.wsgi_body(q, filters)[0]

    def cached(self, q: str, filters: dict) -> float:
        """The same request answered from the cache: everything but the engine's statements,
        with a fraction of the noise (the figure to compare changes above the engine by)."""
        self.wsgi_body(q, filters, bump=False)
        return self.wsgi_body(q, filters, bump=False)[0]

    def http(self, q: str, filters: dict) -> float:
        from bench.search import api_url, http_get
        from videos.search.cache import bump_version

        url = api_url(self.port, q, filters)
        bump_version()
        return http_get(url)


def run_rounds(layers: Layers, names: list[str], queries: list, rounds: int) -> dict:
    """{layer: [[seconds per round] per query]}, the layers' order rotating every round."""
    samples: dict[str, list[list[float]]] = {name: [[] for _ in queries] for name in names}
    for round_ in range(rounds):
        for i, (_kind, q, filters) in enumerate(queries):
            for k in range(len(names)):
                name = names[(round_ + k) % len(names)]
                samples[name][i].append(getattr(layers, name)(q, filters))
    return samples


def summarize(queries: list, samples: dict, kinds: tuple[str, ...]) -> dict:
    best = {
        name: [min(per_round) * 1000 for per_round in per_query]
        for name, per_query in samples.items()
    }
    figures: dict[str, dict] = {}
    for kind in kinds:
        at = [i for i, (k, _q, _f) in enumerate(queries) if k == kind]
        if not at:
            continue
        base = [best["selector"][i] for i in at]
        figures[kind] = {"queries": len(at), "selector_ms": _p(base)}
        for name in best:
            if name == "selector":
                continue
            figures[kind][f"{name}_ms"] = _p([best[name][i] for i in at])
            if name != "cached":
                extra = [best[name][i] - best["selector"][i] for i in at]
                figures[kind][f"{name}_overhead_ms"] = _p(extra)
    return figures


def _p(values: list[float]) -> dict[str, float]:
    return {f"p{p}": round(percentile(values, p), 2) for p in (50, 95)}


def profile_wsgi(layers: Layers, queries: list, path: Path | None, top: int) -> str:
    profiler = cProfile.Profile()
    for _kind, q, filters in queries:
        layers.wsgi_body(q, filters, profiler)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    if path:
        stats.dump_stats(path)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=None)
    parser.add_argument("--per-kind", type=int, default=None, help="queries of each kind")
    parser.add_argument("--rounds", type=int, default=None, help="times each query runs")
    parser.add_argument("--kinds", default="rare,common,filtered,prefix,video_search")
    parser.add_argument("--http", action="store_true", help="also through gunicorn")
    parser.add_argument("--port", type=int, default=8792)
    parser.add_argument("--profile", type=Path, default=None, help="cProfile stats file")
    parser.add_argument("--top", type=int, default=30, help="functions in the printed profile")
    parser.add_argument("--dump", type=Path, default=None, help="write every response body")
    args = parser.parse_args()
    n_videos = args.videos or (2_000 if args.quick else 100_000)
    per_kind = args.per_kind or (4 if args.quick else 12)
    rounds = args.rounds or (3 if args.quick else 5)
    kinds = tuple(args.kinds.split(","))
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB).format(videos=n_videos)
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    os.environ.setdefault("LOG_LEVEL", "warning")
    setup_django(database_url)
    from bench.search import PAGE, make_queries, start_server, stored_corpus

    build = stored_corpus()
    if not build or build.get("videos") != n_videos:
        sys.exit(f"no {n_videos:,}-video corpus in {database_url}: run bench/search.py first")
    queries = [query for query in make_queries(per_kind) if query[0] in kinds]
    names = ["selector", "params", "wsgi", "cached"]
    server = start_server(database_url, args.port) if args.http else None
    if server:
        names.insert(3, "http")
    try:
        layers = Layers(PAGE, args.port)
        run_rounds(layers, names, queries, 1)  # warm buffers, plans, prepared statements
        samples = run_rounds(layers, names, queries, rounds)
    finally:
        if server:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    figures = summarize(queries, samples, kinds)
    rows = []
    for kind, f in figures.items():
        row = [kind, f["queries"], f"{f['selector_ms']['p50']}/{f['selector_ms']['p95']}"]
        for name in names[1:-1]:
            total, extra = f[f"{name}_ms"], f[f"{name}_overhead_ms"]
            row += [f"{total['p50']}/{total['p95']}", f"+{extra['p50']}/+{extra['p95']}"]
        rows.append([*row, f"{f['cached_ms']['p50']}/{f['cached_ms']['p95']}"])
    headers = ["kind", "n", "selector p50/95 ms"]
    for name in names[1:-1]:
        headers += [f"{name} p50/95", f"{name} overhead p50/95"]
    headers.append("cached p50/95")
    print_table(
        headers,
        rows,
        title=f"API overhead, {build['videos']:,} videos, best of {rounds} rounds per query",
    )
    print(profile_wsgi(layers, queries, args.profile, args.top))
    if args.dump:
        bodies = [
            {"q": q, "filters": f, "body": json.loads(layers.wsgi_body(q, f)[1])}
            for _k, q, f in queries
        ]
        args.dump.write_text(json.dumps(bodies, indent=1, sort_keys=False) + "\n")
        print(f"wrote {args.dump}")
    write_json(
        args.json,
        "api_overhead",
        {
            "params": {
                "videos": n_videos,
                "per_kind": per_kind,
                "rounds": rounds,
                "kinds": kinds,
                "layers": names,
                "page_size": PAGE,
            },
            "kinds": figures,
            "queries": [{"kind": k, "q": q, "filters": f} for k, q, f in queries],
        },
    )


if __name__ == "__main__":
    main()
