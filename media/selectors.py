"""Reads of audio extractions: only ever one's own."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from media.models import AudioExtraction


def audio_extraction_list_for(*, user) -> QuerySet[AudioExtraction]:
    return AudioExtraction.objects.filter(user=user).select_related("video")


def audio_extraction_get_for(*, user, pk: int) -> AudioExtraction:
    """Someone else's extraction is a 404, as a job is: its existence is not ours to reveal."""
    return get_object_or_404(audio_extraction_list_for(user=user), pk=pk)


def audio_extraction_latest(*, user, video) -> AudioExtraction | None:
    """What the video's page shows of the person's audio: their latest request for it."""
    if not user.is_authenticated:
        return None
    return audio_extraction_list_for(user=user).filter(video=video).first()
