"""Home's counts of the index: cached for a few seconds, never below what the page lists."""

from __future__ import annotations

import pytest

from videos.services import video_upsert_many
from videos.tests.factories import video_data

pytestmark = pytest.mark.django_db


def test_videos_indexed_since_the_counts_were_cached_are_counted_when_the_page_lists_them(
    client, redis_client
):
    # A new user's first visit counts an empty index; their first playlist is indexed seconds
    # later, and home said "0 videos" above the videos it had just indexed.
    assert client.get("/").context["video_count"] == 0
    video_upsert_many(videos=[video_data(i) for i in range(3)])
    context = client.get("/").context
    assert len(context["latest_videos"]) == 3
    assert context["video_count"] == 3


def test_a_larger_index_keeps_its_cached_counts_for_a_few_seconds(client, redis_client):
    video_upsert_many(videos=[video_data(i) for i in range(10)])
    assert client.get("/").context["video_count"] == 10
    video_upsert_many(videos=[video_data(10)])
    assert client.get("/").context["video_count"] == 10  # not counted again on every visit
