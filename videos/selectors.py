"""Reads of the index (search lives in videos/search/)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from videos.models import TranscriptChunk, Video


def video_list() -> QuerySet[Video]:
    """Newest first; what the API pages through with a cursor."""
    return Video.objects.select_related("channel", "transcript").order_by("-published_at", "-id")


def video_get(*, youtube_id: str) -> Video:
    return get_object_or_404(video_list(), youtube_id=youtube_id)


def video_chunks(*, video: Video) -> QuerySet[TranscriptChunk]:
    return TranscriptChunk.objects.filter(video=video).order_by("position")
