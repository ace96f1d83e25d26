from __future__ import annotations

import pytest

from videos.services import Segment, transcript_save, video_upsert_many
from videos.tests.factories import video_data

pytestmark = pytest.mark.django_db


def test_video_list_is_newest_first_with_cursor_pages(client):
    video_upsert_many(videos=[video_data(i) for i in range(45)])
    seen, url = [], "/api/videos/?page_size=20"
    while url:
        body = client.get(url).json()
        assert "results" in body and "next" in body and "previous" in body
        seen += [v["youtube_id"] for v in body["results"]]
        url = body["next"]
    assert len(seen) == 45 and len(set(seen)) == 45
    assert seen[0] == "vid00000044" and seen[-1] == "vid00000000"


def test_page_size_is_capped(client):
    video_upsert_many(videos=[video_data(i) for i in range(5)])
    body = client.get("/api/videos/?page_size=100000").json()
    assert len(body["results"]) == 5


def test_bad_cursor_is_a_clear_404_not_a_500(client):
    response = client.get("/api/videos/?cursor=not-a-cursor")
    assert response.status_code == 404
    assert response.json()["message"]


def test_video_detail_has_the_transcript_with_links_to_each_moment(client):
    ids = video_upsert_many(videos=[video_data(7)])
    transcript_save(
        video_id=ids["vid00000007"],
        language="en",
        is_generated=False,
        segments=[Segment(i * 10.0, 10.0, f"part {i}") for i in range(6)],
    )
    body = client.get("/api/videos/vid00000007/").json()
    assert body["title"] == "Video number 7"
    assert body["channel"]["youtube_id"] == "UCchan1"
    assert body["transcript"]["status"] == "fetched"
    assert [c["start"] for c in body["chunks"]] == [0.0, 30.0]
    assert body["chunks"][1]["url"] == "https://www.youtube.com/watch?v=vid00000007&t=30s"


def test_unknown_video_is_404_with_a_message(client):
    response = client.get("/api/videos/nope/")
    assert response.status_code == 404
    assert response.json() == {"message": "Not found.", "extra": {}}


@pytest.mark.parametrize("path", ["/api/videos/{}/", "/videos/{}/", "/videos/{}/audio/status/"])
def test_an_id_with_a_nul_character_is_a_404_not_a_500(client, path):
    # PostgreSQL text cannot hold NUL: the lookup raised DataError, a server error.
    response = client.get(path.format("%00"))
    assert response.status_code == 404
    if path.startswith("/api/"):
        assert response.json() == {"message": "Not found.", "extra": {}}


def test_api_root_schema_and_docs_answer(client):
    root = client.get("/api/").json()
    assert set(root) >= {"videos", "search", "playlists", "jobs", "schema", "docs"}
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/videos/" in schema.content
    assert client.get("/api/docs/").status_code == 200


def test_writes_need_authentication(client):
    assert client.post("/api/videos/", {}).status_code == 401


def test_token_authentication_works(client, user):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=user)
    response = client.get("/api/videos/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
