"""The API's numbered lists (jobs, playlists, audio) read ?page_size= as /api/videos/ and
/api/search/ do, up to the same 100."""

from __future__ import annotations

import pytest

from indexing.models import IndexJob
from indexing.tests.support import api_client
from playlists.models import Playlist

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(user):
    return api_client(user)


@pytest.fixture
def jobs(user) -> list[IndexJob]:
    made = []
    for n in range(105):
        playlist = Playlist.objects.create(youtube_id=f"PLpagesize{n:04d}", title=f"list {n}")
        playlist.owners.add(user)
        made.append(IndexJob.objects.create(user=user, playlist=playlist, status="done"))
    return made


def test_a_list_gives_the_page_size_asked_for_and_links_pages_of_it(api, jobs):
    first = api.get("/api/jobs/?page_size=3").json()
    assert first["count"] == 105 and len(first["results"]) == 3
    assert "page_size=3" in first["next"]
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 3
    assert {j["id"] for j in first["results"]}.isdisjoint(j["id"] for j in second["results"])
    assert "page_size=3" in second["previous"]
    assert len(api.get("/api/playlists/?page_size=7").json()["results"]) == 7


def test_a_page_size_past_100_gives_100_and_the_default_stays_20(api, jobs):
    assert len(api.get("/api/jobs/?page_size=1000").json()["results"]) == 100
    assert len(api.get("/api/jobs/").json()["results"]) == 20
    assert len(api.get("/api/jobs/?page_size=0").json()["results"]) == 20


def test_the_schema_offers_page_size_on_every_list(api):
    schema = api.get("/api/schema/?format=json").json()
    for path in ("/api/jobs/", "/api/playlists/", "/api/audio/", "/api/videos/"):
        names = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
        assert "page_size" in names, path
