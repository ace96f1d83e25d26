"""Typo tolerance with pg_trgm, when the server has it; without it search works, exact only."""

# ruff: noqa: S608 -- interpolated SQL is table names and constants only; user input is
# always passed as query parameters.

from __future__ import annotations

import logging
import time

from django.db import connection

from videos.models import Channel

logger = logging.getLogger(__name__)

CHECK_EVERY_SECONDS = 60.0
# word_similarity() of a misspelt channel name with the real one: "veritasiun" ~ 0.82,
# two swapped letters ("asrtonomy" in "Astronomy Society") ~ 0.43.
CHANNEL_SIMILARITY = 0.4
# From this many channels, close names come from the GiST index (see closest_channels_sql).
KNN_FROM_CHANNELS = 1000
# Whether pg_trgm is there, and the planner's count of channels, as of checked_at.
_state: dict[str, float | bool] = {"checked_at": -1e9, "available": False, "channels": 0.0}


# The session's threshold for `text <% title`, which the names' GiST index answers; the
# connection sets it to CHANNEL_SIMILARITY (config/settings.py, DATABASES OPTIONS).
THRESHOLD_SETTING = "pg_trgm.word_similarity_threshold"


def closest_channels_sql(limit: int, text: str) -> tuple[str, list[object]]:
    """The `limit` channels whose names are closest to `text`, as (id, sim), the closest first,
    those at least CHANNEL_SIMILARITY, ties broken by id (names often tie: "Ada's Guitar
    Workshop", "Ben's Guitar Workshop"); SQL and its parameters.

    word_similarity() over every channel costs ~3 µs a channel (1.2 ms for 403). Below
    KNN_FROM_CHANNELS the names' GiST trigram index (migration 0015) finds those at least
    CHANNEL_SIMILARITY as `text <% title` (0.27 ms for 403), when the session's
    THRESHOLD_SETTING is at most that (as the connection sets it); otherwise (a connection
    without it: its default is 0.6, which would miss close names) every name is compared.
    PostgreSQL decides once per statement (a one-time filter on current_setting()). From
    KNN_FROM_CHANNELS on, the same index hands names out by word-similarity distance, nearest
    first (1.5 ms for 10,000): it reads twice `limit`, so the same channels come first as long
    as the ties fit (its cost grows with that limit: ~0.2 ms for 5, 0.3 for 10, 1.5 for 50).
    Channels as of the last check (available())."""
    table = Channel._meta.db_table
    least = f"{CHANNEL_SIMILARITY}::real"
    if float(_state["channels"]) < KNN_FROM_CHANNELS:
        indexed = f"coalesce(current_setting('{THRESHOLD_SETTING}', true)::real, 1) <= {least}"
        sql = (
            f"SELECT id, sim FROM ("
            f"SELECT id, word_similarity(%s, title) AS sim FROM {table}"
            f" WHERE {indexed} AND %s <%% title"
            f" UNION ALL SELECT id, word_similarity(%s, title) AS sim FROM {table}"
            f" WHERE NOT {indexed} AND word_similarity(%s, title) >= {least}) close"
            f" WHERE sim >= {least} ORDER BY sim DESC, id LIMIT {limit:d}"
        )
        return sql, [text] * 4
    sql = (
        f"SELECT id, sim FROM (SELECT id, 1 - (%s <<-> title) AS sim FROM {table}"
        f" ORDER BY %s <<-> title LIMIT {limit * 2:d}) nearest"
        f" WHERE sim >= {least} ORDER BY sim DESC, id LIMIT {limit:d}"
    )
    return sql, [text] * 2


def available() -> bool:
    """Is pg_trgm installed? Checked once a minute per process, warned about when missing;
    the planner's count of channels comes along (closest_channels_sql)."""
    now = time.monotonic()
    if now - float(_state["checked_at"]) > CHECK_EVERY_SECONDS:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_trgm'),"
                " (SELECT reltuples FROM pg_class WHERE oid = %s::regclass)",
                [Channel._meta.db_table],
            )
            found, channels = cursor.fetchone()
        if not found:
            logger.warning("pg_trgm is not installed: search typo tolerance is off")
        _state.update(checked_at=now, available=found, channels=float(channels or 0))
    return bool(_state["available"])


def forget() -> None:
    """Check again on the next search (after the extension was added or removed)."""
    _state["checked_at"] = -1e9


# similarity() of a misspelt word with the right one: "learaing"/"learning" 0.5, two swapped
# letters in a long word ("asrtonomy") 0.43.
WORD_SIMILARITY = 0.35
PER_WORD = 3


def corrections_sql(words: list[str]) -> tuple[str, list[object]]:
    """SQL for the title and channel-name words close to each of `words` (as "word term"
    pairs): a scalar subquery the ranking query evaluates only when it needs it, so a typo
    check costs no round trip of its own."""
    fixes = (
        "(SELECT array_agg(q.word || ' ' || t.term) FROM unnest(%s::text[]) AS q(word), LATERAL ("
        " SELECT term FROM videos_searchterm"
        " WHERE term %% q.word AND similarity(term, q.word) >= %s"
        " ORDER BY similarity(term, q.word) DESC, term LIMIT %s) t)"
    )
    return fixes, [words, WORD_SIMILARITY, PER_WORD]


def parse_fixes(pairs: list[str] | None) -> dict[str, list[str]]:
    """The "word term" pairs of corrections_sql as {word: [terms]}; a word that titles contain
    as it is is not a typo, so it is left alone."""
    found: dict[str, list[str]] = {}
    for pair in pairs or ():
        word, term = pair.split(" ", 1)
        found.setdefault(word, []).append(term)
    return {word: terms for word, terms in found.items() if word not in terms}
