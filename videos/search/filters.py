"""Filters as SQL over videos_video (alias v), with names resolved to ids first.

Names people type (channel, topic, playlist) are looked up once here: an exact id or name wins,
then a name containing the text, then (with pg_trgm) the closest channel name, so a misspelt
`channel:veritasiun` still finds the channel.

Every filter is also written over a transcript chunk's copies of its video's attributes
(alias c, migrations 0014 and 0018) and as lexemes of the chunk's filter_vector (migrations 0017
and 0018), which each tier's text index holds along the words: the index then returns only the
chunks that pass. The lexemes are coarser than the filters (months, duration buckets, a
language's first subtag), so they select a superset and the clauses over c decide. Topics and
playlists are lexemes of the video's group_vector too, in the videos' tier indexes.
"""

# ruff: noqa: S608 -- interpolated SQL is table names and constants only; user input is
# always passed as query parameters.

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from django.db import connection

from videos.models import Channel, Transcript, TranscriptChunk, Video
from videos.search import trigram
from videos.search.types import ResolvedNames, SearchFilters

# Duration buckets of filter_vector (u0..u7): the seconds each of u1..u7 starts at. Migration
# 0017's videos_filter_lexemes() splits at the same seconds (a test holds the two equal).
DURATION_BUCKETS = (60, 240, 600, 1200, 1800, 3600, 7200)
# Years with decade, year and month lexemes; a date outside them is the lexeme dx.
LEXEME_YEARS = (1900, 2200)


@dataclass
class FilterSql:
    """WHERE fragments over alias v, ANDed; `impossible` when a name matched nothing. The
    same filters over alias c (a transcript chunk's copies of its video's and transcript's
    attributes, migrations 0014, 0017 and 0018), as `chunk_clauses`."""

    clauses: list[str] = field(default_factory=list)
    params: list[object] = field(default_factory=list)
    chunk_clauses: list[str] = field(default_factory=list)
    chunk_params: list[object] = field(default_factory=list)
    impossible: bool = False
    # Over the chunk's filter_vector: tsquery text per filter, each a group of alternatives.
    lexemes: list[str] = field(default_factory=list)
    # The same over the video's group_vector (topics and playlists only, migration 0018).
    group_lexemes: list[str] = field(default_factory=list)

    def where(self, prefix: str = " AND ") -> str:
        return "".join(f"{prefix}{c}" for c in self.clauses)

    def chunk_where(self, prefix: str = " AND ") -> str:
        return "".join(f"{prefix}{c}" for c in self.chunk_clauses)

    def add(
        self,
        video: str,
        chunk: str,
        params: list[object],
        lexemes: list[str] | None = None,
        *,
        group: bool = False,
    ) -> None:
        """One filter, over the video (v) and over a chunk (c), with the same parameters, and
        the filter_vector lexemes of which a passing chunk has at least one (None or none: no
        lexeme to look for); with `group` (a topic or playlist), also those of the video's
        group_vector."""
        self.clauses.append(video)
        self.params.extend(params)
        self.chunk_clauses.append(chunk)
        self.chunk_params.extend(params)
        if lexemes:
            alternatives = " | ".join(map(_tsquery_lexeme, lexemes))
            self.lexemes.append(alternatives)
            if group:
                self.group_lexemes.append(alternatives)

    def chunk_lexemes(self) -> str | None:
        """A tsquery's text over filter_vector that every passing chunk matches, or None."""
        return _all_of(self.lexemes)

    def video_lexemes(self) -> str | None:
        """A tsquery's text over group_vector that every passing video matches, or None."""
        return _all_of(self.group_lexemes)


def _all_of(groups: list[str]) -> str | None:
    return " & ".join(f"( {group} )" for group in groups) or None


