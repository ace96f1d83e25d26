"""Keep up to date, turned on and off: from the playlists page (no JavaScript: a button per
row posting its own small form) and through the API (PATCH /api/playlists/<id>/)."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from indexing.tests.support import ALICE, BOB, api_client, playlist_of
from playlists.models import Playlist, PlaylistFollow

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def web(client, alice):
    client.force_login(alice)
    client.get("/playlists/")  # synced from YouTube, as a person's first visit does
    return client


@pytest.fixture
def bobs_playlist(bob, yt) -> Playlist:
    browser = Client()
    browser.force_login(bob)
    browser.get("/playlists/")
    return Playlist.objects.get(youtube_id=playlist_of(yt, BOB, size=5).id)


def mine(yt, size: int = 5) -> Playlist:
    return Playlist.objects.get(youtube_id=playlist_of(yt, ALICE, size=size).id)


def row_of(page: str, playlist: Playlist) -> str:
    """The table row of one playlist on the playlists page."""
    for row in re.findall(r"<tr>.*?</tr>", page, flags=re.S):
        if f'value="{playlist.pk}" id="pl-{playlist.pk}"' in row:
            return row
    raise LookupError(playlist)


def test_the_playlists_page_turns_it_on_and_off_with_a_plain_form(web, yt, alice):
    playlist = mine(yt)
    page = web.get("/playlists/").content.decode()
    assert "<th>Keep up to date</th>" in page
    row = row_of(page, playlist)
    assert "Off" in row and 'form="keep-' in row and 'value="on"' in row
    # The button's form is outside the Start Indexing form (forms cannot nest).
    action = f"/playlists/{playlist.pk}/keep-up-to-date/"
    assert f'<form id="keep-{playlist.pk}" method="post" action="{action}" hidden>' in page

    response = web.post(f"/playlists/{playlist.pk}/keep-up-to-date/", {"keep_up_to_date": "on"})
    assert response.status_code == 302 and response["Location"] == "/playlists/"
    assert PlaylistFollow.objects.filter(user=alice, playlist=playlist).exists()
    page = html.unescape(web.get("/playlists/").content.decode())
    assert f"{playlist.title} is kept up to date: it is indexed again 24 hours after" in page
    row = row_of(page, playlist)
    assert '<span class="badge done">On</span>' in row and 'value="off"' in row
    assert "Turn off" in row
    # Only that one: the other playlists stay off.
    assert PlaylistFollow.objects.count() == 1
    assert "Turn on" in row_of(page, mine(yt, size=50))

    web.post(f"/playlists/{playlist.pk}/keep-up-to-date/", {"keep_up_to_date": "on"})
    assert PlaylistFollow.objects.count() == 1  # on twice is still one follow

    web.post(f"/playlists/{playlist.pk}/keep-up-to-date/", {"keep_up_to_date": "off"})
    assert not PlaylistFollow.objects.exists()
    page = html.unescape(web.get("/playlists/").content.decode())
    assert f"{playlist.title} is no longer kept up to date." in page
    assert "Turn on" in row_of(page, playlist)


@pytest.mark.parametrize("data", [{}, {"keep_up_to_date": "maybe"}, {"keep_up_to_date": ""}])
def test_the_page_answers_a_bad_value_with_a_400_and_changes_nothing(web, yt, alice, data):
    playlist = mine(yt)
    PlaylistFollow.objects.create(user=alice, playlist=playlist)
    response = web.post(f"/playlists/{playlist.pk}/keep-up-to-date/", data)
    assert response.status_code == 400
    assert b"Keep up to date is turned on or off: nothing changed." in response.content
    assert PlaylistFollow.objects.filter(user=alice, playlist=playlist).count() == 1


def test_someone_elses_playlist_is_a_404_on_the_page(web, yt, bobs_playlist):
    for value in ("on", "off"):
        url = f"/playlists/{bobs_playlist.pk}/keep-up-to-date/"
        assert web.post(url, {"keep_up_to_date": value}).status_code == 404
    assert (
        web.post("/playlists/999999999/keep-up-to-date/", {"keep_up_to_date": "on"}).status_code
        == 404
    )
    assert not PlaylistFollow.objects.exists()
    assert web.get(f"/playlists/{mine(yt).pk}/keep-up-to-date/").status_code == 405


def test_the_api_turns_it_on_and_off(api, web, yt, alice):
    playlist = mine(yt)
    url = f"/api/playlists/{playlist.youtube_id}/"
    assert api.get(url).json()["keep_up_to_date"] is False

    on = api.patch(url, {"keep_up_to_date": True}, format="json")
    assert on.status_code == 200
    assert on.json()["id"] == playlist.youtube_id and on.json()["keep_up_to_date"] is True
    assert on.json()["keep_up_to_date_error"] == ""
    assert PlaylistFollow.objects.filter(user=alice, playlist=playlist).exists()
    rows = {r["id"]: r for r in api.get("/api/playlists/", {"page_size": 50}).json()["results"]}
    assert rows[playlist.youtube_id]["keep_up_to_date"] is True
    assert [r for r in rows.values() if r["keep_up_to_date"]] == [rows[playlist.youtube_id]]
    assert "Turn off" in row_of(web.get("/playlists/").content.decode(), playlist)

    off = api.patch(url, {"keep_up_to_date": False}, format="json")
    assert off.status_code == 200 and off.json()["keep_up_to_date"] is False
    assert not PlaylistFollow.objects.exists()


def test_the_api_finds_liked_videos_by_the_id_it_lists(api, web, alice):
    liked = Playlist.objects.get(owners=alice, title="Liked videos")
    assert liked.youtube_id.startswith("LL:")
    answer = api.patch("/api/playlists/LL/", {"keep_up_to_date": True}, format="json")
    assert answer.status_code == 200 and answer.json()["id"] == "LL"
    assert PlaylistFollow.objects.filter(user=alice, playlist=liked).exists()


@pytest.mark.parametrize(
    "body",
    [
        "{}",
        '{"keep_up_to_date": "maybe"}',
        '{"keep_up_to_date": null}',
        '{"keep_up_to_date": {}}',
        '{"keep_up_to_date": [true]}',
        '{"title": "renamed"}',
        "[]",
        "null",
        "{",
    ],
)
def test_bad_input_to_the_api_is_a_400_with_a_message_and_changes_nothing(
    api, web, yt, alice, body
):
    playlist = mine(yt)
    PlaylistFollow.objects.create(user=alice, playlist=playlist)
    answer = api.patch(
        f"/api/playlists/{playlist.youtube_id}/", body, content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json()["message"]
    assert PlaylistFollow.objects.filter(user=alice, playlist=playlist).count() == 1
    playlist.refresh_from_db()
    assert playlist.title == "Alice's mix (5 videos)"


def test_a_form_without_the_field_is_a_400_not_off(api, web, yt, alice):
    # DRF reads a boolean missing from a form as false: here that would turn it off.
    playlist = mine(yt)
    PlaylistFollow.objects.create(user=alice, playlist=playlist)
    answer = api.patch(f"/api/playlists/{playlist.youtube_id}/", {}, format="multipart")
    assert answer.status_code == 400
    assert answer.json()["message"] == "keep_up_to_date: This field is required."
    assert PlaylistFollow.objects.filter(user=alice, playlist=playlist).exists()


def test_someone_elses_playlist_is_a_404_in_the_api(api, web, yt, bob, bobs_playlist):
    for path in (f"/api/playlists/{bobs_playlist.youtube_id}/", "/api/playlists/PLnosuchlist0000/"):
        assert api.get(path).status_code == 404
        answer = api.patch(path, {"keep_up_to_date": True}, format="json")
        assert answer.status_code == 404 and answer.json()["message"]
        # Bad input to someone else's playlist: still a 404, its existence is not ours to tell.
        assert api.patch(path, {"keep_up_to_date": "maybe"}, format="json").status_code == 404
    assert not PlaylistFollow.objects.exists()
    # Bob's own call works: it is his.
    path = f"/api/playlists/{bobs_playlist.youtube_id}/"
    assert api_client(bob).patch(path, {"keep_up_to_date": True}, format="json").status_code == 200
    assert PlaylistFollow.objects.get().user == bob


def test_a_visitor_cannot_turn_it_on(client, yt, alice):
    playlist = Playlist.objects.create(youtube_id="PL0123456789abcdef")
    playlist.owners.add(alice)
    answer = client.patch(
        f"/api/playlists/{playlist.youtube_id}/",
        '{"keep_up_to_date": true}',
        content_type="application/json",
    )
    assert answer.status_code in (401, 403)
    page = client.post(f"/playlists/{playlist.pk}/keep-up-to-date/", {"keep_up_to_date": "on"})
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
    assert not PlaylistFollow.objects.exists()


def test_the_schema_documents_the_patch(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    patch = schema["paths"]["/api/playlists/{playlist_id}/"]["patch"]
    assert set(patch["responses"]) == {"200", "400", "401", "404"}
    body = patch["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    fields = schema["components"]["schemas"][body]
    assert fields["properties"]["keep_up_to_date"]["type"] == "boolean"
    listed = schema["components"]["schemas"]["Playlist"]["properties"]
    assert {"keep_up_to_date", "keep_up_to_date_error", "last_job_message"} <= set(listed)
