"""Search latency on a large corpus: PostgreSQL engine vs an in-process SQLite FTS5 baseline.

    python bench/search.py [--videos N] [--quick] [--json PATH] [--rebuild] [--selector-only]

Corpus: the YouTube emulator's deterministic generator (youtube_emulator.dataset), N videos
(default 100,000; --quick 2,000), their transcripts chunked by videos.services.chunk_segments
(~24 chunks a video), loaded in popularity order into its own database (BENCH_DATABASE_URL,
default tubeindex_bench_N) and into an FTS5 file under .data/bench/. The corpus is reused when
it is already there with the same size; --rebuild reloads it.

Queries: a fixed mix of 232 (--quick: 80), equal shares of rare word, common word, two-word
phrase, prefix, typo, filtered (dates, duration, language, channel), grouped (a topic or
playlist filter: the corpus has topics and playlists of 0.05-20 % of the videos, GROUPS) and
full video search. Every query returns what the search page shows: top 20 videos with their 3
best moments and highlighted snippets. Timed through the selector (cache off, warm database)
and through the HTTP API (gunicorn, one client, then 8 concurrent clients, each on a
kept-alive connection, and one client opening a new connection per request; cache version
bumped first so every request computes), and against FTS5
doing the same job (bm25 over every match, as yt-fts does), with the ratio per kind.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import random
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    ROOT,
    base_parser,
    percentile,
    print_table,
    ratio,
    setup_django,
    write_json,
)

KINDS = ("rare", "common", "phrase", "prefix", "typo", "filtered", "grouped", "video_search")
# One database per corpus size, so a --quick run never replaces the large corpus.
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/tubeindex_bench_{videos}"
PAGE = 20
STOP = {"the", "and", "to", "i", "you", "a", "it", "that", "of", "is", "in", "we", "this", "so"}


# --- corpus --------------------------------------------------------------------------------


def _dataset(n_videos: int):
    from youtube_emulator.config import DatasetConfig
    from youtube_emulator.dataset import Dataset

    config = DatasetConfig.preset("large")
    config.n_videos = n_videos
    config.n_channels = max(20, n_videos // 250)
    return Dataset(config, live_start=datetime(2026, 11, 1, tzinfo=UTC))


_WORKER_DS = None


def _init_worker(n_videos: int) -> None:
    global _WORKER_DS
    _WORKER_DS = _dataset(n_videos)


def _chunks_of(index: int) -> tuple[int, str, bool, list[tuple[int, float, float, str]]]:
    """(index, language, is_generated, chunks) of one video's preferred track."""
    from videos.services import Segment, chunk_segments

    ds = _WORKER_DS
    video = ds.video(index)
    tracks = ds.tracks(video)
    if not tracks:
        return index, "", False, []
    track = next((t for t in tracks if t.kind == "manual"), tracks[0])
    segments = [
        Segment(s.start, s.duration, s.text)
        for s in ds.iter_segments(video, track.language, track.kind)
    ]
    chunks = [(c.position, c.start, c.duration, c.text) for c in chunk_segments(segments)]
    return index, track.language, track.kind == "asr", chunks


# The corpus's topics and playlists (kind, name, share of all videos), for the `grouped` kind
# (a word with a topic or playlist filter): sizes either side of the 1,000 videos a filter's
# chunks were once read directly for, up to a fifth of all videos.
GROUPS = (
    ("topic", "bench topic small", 0.002),
    ("topic", "bench topic mid", 0.015),
    ("topic", "bench topic big", 0.2),
    ("playlist", "bench playlist small", 0.0005),
    ("playlist", "bench playlist mid", 0.03),
)


def group_members(name: str, share: float, n_videos: int) -> list[int]:
    """A group's video ids: a fixed sample of every tier alike."""
    return sorted(random.Random(name).sample(range(1, n_videos + 1), int(n_videos * share)))


