"""Search while videos are being indexed: what the GIN indexes' pending lists cost a search.

    python bench/search_live.py [--videos N] [--new-videos M] [--rounds R] [--json PATH]

New index entries go to a GIN index's pending list first, merged into the index when the list
passes `gin_pending_list_limit` or at VACUUM, and every search reads the whole list for its
words. On bench/search.py's corpus (build it first: `bench/search.py --build-only`), for each
limit (PostgreSQL's default, 4 MB; migration 0019's 1 MB; 256 kB), in alternating rounds:
1. the pending lists emptied (gin_clean_pending_list), the query mix timed through the
   selector: the baseline;
2. M new videos added with their transcripts in one transaction (copies of existing ones,
   under ids no YouTube video has), the insert timed: the write cost;
3. the mix timed again with what the inserts left pending, and the pending pages counted;
4. the lists merged (timed: the rest of the write cost), the new videos deleted, VACUUM.
Reports p50 per kind with the pending list against the baseline of the same round (the
ratio), and the write cost per setting. The indexes keep migration 0019's setting afterwards.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from importlib import import_module
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench._common import base_parser, percentile, print_table, ratio, write_json

KINDS = ("rare", "phrase", "typo", "grouped", "video_search")
MARK = "~"  # a first character no YouTube id has: the copies' ids
SETTINGS = {"default (4 MB)": None, "1 MB": 1024, "256 kB": 256}

SOURCE = """
CREATE TEMP TABLE bench_source ON COMMIT DROP AS
    SELECT v.id FROM videos_video v JOIN videos_transcript t ON t.video_id = v.id
    WHERE t.status = 'fetched' AND v.id > %s ORDER BY v.id LIMIT %s
"""
# One statement each: the videos, their transcripts, their chunks (the triggers fill in the
# vectors, tiers and filter copies as for any insert).
COPY = [
    f"""INSERT INTO videos_video (channel_id, search_tier, published_at, duration_seconds,
    thumbnails, view_count, like_count, comment_count, details_fetched_at, created_at, updated_at,
    youtube_id, title, description, language, tags, source)
SELECT channel_id, 0, published_at, duration_seconds, thumbnails, view_count, like_count,
    comment_count, details_fetched_at, now(), now(), '{MARK}' || substr(youtube_id, 2), title,
    description, language, tags, source
FROM videos_video WHERE id IN (SELECT id FROM bench_source)""",
    f"""INSERT INTO videos_transcript (is_generated, fetched_at, video_id, status, language, error)
SELECT t.is_generated, t.fetched_at, n.id, t.status, t.language, t.error
FROM videos_transcript t JOIN videos_video o ON o.id = t.video_id
JOIN videos_video n ON n.youtube_id = '{MARK}' || substr(o.youtube_id, 2)
WHERE o.id IN (SELECT id FROM bench_source)""",
    f"""INSERT INTO videos_transcriptchunk (position, start, duration, text, transcript_id,
    video_id, segment_offsets, segment_starts)
SELECT c.position, c.start, c.duration, c.text, nt.id, n.id, c.segment_offsets,
    c.segment_starts
