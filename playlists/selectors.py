"""Reads for the playlists page and API: a user's playlists with indexing state."""

from __future__ import annotations

from django.db.models import BigIntegerField, Count, F, Func, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Lower

from indexing.models import IndexJob
from playlists.models import Playlist

# Titles in the order a person reads them: case aside, and the first number in a title by its
# value, so "mix (5 videos)" comes before "mix (50 videos)" and "mix (3000 videos)" (as text,
# 3000 came first). At most 15 digits of it, so that any title casts to a bigint.
TITLE_ORDER = (
    Lower(Func(F("title"), Value("[0-9].*$"), Value(""), function="regexp_replace")),
    Cast(Func(F("title"), Value("[0-9]{1,15}"), function="substring"), BigIntegerField()),
    Lower("title"),
    "title",
    "pk",
)


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
        .order_by(*TITLE_ORDER)
    )
