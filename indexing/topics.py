"""Topic polling: claim due topics, ask search.list for what is new, store it, plan the next poll.

search.list is the scarce call (100 a day per key), so each poll pages only until it meets
videos the topic already has, and the next poll is spread out by the quota plan: all active
topics together never plan more searches a day than the active keys can make.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from indexing.models import ApiKey, Topic
from indexing.services import search_index_quietly
from indexing.youtube.data_api import YouTubeClient
from indexing.youtube.errors import QuotaExhausted, YouTubeError
from videos.models import Video
from videos.parsing import VideoData, video_from_resource
from videos.services import SNIPPET_FIELDS, video_upsert_many

logger = logging.getLogger(__name__)

# A claimed topic is due again after this long if its poll never ran (lost message, dead
# worker); a poll that runs sets the real next time.
CLAIM_LEASE = timedelta(minutes=15)
# Pages of 50 per poll at most: a topic seen for the first time, or one that got very busy,
# costs at most this many search calls; older results beyond them are skipped on purpose.
MAX_PAGES_PER_POLL = 4
# After a transient error, try again this much later (one beat tick would be a hot loop).
RETRY_AFTER = timedelta(minutes=5)
DAY_MINUTES = 24 * 60


@dataclass(frozen=True, slots=True)
class PollResult:
    topic_id: int
    searches: int = 0
    found: int = 0
    new: int = 0
    next_poll_at: datetime | None = None
    error: str = ""


def plan_interval(
    *, poll_interval_minutes: int, active_topics: int, active_keys: int, daily_search_calls: int
) -> timedelta:
    """The wait before a topic's next poll: its own interval, stretched so that every active
    topic polled at this pace fits in the search calls all keys have per day."""
    own = max(poll_interval_minutes, 1)
    budget = active_keys * daily_search_calls
    if budget <= 0:
        return timedelta(minutes=max(own, DAY_MINUTES))
    fair = math.ceil(DAY_MINUTES * max(active_topics, 1) / budget)
    return timedelta(minutes=max(own, fair))


def next_poll_time(topic: Topic, now: datetime) -> datetime:
    interval = plan_interval(
        poll_interval_minutes=topic.poll_interval_minutes,
        active_topics=Topic.objects.filter(is_active=True).count(),
        active_keys=ApiKey.objects.filter(is_active=True).count(),
        daily_search_calls=settings.YOUTUBE_QUOTA_DAILY_SEARCH_CALLS,
    )
    return now + interval


def topics_claim_due(*, now: datetime | None = None, limit: int = 100) -> list[int]:
    """Atomically take the due active topics: concurrent dispatchers skip rows another holds,
    and the lease moves each claimed topic out of "due" before the transaction ends."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Topic.objects.select_for_update(skip_locked=True)
            .filter(is_active=True, next_poll_at__lte=now)
            .order_by("next_poll_at", "id")
            .values_list("id", flat=True)[:limit]
        )
        if ids:
            Topic.objects.filter(id__in=ids).update(next_poll_at=now + CLAIM_LEASE)
    return ids


def _search_pages(topic: Topic, client: YouTubeClient, known: set[str]) -> tuple[list[dict], int]:
    """search.list newest first, page after page, until a page holds a known video."""
    results: list[dict] = []
    token: str | None = None
    searches = 0
    while searches < MAX_PAGES_PER_POLL:
        page = client.search_videos(
            topic.query,
            published_after=topic.published_after,
            order="date",
            page_token=token,
            language=topic.language or None,
        )
        searches += 1
        results.extend(page.items)
        met_known = any(video_from_resource(item).youtube_id in known for item in page.items)
        token = page.next_page_token
        if met_known or not token:
            break
    return results, searches


def _store(topic: Topic, client: YouTubeClient, found: list[VideoData]) -> dict[str, int]:
    """Details for the new ids (videos.list, 50 a call), upsert, link to the topic."""
    ids = [v.youtube_id for v in found]
    details = [video_from_resource(r) for r in client.videos(ids)]
    with_details = {v.youtube_id for v in details}
    pks = video_upsert_many(videos=details, source=Video.Source.TOPIC)
    # A video deleted between the search and videos.list keeps what the search said about it.
    leftovers = [v for v in found if v.youtube_id not in with_details]
    pks |= video_upsert_many(
        videos=leftovers, update_fields=SNIPPET_FIELDS, source=Video.Source.TOPIC
    )
    topic.videos.add(*pks.values())
    # Their search documents carry their topics: a video indexed before (by a playlist or
    # another topic) is found by this one too.
    search_index_quietly(sorted(pks.values()))
    return pks


def topic_poll(
    *,
    topic_id: int,
    client: YouTubeClient | None = None,
    now: Callable[[], datetime] = timezone.now,
) -> PollResult:
    """Poll one topic. Never raises for YouTube trouble: the outcome lands on the topic."""
    topic = Topic.objects.filter(pk=topic_id, is_active=True).first()
    if topic is None:
        return PollResult(topic_id)
    client = client or YouTubeClient()
    known = set(topic.videos.values_list("youtube_id", flat=True))
    try:
        results, searches = _search_pages(topic, client, known)
        found = list({v.youtube_id: v for v in map(video_from_resource, results)}.values())
        new = [v for v in found if v.youtube_id and v.youtube_id not in known]
        _store(topic, client, new)
    except QuotaExhausted as exc:
        # Every key is spent: the next poll is the reset, not the next beat tick.
        return _finish(topic, now(), next_at=exc.reset_at, error=str(exc))
    except YouTubeError as exc:
        wait = RETRY_AFTER if exc.retryable else None
        logger.warning("topic %s poll failed: %s", topic_id, exc)
        return _finish(topic, now(), next_at=now() + wait if wait else None, error=str(exc))
    newest = max((v.published_at for v in found if v.published_at), default=None)
    if newest and (topic.published_after is None or newest > topic.published_after):
        topic.published_after = newest
    result = _finish(topic, now(), next_at=None, error="", searches=searches)
    return PollResult(topic_id, searches, len(found), len(new), result.next_poll_at)


def _finish(
    topic: Topic, now: datetime, *, next_at: datetime | None, error: str, searches: int = 0
) -> PollResult:
    topic.last_polled_at = now
    topic.last_error = error[:2000]
    topic.next_poll_at = next_at or next_poll_time(topic, now)
    topic.save(update_fields=["published_after", "last_polled_at", "last_error", "next_poll_at"])
    return PollResult(topic.pk, searches, next_poll_at=topic.next_poll_at, error=error)
