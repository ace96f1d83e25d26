"""A signed-in person, in a real browser, asks for a video's MP3 on its page: the section and
"My audio" follow the extraction (htmx) while a real worker on the `media` queue runs yt-dlp
and ffmpeg, then offer the download, and the e-mail with the link is sent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from indexing.tests.worker import CeleryWorker, current_database_url, worker_env
from media.models import AudioExtraction
from videos.models import Video

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg"),
]


def test_extract_a_videos_audio_from_its_page(page, live_server, yt, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    source = yt.dataset.find_video("full")
    video = Video.objects.create(youtube_id=source.id, title=source.title)
    mails = tmp_path / "mails"
    mails.mkdir()
    env = worker_env(
        database_url=current_database_url(),
        redis_url=django_settings.REDIS_URL,
        base_url=yt.base_url,
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        EMAIL_URL=f"filemail:///{mails}",
        SITE_URL=live_server.url,
    )
    page.goto(f"{live_server.url}/videos/{video.youtube_id}/")
    assert "Sign in to extract this video's audio" in page.inner_text("#audio")
    page.click("#audio >> text=Sign in")
    page.click("text=Sign in with Google")
    page.click("text=alice@example.com")
    page.wait_for_url(f"{live_server.url}/videos/{video.youtube_id}/")  # back where it asked
    page.click("text=Extract audio (MP3)")
    assert "a link will be sent to alice@example.com" in page.inner_text("main")
    # "My audio" in a second tab: queued, since no worker runs yet.
    mine = page.context.new_page()
    mine.goto(f"{live_server.url}/audio/")
    assert "Queued" in mine.inner_text("#audio-list")
    with CeleryWorker(env, queues="media", concurrency=4):
        # No reload: the section, and My audio, poll until the MP3 is ready.
        page.wait_for_selector("#audio >> text=download the MP3", timeout=90_000)
        mine.wait_for_selector("#audio-list >> text=Download MP3", timeout=30_000)
        # A screen reader hears it too, through the page's status region.
        heard = "document.getElementById('announcer').textContent"
        page.wait_for_function(f"{heard} === 'Audio ready: download the MP3'")
        with page.expect_download() as download:
            page.click("#audio >> text=download the MP3")
        saved = download.value
        assert saved.suggested_filename.endswith(".mp3")
        body = Path(saved.path()).read_bytes()
        assert len(body) > 10_000 and body[:3] in (b"ID3", b"\xff\xfb")  # an MP3
        extraction = AudioExtraction.objects.get()
        for _ in range(100):
            if list(mails.glob("*.log")):
                break
            page.wait_for_timeout(200)
    (mail,) = mails.glob("*.log")
    assert f"{live_server.url}/audio/{extraction.pk}/download/" in mail.read_text()