FROM videos_transcriptchunk c JOIN videos_video o ON o.id = c.video_id
JOIN videos_video n ON n.youtube_id = '{MARK}' || substr(o.youtube_id, 2)
JOIN videos_transcript nt ON nt.video_id = n.id
WHERE o.id IN (SELECT id FROM bench_source)""",
]
COPIES = f"SELECT id FROM videos_video WHERE youtube_id LIKE '{MARK}%'"
DELETE = [
    f"DELETE FROM videos_transcriptchunk WHERE video_id IN ({COPIES})",
    f"DELETE FROM videos_transcript WHERE video_id IN ({COPIES})",
    f"DELETE FROM videos_video WHERE id IN ({COPIES})",
]
GIN = (
    "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_am a ON a.oid = c.relam"
    " WHERE a.amname = 'gin' AND c.relkind = 'i' AND c.relname = ANY(%s)"
)


def search_indexes(migration) -> list[str]:
    """The search GIN indexes there are (the trigram ones only with pg_trgm)."""
    from django.db import connection

    names = [name for _m, name, _f, _t in migration.INDEXES] + migration.TRIGRAM_INDEXES
    with connection.cursor() as cursor:
        cursor.execute(GIN, [names])
        return [row[0] for row in cursor.fetchall()]


def set_limit(indexes: list[str], kb: int | None) -> None:
    from django.db import connection

    setting = "RESET (gin_pending_list_limit)"
    if kb is not None:
        setting = f"SET (gin_pending_list_limit = {kb:d})"
    with connection.cursor() as cursor:
        for index in indexes:
            cursor.execute(f"ALTER INDEX {index} {setting}")


def merge_pending(indexes: list[str]) -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for index in indexes:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
    return time.perf_counter() - started


def pending_pages(indexes: list[str]) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        cursor.execute(
            "SELECT coalesce(sum((pgstatginindex(i::regclass)).pending_pages), 0)"
            " FROM unnest(%s::text[]) i",
            [indexes],
        )
        return int(cursor.fetchone()[0])


def add_videos(count: int) -> tuple[float, int]:
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT max(id) / 2 FROM videos_video")
        middle = cursor.fetchone()[0]
        cursor.execute(SOURCE, [middle, count])
        for statement in COPY:
            cursor.execute(statement)
        cursor.execute(f"SELECT count(*) FROM videos_transcriptchunk WHERE video_id IN ({COPIES})")
        chunks = cursor.fetchone()[0]
    return time.perf_counter() - started, chunks


def remove_videos() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in DELETE:
            cursor.execute(statement)
        cursor.execute("VACUUM videos_transcriptchunk")
        cursor.execute("VACUUM videos_video")


def time_mix(corpus, queries) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {}
    for _ in range(3):
        for kind, q, f in queries:
            started = time.perf_counter()
            corpus.selector_call(q, f)
            samples.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=100_000)
    parser.add_argument("--new-videos", type=int, default=350)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.new_videos = 1, 50

    import search as corpus

    database_url = os.environ.get("BENCH_DATABASE_URL", corpus.DEFAULT_DB).format(
        videos=args.videos
    )
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 44)
    corpus.setup_django(database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    remove_videos()  # left over from an interrupted run
    migration = import_module("videos.migrations.0019_search_gin_pending_list")
    indexes = search_indexes(migration)
    queries = [q for q in corpus.make_queries(29) if q[0] in KINDS]
    for _kind, q, f in queries:  # warm: buffers, prepared statements, generic plans
        corpus.selector_call(q, f)

    runs: dict[str, list[dict]] = {name: [] for name in SETTINGS}
    try:
        for rnd in range(args.rounds):
            order = list(SETTINGS) if rnd % 2 == 0 else list(SETTINGS)[::-1]
            for name in order:
                set_limit(indexes, SETTINGS[name])
                merge_pending(indexes)
                clean = time_mix(corpus, queries)
                insert_seconds, chunks = add_videos(args.new_videos)
                pages = pending_pages(indexes)
                live = time_mix(corpus, queries)
                merge_seconds = merge_pending(indexes)
                remove_videos()
                runs[name].append(
                    {
                        "chunks": chunks,
                        "insert_s": insert_seconds,
                        "merge_s": merge_seconds,
                        "pending_pages": pages,
                        "clean": clean,
                        "live": live,
                    }
                )
    finally:
        set_limit(indexes, migration.PENDING_KB)

    rows, results = [], {}
    for name, done in runs.items():
        figures = {
            "chunks_added": done[0]["chunks"],
            "pending_pages": round(statistics.fmean(r["pending_pages"] for r in done)),
            "insert_s": round(statistics.fmean(r["insert_s"] for r in done), 3),
            "merge_s": round(statistics.fmean(r["merge_s"] for r in done), 3),
        }
        figures["write_s"] = round(figures["insert_s"] + figures["merge_s"], 3)
        for kind in KINDS:
            clean = [v for r in done for v in r["clean"][kind]]
            live = [v for r in done for v in r["live"][kind]]
            figures[f"{kind}_clean_p50"] = round(percentile(clean, 50), 3)
            figures[f"{kind}_live_p50"] = round(percentile(live, 50), 3)
            figures[f"{kind}_ratio_p50"] = ratio(percentile(live, 50), percentile(clean, 50))
        results[name] = figures
        rows.append(
            [
                name,
                figures["pending_pages"],
                figures["write_s"],
                *(
                    f"{figures[f'{k}_clean_p50']:.2f} -> {figures[f'{k}_live_p50']:.2f}"
                    f" ({figures[f'{k}_ratio_p50']:.2f})"
                    for k in KINDS
                ),
            ]
        )
    print_table(
        ["pending list limit", "pending pages", "write s", *(f"{k} p50 ms" for k in KINDS)],
        rows,
        title=(
            f"selector p50, pending lists empty -> after {args.new_videos} new videos"
            f" ({next(iter(results.values()))['chunks_added']:,} chunks), {args.rounds} rounds"
        ),
    )
    write_json(
        args.json,
        "search_live",
        {"new_videos": args.new_videos, "rounds": args.rounds, "settings": results},
    )


if __name__ == "__main__":
    main()
