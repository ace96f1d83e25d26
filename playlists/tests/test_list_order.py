"""Playlists are listed in the order a person reads titles: case aside, numbers by value."""

from __future__ import annotations

import pytest

from playlists.models import Playlist
from playlists.selectors import playlist_list_for


@pytest.mark.django_db(transaction=True)
def test_the_page_and_the_api_list_the_mixes_by_their_size(client, yt, alice):
    client.force_login(alice)
    html = client.get("/playlists/").content.decode()
    sizes = (5, 50, 500, 3000, 5000)
    at = [html.index(f"mix ({size} videos)") for size in sizes]
    assert at == sorted(at)
    titles = [p["title"] for p in client.get("/api/playlists/").json()["results"]]
    mixes = [f"Alice's mix ({size} videos)" for size in sizes]
    assert [t for t in titles if t in mixes] == mixes


@pytest.mark.django_db
def test_titles_sort_without_regard_to_case_and_by_the_value_of_their_numbers(user):
    titles = ["Zebra", "Part 10", "apple", "mix (3000 videos)", "Part 2", "mix (5 videos)"]
    titles += ["", "x" + "9" * 40]  # a number too long for any integer type
    for n, title in enumerate(titles):
        Playlist.objects.create(youtube_id=f"PLorder{n:012d}", title=title).owners.add(user)
    assert [p.title for p in playlist_list_for(user=user)] == [
        "",
        "apple",
        "mix (5 videos)",
        "mix (3000 videos)",
        "Part 2",
        "Part 10",
        "x" + "9" * 40,
        "Zebra",
    ]