def ensure_groups(n_videos: int, fts_path: Path) -> float | None:
    """The GROUPS in PostgreSQL (their rows' triggers copy them onto the chunks, migration 0018)
    and in the FTS5 file (table grp), unless there already; the seconds PostgreSQL took."""
    from django.db import connection

    from indexing.models import Topic
    from playlists.models import Playlist

    lite = sqlite3.connect(fts_path)
    lite.execute("CREATE TABLE IF NOT EXISTS grp(name TEXT, video_id INTEGER)")
    lite.execute("CREATE INDEX IF NOT EXISTS grp_name ON grp(name, video_id)")
    if lite.execute("SELECT count(*) FROM grp").fetchone()[0] == 0:
        for _kind, name, share in GROUPS:
            members = group_members(name, share, n_videos)
            lite.executemany("INSERT INTO grp VALUES (?, ?)", [(name, pk) for pk in members])
        lite.commit()
    lite.close()
    if Topic.objects.filter(name=GROUPS[0][1]).exists():
        return None
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for number, (kind, name, share) in enumerate(GROUPS):
            members = group_members(name, share, n_videos)
            if kind == "topic":
                topic = Topic.objects.create(name=name, query=name, is_active=False)
                cursor.execute(
                    "INSERT INTO indexing_topic_videos (topic_id, video_id)"
                    " SELECT %s, unnest(%s::bigint[])",
                    [topic.pk, members],
                )
            else:
                playlist = Playlist.objects.create(youtube_id=f"PLbench{number}", title=name)
                cursor.execute(
                    "INSERT INTO playlists_playlistitem (youtube_id, position, playlist_id,"
                    " video_id) SELECT 'bench' || %s || '-' || n, n - 1, %s, v"
                    " FROM unnest(%s::bigint[]) WITH ORDINALITY AS u(v, n)",
                    [number, playlist.pk, members],
                )
    return time.perf_counter() - started


def load_corpus(n_videos: int, fts_path: Path) -> dict:
    """Generate and load the corpus into PostgreSQL and FTS5; returns build figures."""
    from django.db import connection
    from psycopg.types.json import Jsonb

    from videos.models import TranscriptChunk, Video

    ds = _dataset(n_videos)
    videos = sorted(ds.iter_videos(n_videos), key=lambda v: (-v.views, v.index))
    pk_of = {v.index: rank + 1 for rank, v in enumerate(videos)}
    now = datetime.now(UTC)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE videos_transcriptchunk, videos_transcript, videos_video, videos_channel "
            "RESTART IDENTITY CASCADE"
        )
    indexes = [*Video._meta.indexes, *TranscriptChunk._meta.indexes]
    gin = [i for i in indexes if i.name.endswith("_gin")]
    with connection.schema_editor() as editor:
        for index in gin:
            editor.remove_index(Video if index in Video._meta.indexes else TranscriptChunk, index)
    fts_path.parent.mkdir(parents=True, exist_ok=True)
    fts_path.unlink(missing_ok=True)
    lite = sqlite3.connect(fts_path)
    lite.executescript(
        "CREATE TABLE video(id INTEGER PRIMARY KEY, youtube_id, title, channel, published,"
        " duration, language);"
        "CREATE VIRTUAL TABLE video_fts USING fts5(title, tags, description);"
        "CREATE VIRTUAL TABLE chunk_fts USING fts5(text, video_id UNINDEXED, start UNINDEXED);"
    )
    started = time.perf_counter()
    raw = connection.connection
    with raw.cursor() as cur:
        with cur.copy(
            "COPY videos_channel (id, youtube_id, title, description, thumbnails,"
            " created_at, updated_at) FROM STDIN"
        ) as copy:
            for ch in ds.channels:
                copy.write_row((ch.index + 1, ch.id, ch.title, ch.description, Jsonb({}), now, now))
        with cur.copy(
            "COPY videos_video (id, youtube_id, channel_id, title, description, published_at,"
            " duration_seconds, thumbnails, view_count, like_count, comment_count, language,"
            " tags, source, created_at, updated_at, search_tier) FROM STDIN"
        ) as copy:
            for rank, v in enumerate(videos):
                published = datetime.fromtimestamp(v.published_at, UTC)
                copy.write_row(
                    (
                        rank + 1,
                        v.id,
                        v.channel_index + 1,
                        v.title,
                        v.description,
                        published,
                        v.duration_s,
                        Jsonb({}),
                        v.views,
                        v.likes,
                        v.comments,
                        v.language,
                        list(v.tags),
                        "topic" if v.index % 3 else "playlist",
                        now,
                        now,
                        tier_of(rank + 1, len(videos)),
                    )
                )
                lite.execute(
                    "INSERT INTO video VALUES (?,?,?,?,?,?,?)",
                    (
                        rank + 1,
                        v.id,
                        ds.channels[v.channel_index].title,
                        v.title,
                        v.published_at,
                        v.duration_s,
                        v.language,
                    ),
                )
                lite.execute(
                    "INSERT INTO video_fts(rowid, title, tags, description) VALUES (?,?,?,?)",
                    (rank + 1, v.title, " ".join(v.tags), v.description),
                )
    raw.commit()
    lite.commit()  # ensure_groups writes the FTS5 file through a connection of its own
    # Before the chunks, so their insert trigger copies the groups (as indexing does).
    ensure_groups(n_videos, fts_path)
    n_chunks = 0
    fts_seconds = 0.0
    order = [v.index for v in videos]
    transcripts: list[int] = []
    with multiprocessing.get_context("fork").Pool(
        2, initializer=_init_worker, initargs=(n_videos,)
    ) as pool:
        batch: list[tuple[int, str, bool, list]] = []
        for index, language, generated, chunks in pool.imap(_chunks_of, order, chunksize=64):
            if chunks:
                batch.append((pk_of[index], language, generated, chunks))
                transcripts.append(pk_of[index])
            if len(batch) >= 2000:
                n_chunks += _copy_batch(raw, batch, now, len(videos))
                fts_seconds += _fts_chunks(lite, batch)
                batch = []
        n_chunks += _copy_batch(raw, batch, now, len(videos))
        fts_seconds += _fts_chunks(lite, batch)
    raw.commit()
    load_seconds = time.perf_counter() - started - fts_seconds
    started = time.perf_counter()
    with connection.schema_editor() as editor:
        for index in gin:
            editor.add_index(Video if index in Video._meta.indexes else TranscriptChunk, index)
    with connection.cursor() as cursor:
        for table in ("videos_channel", "videos_video", "videos_transcript"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        cursor.execute("VACUUM ANALYZE videos_video")
        cursor.execute("VACUUM ANALYZE videos_transcriptchunk")
        cursor.execute("VACUUM ANALYZE videos_channel")  # the typo pass plans on its size
    index_seconds = time.perf_counter() - started
    started = time.perf_counter()
    lite.commit()
    lite.execute("INSERT INTO chunk_fts(chunk_fts) VALUES('optimize')")
    lite.commit()
    lite.close()
    fts_seconds += time.perf_counter() - started
    build = {
        "videos": len(videos),
        "chunks": n_chunks,
        "transcripts": len(transcripts),
        "pg_load_seconds": round(load_seconds, 1),
        "pg_index_seconds": round(index_seconds, 1),
        "fts5_build_seconds": round(fts_seconds, 1),
    }
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text primary key, value jsonb)")
        cursor.execute(
            "INSERT INTO bench_meta VALUES ('corpus', %s) ON CONFLICT (key) DO UPDATE "
            "SET value = EXCLUDED.value",
            [Jsonb(build)],
        )
    return build


