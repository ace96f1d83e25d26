"""How fast do videos go into the index? Bulk upsert (INSERT ... ON CONFLICT) of new videos and
of videos already present, against a per-row update_or_create loop as the baseline.

    python bench/upsert.py [--quick] [--json PATH] [--videos N] [--batch B]

Runs on its own database (DATABASE_URL's server, database tubeindex_bench_upsert), created and
migrated on the fly, so it never touches your data.
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import (
    base_parser,
    prepare_database,
    print_table,
    ratio,
    setup_django,
    stopwatch,
    write_json,
)

BENCH_DB = "tubeindex_bench_upsert"


def make_videos(n: int, seed: int = 7) -> list:
    from videos.parsing import VideoData

    rng = random.Random(seed)
    words = "python django celery search index video lecture rust async talk demo".split()
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return [
        VideoData(
            youtube_id=f"bench{i:06d}".ljust(11, "x")[:11],
            title=" ".join(rng.choices(words, k=6)),
            description=" ".join(rng.choices(words, k=40)),
            channel_id=f"UCbench{i % 200:04d}",
            channel_title=f"Channel {i % 200}",
            published_at=start + timedelta(minutes=i),
            duration_seconds=rng.randint(30, 7200),
            view_count=rng.randint(0, 10**7),
            like_count=rng.randint(0, 10**5),
            comment_count=rng.randint(0, 10**4),
            language="en",
            tags=rng.sample(words, 3),
        )
        for i in range(n)
    ]


def bulk(videos: list, batch: int) -> None:
    from videos.services import video_upsert_many

    for i in range(0, len(videos), batch):
        video_upsert_many(videos=videos[i : i + batch])


def per_row(videos: list) -> None:
    from videos.models import Channel, Video

    for v in videos:
        channel, _ = Channel.objects.update_or_create(
            youtube_id=v.channel_id, defaults={"title": v.channel_title}
        )
        Video.objects.update_or_create(
            youtube_id=v.youtube_id,
            defaults={
                "channel": channel,
                "title": v.title,
                "description": v.description,
                "published_at": v.published_at,
                "duration_seconds": v.duration_seconds,
                "view_count": v.view_count,
                "like_count": v.like_count,
                "comment_count": v.comment_count,
                "language": v.language,
                "tags": v.tags,
            },
        )


def reset_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE videos_video, videos_channel RESTART IDENTITY CASCADE")


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=None)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    n = args.videos or (2_000 if args.quick else 20_000)
    n_baseline = min(n, 1_000 if args.quick else 2_000)

    setup_django(prepare_database(BENCH_DB))
    videos = make_videos(n)

    results = []
    for label, fn, size in (
        ("bulk upsert, new", lambda: bulk(videos, args.batch), n),
        ("bulk upsert, already present", lambda: bulk(videos, args.batch), n),
    ):
        with stopwatch() as t:
            fn()
        results.append({"case": label, "videos": size, "seconds": round(t["seconds"], 3)})

    reset_tables()
    sample = videos[:n_baseline]
    for label in ("per-row update_or_create, new", "per-row update_or_create, present"):
        with stopwatch() as t:
            per_row(sample)
        results.append({"case": label, "videos": n_baseline, "seconds": round(t["seconds"], 3)})
    reset_tables()

    for r in results:
        r["videos_per_s"] = round(r["videos"] / r["seconds"], 1)
    baseline_new, baseline_present = results[2]["videos_per_s"], results[3]["videos_per_s"]
    results[0]["ratio_vs_baseline"] = ratio(results[0]["videos_per_s"], baseline_new)
    results[1]["ratio_vs_baseline"] = ratio(results[1]["videos_per_s"], baseline_present)

    print_table(
        ["case", "videos", "seconds", "videos/s", "× baseline"],
        [
            [r["case"], r["videos"], r["seconds"], r["videos_per_s"], r.get("ratio_vs_baseline")]
            for r in results
        ],
        title=f"Video upsert rate (batch {args.batch})",
    )
    write_json(
        args.json,
        "upsert",
        {
            "params": {"videos": n, "baseline_videos": n_baseline, "batch": args.batch},
            "results": results,
        },
    )


if __name__ == "__main__":
    main()
