"""Filters as SQL over videos_video (alias v), with names resolved to ids first.

Names people type (channel, topic, playlist) are looked up once here: an exact id or name wins,
then a name containing the text, then (with pg_trgm) the closest channel name, so a misspelt
`channel:veritasiun` still finds the channel.
"""

# ruff: noqa: S608 -- interpolated SQL is table names and constants only; user input is
# always passed as query parameters.

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from django.db.models import Q

from videos.models import Channel, Transcript, TranscriptChunk, Video
from videos.search import trigram
from videos.search.types import SearchFilters

MAX_RESOLVED = 200


@dataclass
class FilterSql:
    """WHERE fragments over alias v, ANDed; `impossible` when a name matched nothing. The
    filters but channel, topic and playlist also over alias c (a transcript chunk's copies of
    its video's and transcript's attributes, migration 0014), as `chunk_clauses`."""

    clauses: list[str] = field(default_factory=list)
    params: list[object] = field(default_factory=list)
    chunk_clauses: list[str] = field(default_factory=list)
    chunk_params: list[object] = field(default_factory=list)
    impossible: bool = False
    # A channel, topic or playlist: few videos, so reading their chunks beats the text index.
    selective: bool = False

    def where(self, prefix: str = " AND ") -> str:
        return "".join(f"{prefix}{c}" for c in self.clauses)

    def chunk_where(self, prefix: str = " AND ") -> str:
        return "".join(f"{prefix}{c}" for c in self.chunk_clauses)

    def add(self, video: str, chunk: str, params: list[object]) -> None:
        """One filter, over the video (v) and over a chunk (c), with the same parameters."""
        self.clauses.append(video)
        self.params.extend(params)
        self.chunk_clauses.append(chunk)
        self.chunk_params.extend(params)


def resolve_channel_ids(value: str) -> list[int]:
    channels = Channel.objects.all()
    exact = list(
        channels.filter(Q(youtube_id=value) | Q(title__iexact=value)).values_list("id", flat=True)
    )
    if exact:
        return exact
    contains = list(channels.filter(title__icontains=value).values_list("id", flat=True)[:50])
    if contains or not trigram.available():
        return contains
    return trigram.closest_channels(value)


def resolve_topic_ids(value: str) -> list[int]:
    from indexing.models import Topic

    topics = Topic.objects.all()
    if value.isdigit():
        return list(topics.filter(pk=int(value)).values_list("id", flat=True))
    exact = list(topics.filter(name__iexact=value).values_list("id", flat=True))
    return exact or list(topics.filter(name__icontains=value).values_list("id", flat=True)[:50])


def resolve_playlist_ids(value: str) -> list[int]:
    from playlists.models import Playlist

    playlists = Playlist.objects.all()
    exact = list(
        playlists.filter(Q(youtube_id=value) | Q(title__iexact=value)).values_list("id", flat=True)
    )
    return exact or list(playlists.filter(title__icontains=value).values_list("id", flat=True)[:50])


def _day_start(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def filter_sql(filters: SearchFilters) -> FilterSql:
    sql = FilterSql()
    _names(sql, filters)
    if filters.after:
        day = _day_start(filters.after)
        sql.add("v.published_at >= %s", "c.video_published_at >= %s", [day])
    if filters.before:
        day = _day_start(filters.before + timedelta(days=1))
        sql.add("v.published_at < %s", "c.video_published_at < %s", [day])
    if filters.min_seconds is not None:
        seconds = [filters.min_seconds]
        sql.add("v.duration_seconds >= %s", "c.video_duration_seconds >= %s", seconds)
    if filters.max_seconds is not None:
        seconds = [filters.max_seconds]
        sql.add("v.duration_seconds < %s", "c.video_duration_seconds < %s", seconds)
    if filters.source:
        sql.add("v.source = %s", "c.video_source = %s", [filters.source])
    _language(sql, filters.language)
    _transcript(sql, filters.transcript)
    return sql


def _names(sql: FilterSql, filters: SearchFilters) -> None:
    from indexing.models import Topic
    from playlists.models import PlaylistItem

    sql.selective = bool(filters.channel or filters.topic or filters.playlist)
    if filters.channel:
        ids = resolve_channel_ids(filters.channel)
        sql.impossible |= not ids
        sql.clauses.append("v.channel_id = ANY(%s)")
        sql.params.append(ids)
    if filters.topic:
        ids = resolve_topic_ids(filters.topic)
        sql.impossible |= not ids
        through = Topic.videos.through._meta.db_table
        sql.clauses.append(f"v.id IN (SELECT video_id FROM {through} WHERE topic_id = ANY(%s))")
        sql.params.append(ids)
    if filters.playlist:
        ids = resolve_playlist_ids(filters.playlist)
        sql.impossible |= not ids
        items = PlaylistItem._meta.db_table
        sql.clauses.append(f"v.id IN (SELECT video_id FROM {items} WHERE playlist_id = ANY(%s))")
        sql.params.append(ids)


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
    sql.add(clauses[kind], chunk_clauses[kind], [])


VIDEO_TABLE = Video._meta.db_table
CHUNK_TABLE = TranscriptChunk._meta.db_table
