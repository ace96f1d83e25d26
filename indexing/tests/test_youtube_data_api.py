"""YouTubeClient with the real google-api-python-client against the emulator: every call."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import pytest

from indexing.tests.support import run_in_threads
from indexing.tests.youtube_fixtures import playlist_of, requests_to
from indexing.youtube.data_api import Page, YouTubeClient
from videos.parsing import video_from_playlist_item, video_from_resource

pytestmark = pytest.mark.django_db


def test_search_returns_a_typed_page_of_videos_newest_first(key_client):
    page = key_client.search_videos("python")
    assert isinstance(page, Page)
    assert 0 < len(page.items) <= 50
    assert page.total_results and page.total_results >= len(page.items)
    assert page.next_page_token
    assert {item["id"]["kind"] for item in page.items} == {"youtube#video"}
    published = [video_from_resource(item).published_at for item in page.items]
    assert published == sorted(published, reverse=True)


def test_search_pages_follow_the_token_without_repeating(key_client):
    first = key_client.search_videos("python", max_results=10)
    second = key_client.search_videos("python", max_results=10, page_token=first.next_page_token)
    ids = [item["id"]["videoId"] for item in first.items + second.items]
    assert len(ids) == len(set(ids)) == 20


def test_search_honours_published_after(key_client):
    after = datetime(2026, 6, 1, tzinfo=UTC)
    page = key_client.search_videos("python", published_after=after)
    assert page.items
    assert all(video_from_resource(item).published_at >= after for item in page.items)


def test_videos_are_fetched_50_ids_a_call_and_unknown_ids_are_left_out(key_client, emulator):
    ids = [item["id"]["videoId"] for item in key_client.search_videos("python").items]
    page2 = key_client.search_videos("python", page_token="CDIQAA")
    ids += [item["id"]["videoId"] for item in page2.items]
    wanted = [*ids[:70], "NoSuchVid01", *ids[:5], "NoSuchVid02"]
    before = requests_to(emulator, "videos.list")

    resources = key_client.videos(wanted)

    assert requests_to(emulator, "videos.list") - before == 2  # 72 unique ids -> 50 + 22
    assert [r["id"] for r in resources] == ids[:70]
    video = video_from_resource(resources[0])
    assert video.duration_seconds and video.view_count is not None


def test_videos_of_no_ids_make_no_call(key_client, emulator):
    assert key_client.videos([]) == []
    assert requests_to(emulator, "videos.list") == 0


def test_a_whole_playlist_is_listed_page_after_page(key_client, emulator):
    playlist_id = playlist_of(emulator, 500)
    items = list(key_client.iter_playlist_items(playlist_id))
    assert len(items) == 500
    assert requests_to(emulator, "playlistItems.list") == 10
    assert [item["snippet"]["position"] for item in items] == list(range(500))
    assert all("status" in item and "contentDetails" in item for item in items)


def test_one_playlist_page_is_typed(key_client, emulator):
    page = key_client.playlist_items(playlist_of(emulator, 50))
    assert len(page.items) == 50
    assert page.total_results == 50
    assert page.next_page_token is None
    assert video_from_playlist_item(page.items[0]) is not None


def test_playlists_by_id(key_client, emulator):
    ids = [playlist_of(emulator, 5), playlist_of(emulator, 50)]
    playlists = key_client.playlists_by_id([*ids, "PLnoSuchPlaylist0000000000000000"])
    assert [p["id"] for p in playlists] == ids
    assert playlists[1]["contentDetails"]["itemCount"] == 50


def test_oauth_mode_lists_my_playlists_and_my_channel(oauth_credentials, emulator):
    client = YouTubeClient(credentials=oauth_credentials("alice@example.com"), retries=0)
    page = client.playlists_mine()
    titles = [p["snippet"]["title"] for p in page.items]
    assert "Alice's private notes" in titles
    channel = client.channels_mine()
    related = channel["contentDetails"]["relatedPlaylists"]
    assert related["likes"] == "LL"
    assert related["uploads"].startswith("UU")
    liked = list(client.iter_playlist_items(related["likes"]))
    assert len(liked) == 120


def test_oauth_mode_spends_no_key_quota(oauth_credentials, redis_client):
    client = YouTubeClient(credentials=oauth_credentials(), retries=0)
    assert client.pool is None
    client.channels_mine()
    assert redis_client.keys("tubeindex:quota:*") == []


def test_an_expired_access_token_is_refreshed_on_the_way(oauth_credentials, emulator):
    credentials = oauth_credentials()
    credentials.token = "ya29.expired-or-unknown-token"
    client = YouTubeClient(credentials=credentials, retries=0)
    assert client.channels_mine() is not None
    assert credentials.token != "ya29.expired-or-unknown-token"
    assert requests_to(emulator, "oauth.token") == 1


@pytest.mark.django_db(transaction=True)
def test_one_client_serves_many_threads_each_with_its_own_connection(key_client, emulator):
    playlist_id = playlist_of(emulator, 500)
    results: dict[int, int] = {}
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            results[n] = len(list(key_client.iter_playlist_items(playlist_id)))
        except BaseException as exc:
            errors.append(exc)

    run_in_threads(partial(work, n) for n in range(8))
    assert errors == []
    assert results == dict.fromkeys(range(8), 500)
