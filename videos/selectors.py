"""Reads of the index (search lives in videos/search/)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from videos import search
from videos.models import TranscriptChunk, Video
from videos.search import cache as search_cache
from videos.search.errors import SearchInputError
from videos.search.query import ParsedQuery, QueryError, parse_query
from videos.search.types import (
    MAX_MORE_MOMENTS,
    MAX_PAGE_SIZE,
    MAX_QUERY_LENGTH,
    MOMENTS_PER_HIT,
    Moment,
    RawPage,
    SearchFilters,
    SearchHit,
    SearchPage,
)


def video_list() -> QuerySet[Video]:
    """Newest first; what the API pages through with a cursor."""
    return Video.objects.select_related("channel", "transcript").order_by("-published_at", "-id")


def video_get(*, youtube_id: str) -> Video:
    return get_object_or_404(video_list(), youtube_id=youtube_id)


def video_chunks(*, video: Video) -> QuerySet[TranscriptChunk]:
    return TranscriptChunk.objects.filter(video=video).order_by("position")


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
    videos = Video.objects.select_related("channel", "transcript").in_bulk(
        [hit.video_id for hit in raw.hits]
    )
    hits = [
        SearchHit(videos[hit.video_id], hit.score, list(hit.moments))
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
    )


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
