"""Celery tasks of topic polling (imported by indexing/tasks.py so the worker registers them).

Names are fixed under indexing.tasks.* so CELERY_TASK_ROUTES sends them to the "polling" queue.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction

from indexing.topics import topic_poll, topics_claim_due

logger = logging.getLogger(__name__)


@shared_task(name="indexing.tasks.dispatch_due_topics", ignore_result=True)
def dispatch_due_topics() -> list[int]:
    """Beat, every minute: claim due topics and queue one poll each, after the claim commits."""
    with transaction.atomic():
        ids = topics_claim_due()
        for topic_id in ids:
            transaction.on_commit(lambda topic_id=topic_id: poll_topic.delay(topic_id))
    if ids:
        logger.info("queued polls of %d topic(s)", len(ids))
    return ids


@shared_task(
    name="indexing.tasks.poll_topic",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=240,
    time_limit=300,
)
def poll_topic(topic_id: int) -> dict:
    """Idempotent: a second run finds the same videos already linked and only moves times."""
    result = topic_poll(topic_id=topic_id)
    return {"topic_id": topic_id, "new": result.new, "error": result.error}
