"""Thumbnails: YouTube's own URLs by default; served by the emulator with a public URL."""

from __future__ import annotations

import json

import requests

from youtube_emulator.tests import RECORDINGS

RECORDED = "pyyoutube__videos_info_single.json"


def first_video(youtube, emulator):
    video = emulator.dataset.find_video("full")
    (item,) = youtube.videos().list(part="snippet", id=video.id).execute()["items"]
    return video, item["snippet"]["thumbnails"]


def test_thumbnails_are_youtubes_own_by_default(emulator, youtube):
    recorded = json.loads((RECORDINGS / "youtube_data_v3" / "videos" / RECORDED).read_text())
    recorded = recorded["items"][0]["snippet"]["thumbnails"]
    video, thumbnails = first_video(youtube, emulator)
    assert set(thumbnails) <= set(recorded)
    for name, thumbnail in thumbnails.items():
        assert set(thumbnail) == set(recorded[name])
        assert thumbnail["url"].rsplit("/", 1)[1] == recorded[name]["url"].rsplit("/", 1)[1]
        assert (thumbnail["width"], thumbnail["height"]) == (
            recorded[name]["width"],
            recorded[name]["height"],
        )
    assert thumbnails["medium"]["url"] == f"https://i.ytimg.com/vi/{video.id}/mqdefault.jpg"


def test_with_a_public_url_the_emulator_serves_them(emulator, youtube):
    emulator.control.set_config(public_url=emulator.base_url)
    try:
        video, thumbnails = first_video(youtube, emulator)
        url = thumbnails["high"]["url"]
        assert url == f"{emulator.base_url}/vi/{video.id}/hqdefault.jpg"
        picture = requests.get(url, timeout=10)
        assert picture.status_code == 200
        assert picture.headers["Content-Type"].startswith("image/svg+xml")
        assert 'width="480" height="360"' in picture.text
        assert video.title.split()[0].replace("&", "&amp;") in picture.text
        # search.list items carry them too
        found = youtube.search().list(part="snippet", q=video.title, maxResults=1).execute()
        assert found["items"][0]["snippet"]["thumbnails"]["default"]["url"].startswith(
            f"{emulator.base_url}/vi/"
        )
        assert requests.get(f"{emulator.base_url}/vi/{video.id}/other.jpg").status_code == 404
        assert requests.get(f"{emulator.base_url}/vi/AAAAAAAAAAA/hqdefault.jpg").status_code == 404
    finally:
        emulator.control.reset()
    _video, thumbnails = first_video(youtube, emulator)
    assert thumbnails["high"]["url"].startswith("https://i.ytimg.com/")


def test_the_consent_pages_host_has_an_icon(emulator):
    icon = requests.get(f"{emulator.base_url}/favicon.ico", timeout=10)
    assert icon.status_code == 200 and icon.headers["Content-Type"].startswith("image/svg+xml")
    assert icon.text.startswith("<svg")
