"""Reads for the playlists page and API: a user's playlists with indexing state."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from indexing.models import IndexJob
from playlists.models import Playlist


def playlist_list_for(*, user) -> QuerySet[Playlist]:
    """The user's playlists, each with how many of its videos are indexed and its last job."""
    last_job = IndexJob.objects.filter(user=user, playlist=OuterRef("pk")).order_by(
        "-created_at", "-id"
    )
    return (
        Playlist.objects.filter(owners=user)
        .annotate(
            indexed_count=Count(
                "items", filter=Q(items__video__transcript__status="fetched"), distinct=True
            ),
            stored_items=Count("items", distinct=True),
            last_job_id=Subquery(last_job.values("pk")[:1]),
            last_job_status=Subquery(last_job.values("status")[:1]),
        )
        .order_by("title")
    )