def tier_shares() -> dict[str, float]:
    from videos.search.tiers import COOL_SHARE, HOT_SHARE, PEAK_SHARE, TOP_SHARE, WARM_SHARE

    return {
        "peak": PEAK_SHARE,
        "to_top": TOP_SHARE,
        "to_hot": HOT_SHARE,
        "to_warm": WARM_SHARE,
        "to_cool": COOL_SHARE,
    }


def tier_of(pk: int, n_videos: int) -> int:
    """Videos are loaded in popularity order (pk 1 = most viewed), tiered as the rebuild does."""
    from videos.models import TIER_ORDER
    from videos.search.tiers import COOL_SHARE, HOT_SHARE, PEAK_SHARE, TOP_SHARE, WARM_SHARE

    shares = (PEAK_SHARE, TOP_SHARE, HOT_SHARE, WARM_SHARE, COOL_SHARE)
    for tier, share in zip(TIER_ORDER, shares, strict=False):
        if pk <= int(n_videos * share):
            return tier.value
    return TIER_ORDER[-1].value


def _copy_batch(raw, batch: list[tuple[int, str, bool, list]], now: datetime, n: int) -> int:
    """COPY a batch of transcripts, then their chunks (one COPY at a time per connection)."""
    count = 0
    with raw.cursor() as cur:
        with cur.copy(
            "COPY videos_transcript (id, video_id, language, is_generated, status, error,"
            " fetched_at) FROM STDIN"
        ) as copy:
            for pk, language, generated, _chunks in batch:
                copy.write_row((pk, pk, language, generated, "fetched", "", now))
        with cur.copy(
            "COPY videos_transcriptchunk (transcript_id, video_id, position, start, duration,"
            " text, search_tier) FROM STDIN"
        ) as copy:
            for pk, _language, _generated, chunks in batch:
                tier = tier_of(pk, n)
                for position, start, duration, text in chunks:
                    copy.write_row((pk, pk, position, start, duration, text, tier))
                    count += 1
    raw.commit()
    return count