def _tsquery_lexeme(lexeme: str) -> str:
    """A lexeme as tsquery text quotes it: a quote doubled, a backslash escaped."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _month(moment: datetime) -> int:
    return moment.year * 12 + moment.month - 1


def date_lexemes(start: datetime | None, end: datetime | None) -> list[str]:
    """The filter_vector lexemes of every chunk published in [start, end) (None: open): whole
    decades (d202), years (y2024) and months (m202406) covering it, and dx (a date outside
    LEXEME_YEARS) when the range reaches beyond them."""
    first, last = (year * 12 for year in LEXEME_YEARS)
    low = first if start is None else max(first, _month(start))
    high = last if end is None else min(last, _month(end - timedelta(microseconds=1)) + 1)
    lexemes = []
    if start is None or end is None or _month(start) < first or end.year >= LEXEME_YEARS[1]:
        lexemes.append("dx")
    month = low
    while month < high:
        year = month // 12
        if month % 120 == 0 and month + 120 <= high:
            lexemes.append(f"d{year // 10}")
            month += 120
        elif month % 12 == 0 and month + 12 <= high:
            lexemes.append(f"y{year}")
            month += 12
        else:
            lexemes.append(f"m{year * 100 + month % 12 + 1}")
            month += 1
    return lexemes


def duration_lexemes(low: int | None, high: int | None) -> list[str] | None:
    """The duration buckets (u0..u7) meeting [low, high) seconds; None when that is all."""
    starts = (0, *DURATION_BUCKETS)
    ends = (*DURATION_BUCKETS, None)
    found = [
        f"u{i}"
        for i, (start, end) in enumerate(zip(starts, ends, strict=True))
        if (high is None or start < high) and (low is None or end is None or end > low)
    ]
    return None if len(found) == len(starts) else found


def resolve_channels(value: str) -> tuple[list[tuple[int, str, str]], bool]:
    """The channels a channel filter means, as (id, youtube_id, title), and whether they are
    only the closest names (no channel has that id or name, or a name containing it, ...);
    the closest first. In plain SQL: the ORM's three statements cost ~1.2 ms a search."""
    table = Channel._meta.db_table
    columns = f"SELECT c.id, c.youtube_id, c.title FROM {table} c"
    with connection.cursor() as cursor:
        cursor.execute(
            f"{columns} WHERE c.youtube_id = %s OR upper(c.title) = upper(%s) ORDER BY c.id",
            [value, value],
        )
        if rows := cursor.fetchall():
            return rows, False
        cursor.execute(
            f"{columns} WHERE upper(c.title) LIKE upper(%s) ORDER BY c.id LIMIT 50",
            [_containing(value)],
        )
        if (rows := cursor.fetchall()) or not trigram.available():
            return rows, False
        closest, params = trigram.closest_channels_sql(5, value)
        cursor.execute(
            f"{columns} JOIN ({closest}) ch ON ch.id = c.id ORDER BY ch.sim DESC, ch.id", params
        )
        return cursor.fetchall(), True


def resolve_names(filters: SearchFilters) -> ResolvedNames:
    """The channel, topic and playlist filters' ids (those given), one lookup each."""
    channels, closest = resolve_channels(filters.channel) if filters.channel else ([], False)
    return ResolvedNames(
        channels=tuple(channels),
        channels_closest=closest,
        topic_ids=tuple(resolve_topic_ids(filters.topic)) if filters.topic else (),
        playlist_ids=tuple(resolve_playlist_ids(filters.playlist)) if filters.playlist else (),
    )


def resolve_topic_ids(value: str) -> list[int]:
    """The topics a topic filter means: its id, else its name, else the names containing it."""
    from indexing.models import Topic

    exact, params = "upper(name) = upper(%s)", [value]
    if value.isdigit():
        exact, params = "id = %s", [int(value)]
    return _ids_by_name(Topic._meta.db_table, exact, params, "name", value)


def resolve_playlist_ids(value: str) -> list[int]:
    """The playlists a playlist filter means: its YouTube id or title, else the titles
    containing it."""
    from playlists.models import Playlist

    exact = "youtube_id = %s OR upper(title) = upper(%s)"
    return _ids_by_name(Playlist._meta.db_table, exact, [value, value], "title", value)


