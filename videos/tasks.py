"""Periodic search maintenance."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from videos.search.cache import bump_version
from videos.search.tiers import search_retier

logger = logging.getLogger(__name__)


@shared_task(name="videos.tasks.search_retier", ignore_result=True)
def search_retier_task() -> str:
    """Daily: move videos whose views changed rank into their search tier (PostgreSQL only)."""
    if settings.SEARCH_BACKEND != "postgres":
        return "skipped: not the PostgreSQL engine"
    result = search_retier()
    if result.chunks_moved:
        bump_version()
    logger.info("%s", result)
    return str(result)