def _fts_chunks(lite: sqlite3.Connection, batch: list[tuple[int, str, bool, list]]) -> float:
    started = time.perf_counter()
    lite.executemany(
        "INSERT INTO chunk_fts(text, video_id, start) VALUES (?,?,?)",
        ((text, pk, start) for pk, _lang, _gen, chunks in batch for _p, start, _d, text in chunks),
    )
    return time.perf_counter() - started


def stored_corpus() -> dict | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_meta')")
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute("SELECT value FROM bench_meta WHERE key = 'corpus'")
        row = cursor.fetchone()
    if not row:
        return None
    return json.loads(row[0]) if isinstance(row[0], str) else row[0]


def database_settings() -> dict:
    """The server settings that move these figures most (docs/OPERATIONS.md, "Memory")."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('shared_buffers'), current_setting('work_mem'),"
            " current_setting('server_version')"
        )
        shared_buffers, work_mem, version = cursor.fetchone()
    return {"pg_shared_buffers": shared_buffers, "pg_work_mem": work_mem, "pg_version": version}


def sizes(fts_path: Path) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_total_relation_size('videos_transcriptchunk'),"
            " pg_total_relation_size('videos_video'),"
            " (SELECT sum(pg_relation_size(indexrelid)) FROM pg_index i"
            "  JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam"
            "  WHERE a.amname = 'gin' AND i.indrelid IN"
            "  ('videos_transcriptchunk'::regclass, 'videos_video'::regclass))::bigint"
        )
        chunks, videos, gin = cursor.fetchone()
    return {
        "pg_total_mb": round((chunks + videos) / 2**20, 1),
        "pg_gin_mb": round(gin / 2**20, 1),
        "fts5_file_mb": round(fts_path.stat().st_size / 2**20, 1),
    }


# --- queries -------------------------------------------------------------------------------


def make_queries(per_kind: int, seed: int = 7) -> list[tuple[str, str, dict]]:
    """(kind, q, filters) drawn deterministically from the loaded corpus."""
    from django.db import connection

    rng = random.Random(seed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM videos_transcriptchunk WHERE id % 97 = 0 ORDER BY id")
        texts = [r[0] for r in cursor.fetchall()]
        cursor.execute("SELECT title FROM videos_channel ORDER BY id")
        channels = [r[0] for r in cursor.fetchall()]
        cursor.execute("SELECT title FROM videos_video WHERE id % 101 = 0 ORDER BY id")
        titles = [r[0] for r in cursor.fetchall()]
    # Words as people type them (not stemmed lexemes), ranked by how many chunks say them.
    df: Counter[str] = Counter()
    for text in texts:
        df.update({w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 3})
    # Ties broken by the word: most_common() keeps insertion order, which follows set iteration
    # order, i.e. the process's string hash seed, so the mix changed from run to run.
    ranked = [w for w, _ in sorted(df.items(), key=lambda kv: (-kv[1], kv[0])) if w not in STOP]
    # Only words the engine indexes: PostgreSQL's English stop words ("what", "have") find
    # nothing by design and would make "common word" queries trivially fast.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w FROM unnest(%s::text[]) WITH ORDINALITY AS t(w, n)"
            " WHERE numnode(plainto_tsquery('english', w)) > 0 ORDER BY n",
            [ranked[:400]],
        )
        ranked = [r[0] for r in cursor.fetchall()] + ranked[400:]
    common = ranked[:40]
    mid = ranked[40:200]
    rare = sorted(w for w, n in df.items() if n == 1 and len(w) > 6)
    title_words = sorted(
        {w for t in titles for w in re.findall(r"[a-z]+", t.lower()) if len(w) > 5}
    )
    queries: list[tuple[str, str, dict]] = []
    for _i in range(per_kind):
        queries.append(("rare", rng.choice(rare), {}))
        queries.append(("common", rng.choice(common), {}))
        words = [w for w in rng.choice(texts).lower().replace(",", "").replace(".", "").split()]
        words = [w for w in words if w.isalpha() and w not in STOP] or ["know", "people"]
        at = rng.randrange(max(1, len(words) - 1))
        queries.append(("phrase", '"' + " ".join(words[at : at + 2]) + '"', {}))
        word = rng.choice(common + mid)
        queries.append(("prefix", word[: rng.choice((3, 4))], {}))
        source = rng.choice(channels) if rng.random() < 0.5 else rng.choice(title_words)
        queries.append(("typo", _misspell(source, rng), {}))
        filters = rng.choice(
            [
                {"channel": rng.choice(channels)},
                {"after": "2026-01-01"},
                {"language": "en", "duration": "long"},
                {"transcript": "manual", "before": "2024-06-30"},
            ]
        )
        queries.append(("filtered", rng.choice(common + mid), filters))
        queries.append(("video_search", " ".join(rng.sample(mid, 2)), {}))
    # Drawn last, from their own generator, so the other kinds' queries stay what they were.
    grouped = random.Random(seed + 1)
    for _i in range(per_kind):
        kind, name, _share = grouped.choice(GROUPS)
        queries.append(("grouped", grouped.choice(common + mid), {kind: name}))
    return queries


def _misspell(name: str, rng: random.Random) -> str:
    """One letter of the name's longest word replaced by another."""
    word = max(re.findall(r"[a-z]+", name.lower()), key=len)
    at = rng.randrange(1, len(word) - 1) if len(word) > 3 else 1
    letter = rng.choice([c for c in "aeiouxz" if c != word[at]])
    return word[:at] + letter + word[at + 1 :]


