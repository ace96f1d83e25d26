"""The MP3 client on the real yt-dlp and ffmpeg, pointed at the emulator."""

from __future__ import annotations

import json
import shutil
import subprocess
import time

import pytest
from yt_dlp import YoutubeDL

from indexing.youtube.audio import AudioTransient, AudioUnavailable, download_mp3, youtube_dl
from youtube_emulator import media
from youtube_emulator.dataset import AGE_RESTRICTED

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")


def probe(path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def test_it_downloads_the_audio_and_converts_it_to_mp3(emulator, tmp_path):
    video = emulator.dataset.find_video("full")
    mp3 = download_mp3(video.id, tmp_path, web_url=emulator.base_url)
    assert mp3.path == tmp_path / f"{video.id}.mp3"
    assert mp3.title == video.title and mp3.duration_seconds == video.duration_s
    found = probe(mp3.path)
    assert found["format"]["format_name"] == "mp3"
    assert found["streams"][0]["codec_name"] == "mp3"
    served = media.media_seconds(video, emulator.control.set_config()["media_max_seconds"])
    assert float(found["format"]["duration"]) == pytest.approx(served, abs=0.5)
    tags = found["format"]["tags"]
    channel = emulator.dataset.channels[video.channel_index]
    published = time.strftime("%Y%m%d", time.gmtime(video.published_at))
    assert (tags["title"], tags["artist"], tags["date"]) == (video.title, channel.title, published)
    assert sorted(p.name for p in tmp_path.iterdir()) == [mp3.path.name]  # no .m4a left over
    requests = emulator.control.stats()["requests"]
    assert requests["transcript.watch"] >= 1 and requests["media.videoplayback"] >= 1


@pytest.mark.parametrize(
    ("status", "mode", "reason"),
    [
        ("private", None, "This video is private"),
        ("deleted", None, "This video is unavailable"),
        ("public", AGE_RESTRICTED, "inappropriate for some users"),
    ],
)
def test_unplayable_videos_are_unavailable_with_youtubes_reason(
    emulator, tmp_path, status, mode, reason
):
    video = emulator.dataset.find_video(mode, status=status)
    with pytest.raises(AudioUnavailable, match=reason):
        download_mp3(video.id, tmp_path, web_url=emulator.base_url)
    assert "media.videoplayback" not in emulator.control.stats()["requests"]


def test_youtube_failing_is_transient(emulator, tmp_path):
    video = emulator.dataset.find_video("full")
    emulator.control.fail_next("transcript", status=503, count=20)
    with pytest.raises(AudioTransient, match="503"):
        download_mp3(video.id, tmp_path, web_url=emulator.base_url)


def test_a_failing_media_server_is_transient(emulator, tmp_path):
    video = emulator.dataset.find_video("full")
    emulator.control.fail_next("transcript", status=503, count=20, endpoint="media.videoplayback")
    with pytest.raises(AudioTransient, match="503"):
        download_mp3(video.id, tmp_path, web_url=emulator.base_url)
    assert not list(tmp_path.glob("*.mp3"))


def test_without_ffmpeg_it_says_so(emulator, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # the machine's PATH, minus ffmpeg
    with pytest.raises(AudioUnavailable, match="ffmpeg is not installed"):
        download_mp3(emulator.dataset.find_video("full").id, tmp_path, web_url=emulator.base_url)


def test_a_configured_proxy_carries_the_requests(emulator, tmp_path, settings):
    settings.TRANSCRIPT_PROXY_URL = "http://127.0.0.1:9"  # nothing listens: the proxy is used
    with pytest.raises(AudioTransient):
        download_mp3(emulator.dataset.find_video("full").id, tmp_path, web_url=emulator.base_url)
    assert "transcript.watch" not in emulator.control.stats()["requests"]


def test_environment_proxies_are_ignored(emulator, tmp_path, settings, monkeypatch):
    settings.TRANSCRIPT_PROXY_URL = ""
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    video = emulator.dataset.find_video("full")
    assert download_mp3(video.id, tmp_path, web_url=emulator.base_url).path.exists()


def test_real_youtube_is_left_alone():
    assert type(youtube_dl({}, web_url="https://www.youtube.com/")) is YoutubeDL
    redirected = youtube_dl({}, web_url="http://127.0.0.1:8090")
    assert isinstance(redirected, YoutubeDL) and type(redirected) is not YoutubeDL
