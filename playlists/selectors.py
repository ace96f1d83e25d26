"""Reads for the playlists page and API: a user's playlists with indexing state."""

from __future__ import annotations

from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Lower
from django.http import Http404

from indexing.models import IndexJob
from playlists.models import LIKED_ID, Playlist, PlaylistFollow

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
    """The user's playlists, each with how many of its videos are indexed, its last job (and
    why it failed) and whether they keep it up to date (and why that started nothing)."""
    last_job = IndexJob.objects.filter(user=user, playlist=OuterRef("pk")).order_by(
        "-created_at", "-id"
    )
    follow = PlaylistFollow.objects.filter(user=user, playlist=OuterRef("pk"))
    return (
        Playlist.objects.filter(owners=user)
        .annotate(
            indexed_count=Count(
                "items", filter=Q(items__video__transcript__status="fetched"), distinct=True
            ),
            stored_items=Count("items", distinct=True),
            last_job_id=Subquery(last_job.values("pk")[:1]),
            last_job_status=Subquery(last_job.values("status")[:1]),
            last_job_message=Subquery(last_job.values("message")[:1]),
            keep_up_to_date=Exists(follow),
            keep_up_to_date_error=Subquery(follow.values("last_error")[:1]),
        )
        .order_by(*TITLE_ORDER)
    )


def playlist_get_for(*, user, pk: int | None = None, api_id: str | None = None) -> Playlist:
    """One of the user's playlists, annotated as in playlist_list_for, by our id or by the id
    the API shows (YouTube's; "LL" for their Liked videos); someone else's is a 404."""
    playlists = playlist_list_for(user=user)
    if pk is not None:
        found = playlists.filter(pk=pk).first()
    elif api_id == LIKED_ID:
        found = playlists.filter(youtube_id__startswith=f"{LIKED_ID}:").first()
    elif api_id and "\x00" not in api_id:  # PostgreSQL text cannot hold NUL: no such id
        found = playlists.filter(youtube_id=api_id).first()
    else:
        found = None
    if found is None:
        raise Http404("You have no playlist with this id.")
    return found
