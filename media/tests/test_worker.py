"""Audio extraction through a REAL Celery worker (gevent pool, `media` queue, subprocess): the
API's request ends in an MP3 and an e-mail; a worker killed mid-download loses nothing."""

from __future__ import annotations

import time
from datetime import timedelta
from email import message_from_string, policy

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from rest_framework.test import APIClient

from indexing.tests.worker import CeleryWorker, current_database_url, worker_env
from media import services
from media.models import AudioExtraction
from media.tests.conftest import needs_ffmpeg, stored

pytestmark = [pytest.mark.django_db(transaction=True), needs_ffmpeg]
Status = AudioExtraction.Status


@pytest.fixture
def mails(tmp_path):
    folder = tmp_path / "mails"
    folder.mkdir()
    return folder


@pytest.fixture
def env(yt, media_root, mails):
    return worker_env(
        database_url=current_database_url(),
        redis_url=django_settings.REDIS_URL,
        base_url=yt.base_url,
        MEDIA_ROOT=str(media_root),
        SITE_URL="https://tubeindex.example",
        EMAIL_URL=f"filemail:///{mails}",  # the worker's mails as files, to read here
        DB_POOL_MAX_SIZE="3",
    )


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def status_of(pk: int) -> str:
    return AudioExtraction.objects.get(pk=pk).status


def sent(mails) -> list:
    texts = [path.read_text() for path in sorted(mails.glob("*.log"))]
    # The file backend writes each message followed by a line of dashes.
    return [
        message_from_string(text.split("\n" + "-" * 79)[0], policy=policy.default) for text in texts
    ]


def test_a_real_worker_extracts_the_audio_and_mails_the_link(alice, video, env, mails, media_root):
    api = APIClient()
    api.force_authenticate(alice)
    with CeleryWorker(env, queues="media", concurrency=4) as worker:
        answer = api.post(f"/api/videos/{video.youtube_id}/audio/")
        assert answer.status_code == 202
        pk = answer.data["id"]
        wait_for(lambda: status_of(pk) == Status.DONE, 90, "the MP3")
        wait_for(lambda: sent(mails), 30, "the e-mail")
        assert "Traceback" not in worker.output()
    assert (media_root / "audio" / f"{video.youtube_id}.mp3").stat().st_size > 10_000
    (mail,) = sent(mails)
    assert mail["To"] == alice.email and "is ready" in mail["Subject"]
    assert f"https://tubeindex.example/audio/{pk}/download/" in mail.get_content()
    assert api.get(f"/api/audio/{pk}/").data["download_url"].endswith(f"/audio/{pk}/download/")


def test_a_worker_killed_mid_download_loses_nothing(alice, yt, video, env, mails):
    # Every media response takes 4 s: the worker is surely inside the download when killed.
    yt.control.set_faults(transcript={"latency": {"kind": "fixed", "ms": 4000}})
    extraction, _ = services.audio_extraction_request(user=alice, video=video)
    with CeleryWorker(env, queues="media", concurrency=4) as worker:
        wait_for(lambda: status_of(extraction.pk) == Status.RUNNING, 60, "the task to start")
        worker.kill()
    assert status_of(extraction.pk) == Status.RUNNING  # its message is with the dead worker
    yt.control.set_faults(transcript={"latency": {"kind": "none"}})
    with CeleryWorker(env, queues="media", concurrency=4):
        # The beat sweep, as it runs once the extraction has been running too long.
        later = timezone.now() + timedelta(seconds=services.STALE_AFTER_S + 1)
        assert services.audio_extraction_sweep(now=later) == {"requeued": 1, "failed": 0}
        wait_for(lambda: status_of(extraction.pk) == Status.DONE, 90, "the MP3")
        wait_for(lambda: sent(mails), 30, "the e-mail")
    extraction.refresh_from_db()
    assert extraction.attempts == 2 and len(sent(mails)) == 1


def test_a_worker_runs_at_most_audio_concurrency_extractions_at_once(alice, bob, yt, env):
    # Each emulator response takes 1 s: two extractions at once would overlap at the emulator.
    yt.control.set_faults(transcript={"latency": {"kind": "fixed", "ms": 1000}})
    first = services.audio_extraction_request(
        user=alice, video=stored(yt.dataset.find_video("full"))
    )[0]
    other = yt.dataset.find_video("full", skip=1)
    second = services.audio_extraction_request(user=bob, video=stored(other))[0]
    # The emulator's peak already counts its control calls: one request at a time from the
    # worker leaves it where it is, two at once would raise it.
    before = yt.control.stats()["peak_concurrent_requests"]
    with CeleryWorker({**env, "AUDIO_CONCURRENCY": "1"}, queues="media", concurrency=4):
        for pk in (first.pk, second.pk):
            wait_for(lambda pk=pk: status_of(pk) == Status.DONE, 120, "both MP3s")
    assert yt.control.stats()["peak_concurrent_requests"] == before
