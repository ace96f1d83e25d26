"""Reads of the index (search lives in videos/search/)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC

from django.db import connection
from django.db.models import QuerySet
from django.db.models.base import ModelState
from django.http import Http404
from django.shortcuts import get_object_or_404
from psycopg.types.datetime import TimestamptzLoader

from config.api import ApplicationError
from videos import search
from videos.models import Channel, Transcript, TranscriptChunk, Video, search_vector_fields
from videos.search import cache as search_cache
from videos.search.errors import SearchInputError
from videos.search.filters import resolve_names
from videos.search.prepared import prepared_cursor
from videos.search.query import ParsedQuery, QueryError, parse_query
from videos.search.types import (
    MAX_MORE_MOMENTS,
    MAX_PAGE_SIZE,
    MAX_QUERY_LENGTH,
    MAX_SHOWN_CHANNELS,
    MOMENTS_PER_HIT,
    ChannelFilter,
    Moment,
    RawPage,
    ResolvedNames,
    SearchFilters,
    SearchHit,
    SearchPage,
)
from videos.transcripts import (
    FORMATS,
    TranscriptFile,
    transcript_cues,
    transcript_filename,
)


def video_list() -> QuerySet[Video]:
    """Newest first; what the API pages through with a cursor."""
    return Video.objects.select_related("channel", "transcript").order_by("-published_at", "-id")


def video_get(*, youtube_id: str) -> Video:
    if "\x00" in youtube_id:
        # No video's id, and PostgreSQL text cannot hold NUL: a 404, not a DataError (500).
        raise Http404("No video has this id.")
    return get_object_or_404(video_list(), youtube_id=youtube_id)


def video_chunks(*, video: Video) -> QuerySet[TranscriptChunk]:
    return TranscriptChunk.objects.filter(video=video).order_by("position")


def transcript_file_get(*, youtube_id: str, fmt: str) -> TranscriptFile:
    """The video's transcript as a file in `fmt` (txt, srt or vtt: videos.transcripts).

    ApplicationError for an unknown format (400) and for a video without a transcript (404,
    with the transcript's status: none, disabled...; null when never fetched); Http404 for an
    unknown video.
    """
    file_format = FORMATS.get(fmt)
    if file_format is None:
        names = ", ".join(list(FORMATS)[:-1]) + f" or {list(FORMATS)[-1]}"
        raise ApplicationError(
            f"The transcript's format must be {names}.",
            extra={"field": "format", "formats": list(FORMATS)},
        )
    video = video_get(youtube_id=youtube_id)
    chunks = video_chunks(video=video).only(
        "start", "duration", "text", "segment_starts", "segment_offsets"
    )
    cues = transcript_cues(list(chunks))
    if not cues:
        transcript = getattr(video, "transcript", None)
        raise ApplicationError(
            "This video has no transcript.",
            status_code=404,
            extra={"transcript_status": transcript.status if transcript else None},
        )
    filename = transcript_filename(title=video.title, youtube_id=video.youtube_id, ext=fmt)
    return TranscriptFile(file_format.render(cues), file_format.content_type, filename)


def video_search(
    *,
    q: str,
    filters: SearchFilters | None = None,
    sort: str = "relevance",
    page: int = 1,
    page_size: int = 20,
    use_cache: bool = True,
) -> SearchPage:
    """Videos matching `q` (query syntax in videos/search/query.py), each with its best moments.

    Filters given as parameters take precedence over the same filters typed inline. Raises
    SearchInputError (a 400 in the API) for an empty or over-long query or a bad filter.
    """
    query = search_prepare(q=q, filters=filters or SearchFilters())
    # The name filters looked up once, for the engine and for what the page says of them.
    query = replace(query, names=resolve_names(query.filters))
    backend = search.get_backend()
    page = max(1, page)
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    offset = (page - 1) * page_size

    def run() -> RawPage:
        return backend.search(
            query, sort=sort, offset=offset, limit=page_size, with_moments=MOMENTS_PER_HIT
        )

    key = {"backend": backend.name, "q": q, "filters": query.filters.as_key(), "sort": sort}
    key.update(page=page, page_size=page_size)
    raw, from_cache = search_cache.cached(key, run) if use_cache else (run(), False)
    videos = _videos_by_id([hit.video_id for hit in raw.hits])
    hits = [
        SearchHit(
            videos[hit.video_id],
            hit.score,
            list(hit.moments),
            title_html=hit.title_html,
            description_html=hit.description_html,
            tags_html=hit.tags_html,
        )
        for hit in raw.hits
        if hit.video_id in videos
    ]
    return SearchPage(
        hits=hits,
        total=raw.total,
        total_exact=raw.total_exact,
        page=page,
        page_size=page_size,
        has_next=raw.has_next,
        sort=sort,
        cached=from_cache,
        channel_filter=channel_filter(query.filters, query.names),
        corrections=raw.corrections,
        unknown_names=unknown_names(query.filters, query.names),
    )


MAX_SUGGESTED_NAMES = 200


def filter_suggestions(user) -> dict[str, list[str]]:
    """Names the search form offers for its topic and playlist fields: every topic (admins
    define a handful), and the signed-in person's own playlists (not other people's)."""
    from indexing.models import Topic

    topics = list(
        Topic.objects.order_by("name").values_list("name", flat=True)[:MAX_SUGGESTED_NAMES]
    )
    playlists: list[str] = []
    if user.is_authenticated:
        owned = user.playlists.exclude(title="").order_by("title")
        playlists = list(owned.values_list("title", flat=True)[:MAX_SUGGESTED_NAMES])
    return {"topics": topics, "playlists": playlists}


def unknown_names(filters: SearchFilters, names: ResolvedNames) -> tuple[tuple[str, str], ...]:
    """The topic and playlist filters that match no topic or playlist (the engines then find
    nothing), as (filter, typed)."""
    checks = (
        ("topic", filters.topic, names.topic_ids),
        ("playlist", filters.playlist, names.playlist_ids),
    )
    return tuple((name, typed) for name, typed, ids in checks if typed and not ids)


def channel_filter(filters: SearchFilters, names: ResolvedNames) -> ChannelFilter | None:
    """What the channel filter means (None without one), for the page to say which channels
    it searched: a misspelt name quietly became the closest ones."""
    if not filters.channel:
        return None
    return ChannelFilter(
        typed=filters.channel,
        channels=tuple((yid, title) for _pk, yid, title in names.channels[:MAX_SHOWN_CHANNELS]),
        count=len(names.channels),
        closest=names.channels_closest,
    )


def _columns(model, alias: str, skip: tuple[str, ...] = ()):
    """Attribute names, their SELECT list, and the fields whose raw values need converting
    (JSONField arrives as text on a raw cursor: Django decodes it in from_db_value)."""
    fields = [f for f in model._meta.concrete_fields if f.attname not in skip]
    converters = [(i, f.from_db_value) for i, f in enumerate(fields) if hasattr(f, "from_db_value")]
    columns = ", ".join(f'{alias}."{f.column}"' for f in fields)
    return [f.attname for f in fields], columns, converters


def _from_row(model, names, converters, values):
    """What `model.from_db("default", names, values)` returns, without Model.__init__: its
    loop over every field (a setattr each, DEFERRED for the fields not read) was ~40 % of
    loading a page's 20 videos here (cProfile). The same instance: attributes in __dict__
    (where __init__'s setattr puts them: no field's descriptor does more for a new
    instance), the fields not read absent, so deferred, and `_state` as from_db leaves it.
    It skips pre_init/post_init, which no receiver listens to for these models (a test
    fails when one does; use from_db then)."""
    values = list(values)
    for i, convert in converters:
        values[i] = convert(values[i], None, connection)
    instance = model.__new__(model)
    instance._state = state = ModelState()
    state.adding, state.db = False, "default"
    instance.__dict__.update(zip(names, values, strict=True))
    return instance


_VIDEO_NAMES, _VIDEO_SQL, _VIDEO_CONVERT = _columns(
    Video, "v", skip=tuple(search_vector_fields(Video))
)
_CHANNEL_NAMES, _CHANNEL_SQL, _CHANNEL_CONVERT = _columns(Channel, "c")
_TRANSCRIPT_NAMES, _TRANSCRIPT_SQL, _TRANSCRIPT_CONVERT = _columns(Transcript, "t")
# Column and table names from our models; the ids are a parameter.
_VIDEOS_BY_ID = (
    f"SELECT {_VIDEO_SQL}, {_CHANNEL_SQL}, {_TRANSCRIPT_SQL} FROM {Video._meta.db_table} v"  # noqa: S608
    f" LEFT JOIN {Channel._meta.db_table} c ON c.id = v.channel_id"
    f" LEFT JOIN {Transcript._meta.db_table} t ON t.video_id = v.id WHERE v.id = ANY(%s)"
)


def _native_timestamps(cursor) -> None:
    """Load timestamptz with psycopg's C loader on this cursor. Django registers a Python
    subclass on every connection, to stamp each value with its own tzinfo: 0.9 ms of loading
    a page of 20 videos (6 timestamps a row). The values are the same objects when the
    session's time zone is UTC, as Django sets it with USE_TZ (both then carry datetime.UTC)."""
    if connection.timezone is UTC and cursor.connection.info.parameter_status("TimeZone") == "UTC":
        cursor.cursor.adapters.register_loader("timestamptz", TimestamptzLoader)


