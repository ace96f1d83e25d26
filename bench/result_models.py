"""What building a result page's model instances without Model.__init__ saves.

    python bench/result_models.py [--videos N] [--quick] [--rounds R] [--json PATH]

On the corpus bench/search.py builds (its database, read only), bench/search.py's query mix
through the selector (cache off), every query run twice in a row, alternately first: once
with the selector's `_from_row` (instances without Model.__init__, videos/selectors.py) and
once with Django's `Model.from_db`, which it replaces. Reports p50/p95 per kind for both and
the ratio (without __init__ / from_db), and the same for loading one page of 20 videos alone
(`_videos_by_id`).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import base_parser, percentile, print_table, ratio, setup_django, write_json


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args()
    n_videos = args.videos or (2_000 if args.quick else 100_000)
    rounds = args.rounds or (1 if args.quick else 3)
    from bench.search import DEFAULT_DB

    setup_django(os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB).format(videos=n_videos))
    from django.db import connection

    from bench.search import KINDS, make_queries, selector_call, stored_corpus
    from videos import selectors

    build = stored_corpus()
    if not build or build.get("videos") != n_videos:
        sys.exit(f"no {n_videos:,}-video corpus: run bench/search.py --build-only first")

    def from_db(model, names, converters, values):
        values = list(values)
        for i, convert in converters:
            values[i] = convert(values[i], None, connection)
        return model.from_db("default", names, values)

    ways = {"from_db": from_db, "without_init": selectors._from_row}
    queries = make_queries(4 if args.quick else 29)
    for _kind, q, filters in queries:  # warm the buffer cache and the plans
        selector_call(q, filters)
    samples: dict[str, dict[str, list[float]]] = {}

    def timed(name: str, call) -> float:
        selectors._from_row = ways[name]
        started = time.perf_counter()
        call()
        return (time.perf_counter() - started) * 1000

    page = list(range(1, 21))
    try:
        for r in range(rounds):
            for i, (kind, q, filters) in enumerate(queries):
                order = list(ways) if (i + r) % 2 else list(reversed(ways))
                for name in order:
                    ms = timed(name, lambda q=q, f=filters: selector_call(q, f))
                    samples.setdefault(kind, {w: [] for w in ways})[name].append(ms)
            for i in range(100):
                for name in list(ways) if i % 2 else list(reversed(ways)):
                    ms = timed(name, lambda: selectors._videos_by_id(page))
                    samples.setdefault("videos_by_id", {w: [] for w in ways})[name].append(ms)
    finally:
        selectors._from_row = ways["without_init"]
    rows, results = [], {}
    for kind in (*KINDS, "videos_by_id"):
        base, new = samples[kind]["from_db"], samples[kind]["without_init"]
        figures = {
            "from_db_p50": round(percentile(base, 50), 2),
            "from_db_p95": round(percentile(base, 95), 2),
            "without_init_p50": round(percentile(new, 50), 2),
            "without_init_p95": round(percentile(new, 95), 2),
        }
        figures["ratio_p50"] = ratio(figures["without_init_p50"], figures["from_db_p50"])
        results[kind] = figures
        rows.append([kind, *figures.values()])
    headers = ["kind", "from_db p50", "p95", "without __init__ p50", "p95", "ratio p50"]
    print_table(headers, rows, title=f"selector, {len(queries)} queries x {rounds} rounds (ms)")
    write_json(args.json, "result_models", {"videos": n_videos, "rounds": rounds, **results})


if __name__ == "__main__":
    main()