def selector_call(q: str, filters: dict):
    from videos.search.query import filter_value
    from videos.search.types import SearchFilters
    from videos.selectors import video_search

    values: dict = {}
    for key, value in filters.items():
        values.update(filter_value("lang" if key == "language" else key, value))
    return video_search(q=q, filters=SearchFilters(**values), page_size=PAGE, use_cache=False)


# --- FTS5 baseline (the engine yt-fts uses: bm25 over every match) ---------------------------


def fts_expression(kind: str, q: str) -> tuple[str, str]:
    """(chunk MATCH, video MATCH) for a query of our syntax, as yt-fts would pass it."""
    words = re.findall(r"[^\W_]+", q.lower())
    if kind == "phrase":
        expr = '"' + " ".join(words) + '"'
    elif kind == "prefix":
        expr = f'"{words[0]}"*'
    else:
        expr = " AND ".join(f'"{w}"' for w in words)
    return expr, expr


def fts_call(lite: sqlite3.Connection, kind: str, q: str, filters: dict) -> int:
    chunk_match, video_match = fts_expression(kind, q)
    where, params = "", []
    if "channel" in filters:
        where, params = " AND v.channel = ?", [filters["channel"]]
    elif "after" in filters:
        where, params = " AND v.published >= ?", [datetime(2026, 1, 1, tzinfo=UTC).timestamp()]
    elif "language" in filters:
        where, params = " AND v.language = ? AND v.duration >= 1200", ["en"]
    elif "before" in filters:
        where, params = " AND v.published < ?", [datetime(2024, 7, 1, tzinfo=UTC).timestamp()]
    elif "topic" in filters or "playlist" in filters:
        where = " AND v.id IN (SELECT video_id FROM grp WHERE name = ?)"
        params = [filters.get("topic") or filters["playlist"]]
    videos = lite.execute(
        "SELECT v.id FROM video_fts f JOIN video v ON v.id = f.rowid WHERE video_fts MATCH ?"
        f"{where} ORDER BY bm25(video_fts, 10.0, 5.0, 2.0) LIMIT ?",
        [video_match, *params, PAGE],
    ).fetchall()
    # bm25 over every matching chunk (what yt-fts does), best 3 per video kept in Python.
    matches = lite.execute(
        "SELECT c.rowid, c.video_id, bm25(chunk_fts) AS r FROM chunk_fts c"
        " JOIN video v ON v.id = c.video_id"
        f" WHERE chunk_fts MATCH ?{where} ORDER BY r",
        [chunk_match, *params],
    ).fetchall()
    best: dict[int, list[int]] = {}
    for rowid, video_id, _r in matches:
        if video_id in best:
            if len(best[video_id]) < 3:
                best[video_id].append(rowid)
        elif len(best) < PAGE:
            best[video_id] = [rowid]
    ids = list(dict.fromkeys([r[0] for r in videos] + list(best)))[:PAGE]
    rowids = [rowid for video_id in ids for rowid in best.get(video_id, [])]
    if rowids:
        marks = ",".join("?" * len(rowids))
        lite.execute(
            "SELECT rowid, start, snippet(chunk_fts, 0, '<mark>', '</mark>', '…', 24)"
            f" FROM chunk_fts WHERE chunk_fts MATCH ? AND rowid IN ({marks})",
            [chunk_match, *rowids],
        ).fetchall()
    return len(ids)


