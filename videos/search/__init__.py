"""Search: one interface, two engines chosen by settings.SEARCH_BACKEND.

Public entry points: `videos.selectors.video_search` (reads), and for the indexing tasks
`index_videos(video_ids)` / `remove_videos(video_ids)`: no-ops on PostgreSQL (generated columns
keep vectors current), bulk requests on Elasticsearch.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from django.conf import settings

from videos.search.cache import bump_version


@functools.cache
def _backend(name: str):
    if name == "elasticsearch":
        from videos.search.elastic import ElasticsearchBackend

        return ElasticsearchBackend()
    from videos.search.postgres import PostgresBackend

    return PostgresBackend()


def get_backend():
    return _backend(settings.SEARCH_BACKEND)


def index_videos(video_ids: Sequence[int], *, bump: bool = True) -> None:
    """Bring these videos (and their transcripts) into the search index; call after commit.
    `bump=False`: the caller invalidates the cached results itself (cache.bump_version_queue)."""
    if video_ids:
        get_backend().index_videos(list(video_ids))
        if bump:
            bump_version()


def remove_videos(video_ids: Sequence[int]) -> None:
    if video_ids:
        get_backend().remove_videos(list(video_ids))
        bump_version()
