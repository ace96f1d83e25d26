"""Search engine code of a git revision against the working tree's, query by query, in one process.

    python bench/search_ab.py [--base REV] [--rounds R] [--kinds rare,common,...] [--json PATH]

Runs bench/search.py's query mix (its corpus must be built: `bench/search.py --build-only`)
through the selector, alternating for every query between the PostgreSQL engine of REV
(videos/search/postgres.py, filters.py, trigram.py and prepared.py as they were there, loaded
as modules of their own) and the working tree's, in alternating order, so both see the same
machine at the same moment.
Separate runs of bench/search.py on these machines differed by up to 40 % from one another;
the ratio of an interleaved pair moved by a few percent.

Reports p50/p95/p99 per kind for both and the ratio (working tree / base), and how many of the
mix's first pages differ between them (ids and order). Only those four modules are swapped: the
query parser, selector and schema are the working tree's for both, so REV must run on the
current schema (an engine that ignores a newer column is fine).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench._common import ROOT, base_parser, percentile, print_table, ratio, write_json

MODULES = ("prepared", "trigram", "filters", "postgres")


def load_engine(rev: str, into: Path):
    """PostgresBackend of `rev`: its prepared.py, trigram.py, filters.py and postgres.py as
    modules of their own, the last one using the others."""
    loaded = {}
    for name in MODULES:
        source = subprocess.run(
            ["git", "show", f"{rev}:videos/search/{name}.py"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        path = into / f"{name}_base.py"
        path.write_text(source)
        module_name = f"videos.search.{name}_base"
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
        loaded[name] = module
    engine = loaded["postgres"]
    engine.prepared_cursor = loaded["prepared"].prepared_cursor
    engine.trigram = loaded["filters"].trigram = loaded["trigram"]
    for name, value in vars(engine).copy().items():
        if getattr(value, "__module__", None) == "videos.search.filters" or name.endswith("_TABLE"):
            setattr(engine, name, getattr(loaded["filters"], name))
    return engine.PostgresBackend()


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--base", default="HEAD", help="git revision to compare with")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--videos", type=int, default=100_000)
    parser.add_argument("--kinds", default="", help="comma-separated; default every kind")
    args = parser.parse_args()
    if args.quick:
        args.rounds = 1

    import search as corpus

    database_url = os.environ.get("BENCH_DATABASE_URL", corpus.DEFAULT_DB).format(
        videos=args.videos
    )
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 44)
    corpus.setup_django(database_url)
    from videos import search
    from videos.search.postgres import PostgresBackend

    kinds = [k for k in args.kinds.split(",") if k] or list(corpus.KINDS)
    queries = [q for q in corpus.make_queries(29) if q[0] in kinds]
    with tempfile.TemporaryDirectory() as tmp:
        engines = {"base": load_engine(args.base, Path(tmp)), "tree": PostgresBackend()}
        search._backend.cache_clear()
        original = search.get_backend

        def use(name: str) -> None:
            search.get_backend = lambda: engines[name]

        try:
            pages: dict[str, list] = {}
            for name in engines:  # warm: buffers, prepared statements, generic plans
                use(name)
                pages[name] = []
                for _kind, q, f in queries:
                    corpus.selector_call(q, f)
                    page = corpus.selector_call(q, f)
                    pages[name].append([h.video.youtube_id for h in page.hits])
            samples: dict[tuple[str, str], list[float]] = {}
            for rnd in range(args.rounds):
                for kind, q, f in queries:
                    for name in list(engines) if rnd % 2 == 0 else list(engines)[::-1]:
                        use(name)
                        started = time.perf_counter()
                        corpus.selector_call(q, f)
                        elapsed = (time.perf_counter() - started) * 1000
                        samples.setdefault((name, kind), []).append(elapsed)
        finally:
            search.get_backend = original

    rows, results = [], {}
    for kind in kinds:
        base, tree = samples[("base", kind)], samples[("tree", kind)]
        figures = {
            f"{name}_{p}": round(percentile(values, p), 3)
            for name, values in (("base", base), ("tree", tree))
            for p in (50, 95, 99)
        }
        figures["ratio_p50"] = ratio(percentile(tree, 50), percentile(base, 50))
        figures["ratio_p99"] = ratio(percentile(tree, 99), percentile(base, 99))
        results[kind] = figures
        rows.append(
            [
                kind,
                "/".join(f"{figures[f'base_{p}']:.2f}" for p in (50, 95, 99)),
                "/".join(f"{figures[f'tree_{p}']:.2f}" for p in (50, 95, 99)),
                figures["ratio_p50"],
                figures["ratio_p99"],
            ]
        )
    changed = [
        (kind, q)
        for (kind, q, _f), a, b in zip(queries, pages["base"], pages["tree"], strict=True)
        if a != b
    ]
    print_table(
        ["kind", f"{args.base} p50/95/99 ms", "tree p50/95/99 ms", "ratio p50", "ratio p99"],
        rows,
        title=f"selector, {len(queries)} queries x {args.rounds} rounds, interleaved",
    )
    by_kind = dict(Counter(kind for kind, _q in changed))
    print(f"\nfirst pages that differ: {len(changed)} of {len(queries)} {by_kind}")
    write_json(
        args.json,
        "search_ab",
        {
            "base": args.base,
            "rounds": args.rounds,
            "kinds": results,
            "pages_changed": len(changed),
            "pages_changed_by_kind": by_kind,
            "pages_compared": len(queries),
        },
    )


if __name__ == "__main__":
    main()