# --- HTTP ----------------------------------------------------------------------------------


def start_server(database_url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "LOG_LEVEL": "warning",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "4",
            "-k",
            "gthread",
            "--threads",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search/?q=ready", timeout=10)
            return process
        except urllib.error.HTTPError:
            return process  # it answers: good enough, whatever health says of other parts
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def api_url(port: int, q: str, filters: dict) -> str:
    params = {"q": q, "page_size": PAGE, **filters}
    if "language" in params:
        params["lang"] = params.pop("language")
    return f"http://127.0.0.1:{port}/api/search/?{urllib.parse.urlencode(params)}"


_CLIENT = threading.local()


def http_get(url: str) -> float:
    """One request on this client thread's kept-alive connection, as a browser or an HTTP
    client session sends them (a new TCP connection per request cost ~3.4 ms more through
    gunicorn's gthread workers: see http_get_new_connection)."""
    parts = urllib.parse.urlsplit(url)
    for _attempt in range(2):
        started = time.perf_counter()
        connection = getattr(_CLIENT, "connection", None)
        if connection is None:
            connection = _CLIENT.connection = http.client.HTTPConnection(parts.netloc, timeout=60)
        try:
            connection.request("GET", f"{parts.path}?{parts.query}")
            response = connection.getresponse()
            response.read()
            break
        except (http.client.RemoteDisconnected, ConnectionError):
            # gunicorn closes a connection idle for more than its keep-alive (2 s): reconnect
            # and time the request again.
            connection.close()
            _CLIENT.connection = None
    else:
        raise RuntimeError(f"{url}: the server keeps closing the connection")
    if response.status != 200:
        raise RuntimeError(f"{url}: HTTP {response.status}")
    return time.perf_counter() - started


def http_get_new_connection(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: HTTP {response.status}")
    return time.perf_counter() - started


# --- run -----------------------------------------------------------------------------------


def by_kind(queries, samples) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for (kind, _q, _f), seconds in zip(queries, samples, strict=True):
        out[kind].append(seconds * 1000)
    return out


def stats(values: list[float]) -> dict[str, float]:
    return {f"p{p}": round(percentile(values, p), 2) for p in (50, 95, 99)}


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=None)
    parser.add_argument("--rebuild", action="store_true", help="reload the corpus")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--build-only", action="store_true", help="load the corpus and stop")
    parser.add_argument(
        "--selector-only",
        action="store_true",
        help="while iterating: time the selector only (no FTS5 baseline, no HTTP API); the"
        " figures to report come from a full run",
    )
    args = parser.parse_args()
    n_videos = args.videos or (2_000 if args.quick else 100_000)
    per_kind = 10 if args.quick else 29  # 8 kinds: 80 or 232 queries
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB).format(videos=n_videos)
    _ensure_database(database_url)
    setup_django(database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    fts_path = ROOT / ".data" / "bench" / f"search-fts5-{n_videos}.sqlite"
    build = stored_corpus()
    if args.rebuild or not build or build.get("videos") != n_videos or not fts_path.exists():
        print(f"building corpus: {n_videos:,} videos ...", flush=True)
        build = load_corpus(n_videos, fts_path)
        build["reused"] = False
    else:
        build["reused"] = True
        groups_seconds = ensure_groups(n_videos, fts_path)
        if groups_seconds is not None:
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE videos_transcriptchunk")
            build["groups_added_seconds"] = round(groups_seconds, 1)
    build.update(sizes(fts_path))
    build.update(database_settings())
    print(json.dumps(build))
    if args.build_only:
        return

    queries = make_queries(per_kind)
    for _kind, q, f in queries:  # warm the buffer cache and the plans
        selector_call(q, f)
    selector = [_timed(lambda q=q, f=f: selector_call(q, f)) for _k, q, f in queries]
    cached_selector = []
    from videos.search.types import SearchFilters
    from videos.selectors import video_search

    for _k, q, _f in queries[: 0 if args.selector_only else 50]:
        video_search(q=q, filters=SearchFilters(), page_size=PAGE)
        cached_selector.append(
            _timed(lambda q=q: video_search(q=q, filters=SearchFilters(), page_size=PAGE))
        )

    if args.selector_only:
        nothing = [float("nan")] * len(queries)
        report(args, n_videos, build, queries, selector, nothing, nothing, nothing * 2, 1.0, [])
        return

    lite = sqlite3.connect(fts_path)
    for kind, q, f in queries:
        fts_call(lite, kind, q, f)
    fts = [_timed(lambda k=k, q=q, f=f: fts_call(lite, k, q, f)) for k, q, f in queries]

    from videos.search.cache import bump_version

    server = start_server(database_url, args.port)
    try:
        urls = [api_url(args.port, q, f) for _k, q, f in queries]
        for url in urls:
            http_get(url)
        bump_version()
        http_one = [http_get(url) for url in urls]
        bump_version()
        http_one_new = [http_get_new_connection(url) for url in urls]
        bump_version()
        started = time.perf_counter()
        with ThreadPoolExecutor(8) as executor:
            http_eight = list(executor.map(http_get, urls * 2))
        eight_seconds = time.perf_counter() - started
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    report(
        args,
        n_videos,
        build,
        queries,
        selector,
        fts,
        http_one,
        http_eight,
        eight_seconds,
        cached_selector,
        http_one_new,
    )


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def report(
    args,
    n_videos,
    build,
    queries,
    selector,
    fts,
    http_one,
    http_eight,
    eight_seconds,
    cached_selector,
    http_one_new=None,
) -> None:
    sel, base, one = by_kind(queries, selector), by_kind(queries, fts), by_kind(queries, http_one)
    one_new = by_kind(queries, http_one_new or [float("nan")] * len(queries))
    eight = by_kind(queries * 2, http_eight)
    rows, figures = [], {}
    for kind in KINDS:
        s, b, h1, h8 = stats(sel[kind]), stats(base[kind]), stats(one[kind]), stats(eight[kind])
        h1n = stats(one_new[kind])
        figures[kind] = {
            "queries": len(sel[kind]),
            "selector_ms": s,
            "fts5_ms": b,
            "ratio_p50": ratio(s["p50"], b["p50"]),
            "ratio_p99": ratio(s["p99"], b["p99"]),
            "api_1_client_ms": h1,
            "api_1_client_new_connection_ms": h1n,
            "api_8_clients_ms": h8,
        }
        rows.append(
            [
                kind,
                len(sel[kind]),
                f"{s['p50']}/{s['p95']}/{s['p99']}",
                f"{b['p50']}/{b['p95']}/{b['p99']}",
                ratio(s["p50"], b["p50"]),
                ratio(s["p99"], b["p99"]),
                f"{h1['p50']}/{h1['p95']}/{h1['p99']}",
                f"{h1n['p50']}/{h1n['p95']}/{h1n['p99']}",
                f"{h8['p50']}/{h8['p95']}/{h8['p99']}",
            ]
        )
    throughput = round(len(http_eight) / eight_seconds, 1)
    cached = stats([s * 1000 for s in cached_selector])
    print_table(
        [
            "kind",
            "n",
            "selector p50/95/99 ms",
            "FTS5 p50/95/99 ms",
            "ratio p50",
            "ratio p99",
            "API 1 client",
            "API 1 client, new connection each",
            "API 8 clients",
        ],
        rows,
        title=f"search, {build['videos']:,} videos / {build['chunks']:,} chunks",
    )
    if not args.selector_only:
        print(f"\nAPI with 8 concurrent clients: {throughput} requests/s")
        print(f"repeated query from the cache (selector): {cached}")
    print(json.dumps(build))
    write_json(
        args.json,
        "search",
        {
            "params": {
                "videos": n_videos,
                "quick": args.quick,
                "selector_only": args.selector_only,
                "page_size": PAGE,
                "queries": len(queries),
                "tier_shares": tier_shares(),
            },
            "build": build,
            "kinds": figures,
            "api_8_clients_requests_per_second": throughput,
            "cached_repeat_selector_ms": cached,
            "queries": [{"kind": k, "q": q, "filters": f} for k, q, f in queries],
        },
    )


def _ensure_database(url: str) -> None:
    import psycopg

    name = urllib.parse.urlparse(url).path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    main()
