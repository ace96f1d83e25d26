"""Repeated queries come from the cache until the index changes."""

from __future__ import annotations

import pytest

from videos.search.cache import VERSION_KEY
from videos.selectors import video_search
from videos.services import Segment, transcript_mark, transcript_save
from videos.tests.search_helpers import add_video

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("redis_client")]


def test_a_repeated_query_is_served_from_the_cache():
    add_video("cached00001", title="Harmonica basics")
    first = video_search(q="harmonica")
    second = video_search(q="harmonica")
    assert not first.cached and second.cached
    assert [h.video.youtube_id for h in second.hits] == ["cached00001"]


def test_a_new_video_invalidates_cached_results():
    add_video("cached00001", title="Harmonica basics")
    assert video_search(q="harmonica").total == 1
    add_video("cached00002", title="Harmonica blues")
    page = video_search(q="harmonica")
    assert not page.cached and page.total == 2


def test_a_saved_transcript_invalidates_cached_results():
    pk = add_video("cached00001", title="Untitled")
    assert video_search(q="theremin").total == 0
    transcript_save(
        video_id=pk, language="en", is_generated=False, segments=[Segment(3.0, 2.0, "theremin")]
    )
    page = video_search(q="theremin")
    assert page.total == 1 and page.hits[0].moments[0].start == 3.0
    transcript_mark(video_id=pk, status="disabled")
    assert video_search(q="theremin").total == 0


def test_the_version_is_bumped_only_when_the_write_commits(redis_client, django_db_blocker):
    from django.core.cache import cache
    from django.db import transaction

    add_video("cached00001", title="Harmonica basics")
    before = cache.get(VERSION_KEY)
    with transaction.atomic():
        pk = add_video("cached00002", title="Harmonica blues")
        assert cache.get(VERSION_KEY) == before
        transcript_save(video_id=pk, language="en", is_generated=False, segments=[])
    assert cache.get(VERSION_KEY) > before


def test_bumping_a_missing_version_starts_it_and_readers_see_the_number():
    from django.core.cache import cache

    from videos.search.cache import VERSION_KEY, bump_version, index_version

    cache.delete(VERSION_KEY)
    bump_version()
    assert index_version() == 1
    bump_version()
    assert index_version() == 2


def test_a_page_from_the_cache_equals_the_computed_page():
    add_video("cached00001", title="Harmonica basics", said=[(3.0, "harmonica"), (40.0, "solo")])
    add_video("cached00002", title="Harmonica blues", said=[(7.5, "blues harmonica")])
    first = video_search(q="harmonica")
    second = video_search(q="harmonica")
    assert not first.cached and second.cached
    assert [(h.video.pk, h.score, h.moments) for h in second.hits] == [
        (h.video.pk, h.score, h.moments) for h in first.hits
    ]
    assert (second.total, second.total_exact, second.has_next) == (
        first.total,
        first.total_exact,
        first.has_next,
    )
    moments = {h.video.youtube_id: [m.timestamp for m in h.moments] for h in second.hits}
    assert moments == {"cached00001": ["0:03"], "cached00002": ["0:07"]}
