"""A video's audio as yt-dlp fetches it: streamingData in the player response, /videoplayback."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
import requests

from youtube_emulator import media
from youtube_emulator.dataset import AGE_RESTRICTED
from youtube_emulator.testing import youtube_session
from youtube_emulator.tests import TRANSCRIPT_RECORDINGS

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")


def player(emulator, video_id: str, **query: str) -> dict:
    session = youtube_session(emulator.base_url)
    answer = session.post(
        "https://www.youtube.com/youtubei/v1/player",
        params={"prettyPrint": "false", **query},
        json={"context": {"client": {"clientName": "VISIONOS"}}, "videoId": video_id},
    )
    answer.raise_for_status()
    return answer.json()


def audio_url(emulator, video) -> str:
    return player(emulator, video.id)["streamingData"]["adaptiveFormats"][0]["url"]


def test_the_audio_format_has_the_recorded_shape(emulator):
    recorded = json.loads((TRANSCRIPT_RECORDINGS / "youtube.innertube.json.static").read_text())
    recorded_keys = set().union(*(f.keys() for f in recorded["streamingData"]["adaptiveFormats"]))
    video = emulator.dataset.find_video("full")
    ours = player(emulator, video.id)["streamingData"]
    assert set(ours) <= set(recorded["streamingData"])
    (audio,) = ours["adaptiveFormats"]
    assert set(audio) <= recorded_keys
    assert audio["mimeType"].startswith("audio/mp4")
    assert audio["approxDurationMs"] == str(video.duration_s * 1000)
    # On the emulator's own origin (as googlevideo.com is YouTube's), with neither a cipher nor
    # the `n` parameter that would need YouTube's player JavaScript.
    assert audio["url"].startswith(f"{emulator.base_url}/videoplayback?")
    assert "signatureCipher" not in audio and "&n=" not in audio["url"]


def test_innertube_takes_no_key_but_refuses_a_wrong_one(emulator):
    video = emulator.dataset.find_video("full")
    assert player(emulator, video.id)["playabilityStatus"]["status"] == "OK"
    session = youtube_session(emulator.base_url)
    wrong = session.post(
        "https://www.youtube.com/youtubei/v1/player?key=AIzaWrong", json={"videoId": video.id}
    )
    assert wrong.status_code == 400 and wrong.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_unplayable_videos_have_no_streaming_data(emulator):
    private = emulator.dataset.find_video(status="private")
    gated = emulator.dataset.find_video(AGE_RESTRICTED)
    for video in (private, gated):
        assert "streamingData" not in player(emulator, video.id)


def test_the_watch_page_carries_the_initial_player_response_and_data(emulator):
    video = emulator.dataset.find_video("full")
    page = youtube_session(emulator.base_url).get(f"https://www.youtube.com/watch?v={video.id}")
    found = re.search(r"var ytInitialPlayerResponse = (\{.*?\});</script>", page.text)
    assert found and json.loads(found.group(1))["videoDetails"]["videoId"] == video.id
    assert "var ytInitialData = {" in page.text and '"twoColumnWatchNextResults"' in page.text


def test_the_embed_page_has_the_embedded_clients_config(emulator):
    video = emulator.dataset.find_video(AGE_RESTRICTED)
    page = youtube_session(emulator.base_url).get(f"https://www.youtube.com/embed/{video.id}")
    found = re.search(r"ytcfg\.set\((\{.*?\})\);", page.text)
    assert found
    config = json.loads(found.group(1))
    assert config["INNERTUBE_CONTEXT"]["client"]["clientName"] == "WEB_EMBEDDED_PLAYER"


@needs_ffmpeg
def test_videoplayback_serves_an_mp4_audio_whole_and_in_ranges(emulator):
    video = emulator.dataset.find_video("full")
    url = audio_url(emulator, video)
    whole = requests.get(url, timeout=30)
    assert whole.status_code == 200 and whole.headers["Content-Type"] == "audio/mp4"
    body = whole.content
    assert body[4:8] == b"ftyp"  # an MP4 file
    assert requests.get(url, timeout=30).content == body  # the same bytes each time

    part = requests.get(url, headers={"Range": "bytes=10-19"}, timeout=30)
    assert part.status_code == 206 and part.content == body[10:20]
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(body)}"
    tail = requests.get(url, headers={"Range": "bytes=-5"}, timeout=30)
    assert tail.status_code == 206 and tail.content == body[-5:]
    past = requests.get(url, headers={"Range": f"bytes={len(body)}-"}, timeout=30)
    assert past.status_code == 416 and past.headers["Content-Range"] == f"bytes */{len(body)}"
    # googlevideo's own form, as yt-dlp's chunked downloads ask for it: 200 with the slice
    param = requests.get(f"{url}&range=0-99", timeout=30)
    assert param.status_code == 200 and param.content == body[:100]


@needs_ffmpeg
def test_videoplayback_refuses_stale_forged_and_unknown_urls(emulator):
    video = emulator.dataset.find_video("full")
    url = audio_url(emulator, video)
    emulator.control.advance_clock(media.EXPIRES_IN_S + 60)
    assert requests.get(url, timeout=30).status_code == 403  # expired
    fresh = audio_url(emulator, video)
    assert requests.get(fresh.replace("itag=140", "itag=22"), timeout=30).status_code == 403
    unknown = re.sub(r"([?&])v=[^&]+", r"\1v=dQw4w9WgXcQ", fresh)
    assert requests.get(unknown, timeout=30).status_code == 404


@needs_ffmpeg
def test_the_audio_is_a_tone_as_long_as_the_video_up_to_the_configured_length(emulator, tmp_path):
    assert emulator.control.set_config()["media_max_seconds"] == 20  # the default
    emulator.control.set_config(media_max_seconds=3)
    video = max((emulator.dataset.video(i) for i in range(200)), key=lambda v: v.duration_s)
    path = tmp_path / "audio.m4a"
    path.write_bytes(requests.get(audio_url(emulator, video), timeout=30).content)
    seconds = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert float(seconds) == pytest.approx(3, abs=0.1) and video.duration_s > 3
    assert media.media_seconds(video, 10**6) == video.duration_s
    bad = requests.patch(f"{emulator.base_url}/_emulator/config", json={"media_max_seconds": "x"})
    assert bad.status_code == 400