def _ids_by_name(table: str, exact: str, params: list[object], column: str, value: str):
    """Ids of the rows `exact` matches, else of those whose `column` contains `value` (50 at
    most), in id order. In plain SQL, as resolve_channels: the ORM's compile cost more than
    the lookups."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE {exact} ORDER BY id", params)
        if not (rows := cursor.fetchall()):
            cursor.execute(
                f"SELECT id FROM {table} WHERE upper({column}) LIKE upper(%s) ORDER BY id LIMIT 50",
                [_containing(value)],
            )
            rows = cursor.fetchall()
    return [row[0] for row in rows]


def _containing(value: str) -> str:
    """A LIKE pattern for text containing `value`, whose wildcards and escape character match
    as themselves."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _day_start(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def filter_sql(filters: SearchFilters, names: ResolvedNames | None = None) -> FilterSql:
    """The filters as SQL; the name filters by `names` (resolve_names(filters) if None)."""
    sql = FilterSql()
    _names(sql, filters, names or resolve_names(filters))
    start = _day_start(filters.after) if filters.after else None
    end = _day_start(filters.before + timedelta(days=1)) if filters.before else None
    dates = date_lexemes(start, end) if start or end else None
    # A range's lexemes stand for both its bounds: they go with the first one given.
    if start:
        sql.add("v.published_at >= %s", "c.video_published_at >= %s", [start], dates)
    if end:
        sql.add("v.published_at < %s", "c.video_published_at < %s", [end], None if start else dates)
    low, high = filters.min_seconds, filters.max_seconds
    durations = duration_lexemes(low, high)
    if low is not None:
        sql.add("v.duration_seconds >= %s", "c.video_duration_seconds >= %s", [low], durations)
    if high is not None:
        lexemes = None if low is not None else durations
        sql.add("v.duration_seconds < %s", "c.video_duration_seconds < %s", [high], lexemes)
    if filters.source:
        sql.add("v.source = %s", "c.video_source = %s", [filters.source], [f"s{filters.source}"])
    _language(sql, filters.language)
    _transcript(sql, filters.transcript)
    return sql


def _names(sql: FilterSql, filters: SearchFilters, names: ResolvedNames) -> None:
    if filters.channel:
        ids = list(names.channel_ids)
        sql.impossible |= not ids
        lexemes = [f"ch{pk:d}" for pk in ids]
        sql.add("v.channel_id = ANY(%s)", "c.video_channel_id = ANY(%s)", [ids], lexemes)
    # A video's and its chunks' copies of its topics and playlists (migration 0018).
    for value, ids, column, prefix in (
        (filters.topic, names.topic_ids, "topic_ids", "tp"),
        (filters.playlist, names.playlist_ids, "playlist_ids", "pl"),
    ):
        if not value:
            continue
        sql.impossible |= not ids
        sql.add(
            f"v.{column} && %s::bigint[]",
            f"c.video_{column} && %s::bigint[]",
            [list(ids)],
            [f"{prefix}{pk:d}" for pk in ids],
            group=True,
        )


def _language(sql: FilterSql, language: str) -> None:
    if not language:
        return
    # The video's audio language, else its transcript's: YouTube often leaves the first blank.
    transcripts = Transcript._meta.db_table
    sql.add(
        "(lower(v.language) = %s OR lower(v.language) LIKE %s OR EXISTS (SELECT 1 FROM "
        f"{transcripts} t WHERE t.video_id = v.id AND (lower(t.language) = %s "
        "OR lower(t.language) LIKE %s)))",
        "(c.video_language = %s OR c.video_language LIKE %s OR c.transcript_language = %s"
        " OR c.transcript_language LIKE %s)",
        [language, f"{language}-%", language, f"{language}-%"],
        ["l" + language.split("-")[0]],
    )


def _transcript(sql: FilterSql, kind: str) -> None:
    if not kind:
        return
    transcripts = Transcript._meta.db_table
    fetched = f"SELECT 1 FROM {transcripts} t WHERE t.video_id = v.id AND t.status = 'fetched'"
    clauses = {
        "has": f"EXISTS ({fetched})",
        "none": f"NOT EXISTS ({fetched})",
        "manual": f"EXISTS ({fetched} AND NOT t.is_generated)",
        "auto": f"EXISTS ({fetched} AND t.is_generated)",
    }
    # A chunk exists only while its transcript is fetched (videos.services deletes the chunks
    # of a transcript marked otherwise).
    chunk_clauses = {
        "has": "TRUE",
        "none": "FALSE",
        "manual": "NOT c.transcript_is_generated",
        "auto": "c.transcript_is_generated",
    }
    lexemes = {"manual": ["tmanual"], "auto": ["tauto"]}.get(kind)
    sql.add(clauses[kind], chunk_clauses[kind], [], lexemes)


VIDEO_TABLE = Video._meta.db_table
CHUNK_TABLE = TranscriptChunk._meta.db_table
