"""poll_topic against the emulator: new videos found, stored with details, linked; quota waits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from indexing.models import Topic
from indexing.tests.youtube_fixtures import VALID_KEYS, requests_to
from indexing.topics import MAX_PAGES_PER_POLL, RETRY_AFTER, topic_poll
from indexing.youtube.data_api import YouTubeClient
from videos.models import Video
from videos.tests.test_search_elastic import live

pytestmark = pytest.mark.django_db

QUERY = "quokka zymurgy"


@pytest.fixture
def client(youtube_settings, pool, make_keys) -> YouTubeClient:
    make_keys(VALID_KEYS[0])
    return YouTubeClient(pool=pool, retries=0)


@pytest.fixture
def topic(clock) -> Topic:
    return Topic.objects.create(name="Quokkas", query=QUERY, poll_interval_minutes=60)


def upload(emulator, clock, count: int, **fields) -> list[str]:
    """Videos matching the topic, published one minute apart up to now."""
    ids = []
    for n in range(count):
        published = clock() - timedelta(minutes=count - n)
        video = emulator.control.add_videos(
            1,
            title=f"{QUERY} episode {n}",
            published_at=published.strftime("%Y-%m-%dT%H:%M:%SZ"),
            **fields,
        )[0]
        ids.append(video["id"])
    return ids


def test_a_first_poll_stores_the_videos_with_details_and_moves_the_watermark(
    client, clock, topic, emulator
):
    ids = upload(emulator, clock, 3)

    result = topic_poll(topic_id=topic.pk, client=client, now=clock)

    assert (result.searches, result.found, result.new, result.error) == (1, 3, 3, "")
    topic.refresh_from_db()
    assert set(topic.videos.values_list("youtube_id", flat=True)) == set(ids)
    stored = Video.objects.get(youtube_id=ids[-1])
    assert stored.source == Video.Source.TOPIC
    assert stored.duration_seconds and stored.details_fetched_at is not None
    assert topic.published_after == clock() - timedelta(minutes=1)
    assert topic.last_polled_at == clock()
    assert topic.next_poll_at == clock() + timedelta(minutes=60)
    assert topic.last_error == ""
    assert requests_to(emulator, "videos.list") == 1


def test_the_next_poll_finds_only_what_is_new(client, clock, topic, emulator):
    upload(emulator, clock, 3)
    topic_poll(topic_id=topic.pk, client=client, now=clock)
    clock.advance(minutes=30)
    newer = upload(emulator, clock, 2)

    result = topic_poll(topic_id=topic.pk, client=client, now=clock)

    assert result.new == 2
    assert topic.videos.count() == 5
    assert set(newer) <= set(topic.videos.values_list("youtube_id", flat=True))


def test_polling_twice_changes_nothing_more(client, clock, topic, emulator):
    upload(emulator, clock, 3)
    topic_poll(topic_id=topic.pk, client=client, now=clock)
    result = topic_poll(topic_id=topic.pk, client=client, now=clock)
    assert result.new == 0
    assert topic.videos.count() == 3
    assert Video.objects.count() == 3


def test_it_pages_until_it_meets_known_videos(client, clock, topic, emulator):
    upload(emulator, clock, 60)
    first = topic_poll(topic_id=topic.pk, client=client, now=clock)
    assert (first.searches, first.new) == (2, 60)
    assert requests_to(emulator, "videos.list") == 2  # 50 + 10 ids

    clock.advance(minutes=5)
    upload(emulator, clock, 3)
    second = topic_poll(topic_id=topic.pk, client=client, now=clock)
    assert (second.searches, second.new) == (1, 3)


def test_a_busy_topic_costs_at_most_a_few_searches_per_poll(client, clock, emulator):
    busy = Topic.objects.create(name="busy", query="python")  # thousands of results
    result = topic_poll(topic_id=busy.pk, client=client, now=clock)
    assert result.searches == MAX_PAGES_PER_POLL
    assert result.new == 50 * MAX_PAGES_PER_POLL


def test_when_quota_is_spent_the_topic_waits_for_the_reset(client, clock, topic, emulator):
    emulator.control.set_config(search_calls_per_day=0)
    result = topic_poll(topic_id=topic.pk, client=client, now=clock)
    topic.refresh_from_db()
    assert topic.next_poll_at == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    assert "quota" in topic.last_error
    assert result.error == topic.last_error
    assert topic.published_after is None


def test_a_transient_error_is_retried_a_few_minutes_later(client, clock, topic, emulator):
    emulator.control.fail_next("data", status=503)
    topic_poll(topic_id=topic.pk, client=client, now=clock)
    topic.refresh_from_db()
    assert topic.next_poll_at == clock() + RETRY_AFTER
    assert "503" in topic.last_error


def test_an_error_is_cleared_by_the_next_good_poll(client, clock, topic, emulator):
    emulator.control.fail_next("data", status=503)
    topic_poll(topic_id=topic.pk, client=client, now=clock)
    upload(emulator, clock, 1)
    topic_poll(topic_id=topic.pk, client=client, now=clock)
    topic.refresh_from_db()
    assert topic.last_error == ""
    assert topic.videos.count() == 1


def test_many_topics_stretch_the_interval_to_fit_the_quota(
    client, clock, topic, emulator, settings
):
    settings.YOUTUBE_QUOTA_DAILY_SEARCH_CALLS = 24
    Topic.objects.bulk_create(Topic(name=f"t{n}", query=f"t{n}") for n in range(47))
    topic_poll(topic_id=topic.pk, client=client, now=clock)
    topic.refresh_from_db()
    # 48 topics, one key of 24 searches a day: each topic every 2 days at most.
    assert topic.next_poll_at == clock() + timedelta(days=2)


def test_a_paused_or_deleted_topic_is_left_alone(client, clock, topic, emulator):
    topic.is_active = False
    topic.save()
    assert topic_poll(topic_id=topic.pk, client=client, now=clock).searches == 0
    assert topic_poll(topic_id=999_999, client=client, now=clock).searches == 0
    assert requests_to(emulator, "search.list") == 0


def test_the_task_function_polls_with_the_default_client(
    youtube_settings, make_keys, emulator, redis_client
):
    from indexing.tasks_topics import poll_topic

    make_keys(VALID_KEYS[0])
    emulator.control.add_videos(2, title=f"{QUERY} live")
    topic = Topic.objects.create(name="live", query=QUERY)

    assert poll_topic(topic.pk)["new"] == 2
    assert topic.videos.count() == 2


@live
def test_live_a_video_known_before_is_found_by_the_topic_that_takes_it(
    client, clock, topic, emulator, es_backend, redis_client
):
    """Elasticsearch documents carry each video's topics: a second topic taking videos the
    first one indexed re-indexes their documents, so its filter finds them."""
    from videos.search.types import SearchFilters
    from videos.selectors import video_search

    upload(emulator, clock, 3)
    topic_poll(topic_id=topic.pk, client=client, now=clock)
    second = Topic.objects.create(name="Zymurgy", query=QUERY, poll_interval_minutes=60)
    topic_poll(topic_id=second.pk, client=client, now=clock)
    page = video_search(q="episode", filters=SearchFilters(topic="zymurgy"), use_cache=False)
    assert page.total == second.videos.count() == 3