def _videos_by_id(ids: list[int]) -> dict[int, Video]:
    """The videos of a result page with their channel and transcript, like
    `select_related("channel", "transcript").in_bulk(ids)`, from one precompiled statement:
    the ORM's compile step cost ~1.7 ms per search (cProfile, docs/BENCHMARKS.md). Related
    objects are cached on both sides the way select_related() does it (set_cached_value):
    the descriptors' assignment checks (type, database router) were ~0.3 ms a page."""
    if not ids:
        return {}
    n_video, n_channel = len(_VIDEO_NAMES), len(_CHANNEL_NAMES)
    channel_field = Video._meta.get_field("channel")
    transcript_field = Video._meta.get_field("transcript")
    video_field = Transcript._meta.get_field("video")
    found: dict[int, Video] = {}
    with prepared_cursor() as cursor:
        _native_timestamps(cursor)
        cursor.execute(_VIDEOS_BY_ID, [ids])
        for row in cursor.fetchall():
            video = _from_row(Video, _VIDEO_NAMES, _VIDEO_CONVERT, row[:n_video])
            channel_row = row[n_video : n_video + n_channel]
            channel = None
            if channel_row[0] is not None:
                channel = _from_row(Channel, _CHANNEL_NAMES, _CHANNEL_CONVERT, channel_row)
            channel_field.set_cached_value(video, channel)
            transcript_row = row[n_video + n_channel :]
            transcript = None
            if transcript_row[0] is not None:
                transcript = _from_row(
                    Transcript, _TRANSCRIPT_NAMES, _TRANSCRIPT_CONVERT, transcript_row
                )
                video_field.set_cached_value(transcript, video)
            transcript_field.set_cached_value(video, transcript)
            found[video.pk] = video
    return found


def search_prepare(*, q: str, filters: SearchFilters) -> ParsedQuery:
    """Validate and parse a query; inline filters are overridden by explicit ones."""
    if not (q or "").strip() and filters.is_empty():
        raise SearchInputError("Type something to search for.", extra={"field": "q"})
    if len(q) > MAX_QUERY_LENGTH:
        raise SearchInputError(
            f"The query is longer than {MAX_QUERY_LENGTH} characters.", extra={"field": "q"}
        )
    try:
        parsed = parse_query(q)
    except QueryError as exc:
        raise SearchInputError(str(exc), extra={"field": "q"}) from exc
    merged = parsed.filters.merged(filters)
    if not parsed.has_terms and merged.is_empty():
        raise SearchInputError(
            "The query has no words to look for: type at least one word or add a filter.",
            extra={"field": "q"},
        )
    return ParsedQuery(clauses=parsed.clauses, excluded=parsed.excluded, filters=merged)


def video_moments(*, video: Video, q: str, limit: int = MAX_MORE_MOMENTS) -> list[Moment]:
    """Every matching moment of one video (up to `limit`), in time order: "more moments"."""
    query = search_prepare(q=q, filters=SearchFilters())
    return search.get_backend().moments(query, video_id=video.pk, limit=limit)
