"""Asking for a video's MP3, making it (the task called directly) and the e-mail."""

from __future__ import annotations

import base64
import json
import os
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from config.api import ApplicationError
from indexing.youtube.audio import AudioTransient
from media import services
from media.models import AudioExtraction
from media.tasks import extract_audio
from media.tests.conftest import needs_ffmpeg, stored
from youtube_emulator.dataset import AGE_RESTRICTED

pytestmark = [pytest.mark.django_db(transaction=True), needs_ffmpeg]
Status = AudioExtraction.Status


def ask(user, video):
    """Request, as the page does: (extraction, created)."""
    return services.audio_extraction_request(user=user, video=video)


def queued(redis_client) -> list[tuple[str, list]]:
    """The messages waiting in the broker's `media` queue: (task name, args)."""
    messages = [json.loads(raw) for raw in redis_client.lrange("media", 0, -1)]
    return [(m["headers"]["task"], json.loads(base64.b64decode(m["body"]))[0]) for m in messages]


def test_a_request_is_queued_then_extracted_and_mailed(alice, video, media_root, redis_client):
    extraction, created = ask(alice, video)
    assert created and extraction.status == Status.QUEUED
    assert queued(redis_client) == [("media.tasks.extract_audio", [extraction.pk])]
    assert extract_audio(extraction.pk) == "done"
    extraction.refresh_from_db()
    assert extraction.status == Status.DONE and extraction.attempts == 1
    path = media_root / "audio" / f"{video.youtube_id}.mp3"
    assert extraction.file.name == f"audio/{video.youtube_id}.mp3"
    assert extraction.size_bytes == path.stat().st_size > 10_000
    assert list(path.parent.iterdir()) == [path]  # its download folder is gone
    (message,) = mail.outbox
    assert message.to == [alice.email] and "is ready" in message.subject
    assert f"https://tubeindex.example/audio/{extraction.pk}/download/" in message.body
    assert extraction.notified_at is not None


def test_a_second_run_of_the_same_message_changes_nothing(alice, video):
    extraction, _ = ask(alice, video)
    extract_audio(extraction.pk)
    assert extract_audio(extraction.pk) == "not active"
    assert len(mail.outbox) == 1


def test_asking_twice_while_it_runs_is_one_request(alice, video, redis_client):
    first, _ = ask(alice, video)
    again, created = ask(alice, video)
    assert again.pk == first.pk and not created
    assert AudioExtraction.objects.count() == 1 and len(queued(redis_client)) == 1


def test_a_video_already_extracted_is_ready_at_once_for_the_next_person(alice, bob, yt, video):
    first, _ = ask(alice, video)
    extract_audio(first.pk)
    first.refresh_from_db()
    downloads = yt.control.stats()["requests"]["media.videoplayback"]
    second, created = ask(bob, video)
    assert created and second.status == Status.DONE and second.file.name == first.file.name
    assert extract_audio(second.pk) == "not active"  # the task only mails
    assert yt.control.stats()["requests"]["media.videoplayback"] == downloads
    assert [m.to for m in mail.outbox] == [[alice.email], [bob.email]]


@pytest.mark.parametrize(
    ("status", "mode", "reason"),
    [("private", None, "This video is private"), ("public", AGE_RESTRICTED, "inappropriate")],
)
def test_an_unplayable_video_fails_with_its_reason_and_says_so(alice, yt, status, mode, reason):
    video = stored(yt.dataset.find_video(mode, status=status))
    extraction, _ = ask(alice, video)
    assert extract_audio(extraction.pk) == "failed"
    extraction.refresh_from_db()
    assert extraction.status == Status.FAILED and reason in extraction.error
    assert not extraction.file
    (message,) = mail.outbox
    assert "No MP3" in message.subject and reason in message.body


def test_a_transient_failure_leaves_it_to_the_retry_which_succeeds(alice, yt, video):
    extraction, _ = ask(alice, video)
    yt.control.fail_next("transcript", status=503, count=20)
    with pytest.raises(AudioTransient):
        extract_audio(extraction.pk)  # called directly, Celery's retry re-raises
    extraction.refresh_from_db()
    assert extraction.status == Status.QUEUED and not mail.outbox  # for the retry to claim
    yt.control.reset()
    assert extract_audio(extraction.pk) == "done"
    extraction.refresh_from_db()
    assert extraction.status == Status.DONE and extraction.attempts == 2


def test_the_last_retry_records_the_failure(alice, yt, video):
    extraction, _ = ask(alice, video)
    yt.control.fail_next("transcript", status=503, count=50)
    result = extract_audio.apply(args=[extraction.pk], retries=extract_audio.max_retries)
    assert result.get() == "failed"
    extraction.refresh_from_db()
    assert extraction.status == Status.FAILED
    assert extraction.error.startswith("YouTube kept failing") and "503" in extraction.error
    assert len(mail.outbox) == 1


def test_a_mail_server_failure_keeps_the_mail_for_the_retry(alice, video, settings):
    extraction, _ = ask(alice, video)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    with pytest.raises(ConnectionError):
        extract_audio(extraction.pk)
    extraction.refresh_from_db()
    assert extraction.status == Status.DONE and extraction.notified_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert extract_audio(extraction.pk) == "not active"
    assert len(mail.outbox) == 1


def test_only_a_signed_in_person_with_an_address_can_ask(alice, video):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(ApplicationError, match="Sign in"):
        services.audio_extraction_request(user=AnonymousUser(), video=video)
    alice.email = ""
    with pytest.raises(ApplicationError, match="no e-mail address"):
        services.audio_extraction_request(user=alice, video=video)
    assert not AudioExtraction.objects.exists()


def test_the_sweep_requeues_only_extractions_left_behind_and_gives_up_in_the_end(
    alice, bob, yt, video, redis_client
):
    fresh, _ = ask(alice, video)
    stuck, _ = ask(bob, video)
    redis_client.delete("media")
    later = stuck.created_at + timedelta(seconds=services.STALE_AFTER_S + 1)
    AudioExtraction.objects.filter(pk=fresh.pk).update(queued_at=later)  # asked just now
    AudioExtraction.objects.filter(pk=stuck.pk).update(
        status=Status.RUNNING, started_at=stuck.created_at, attempts=1
    )
    assert services.audio_extraction_sweep(now=later) == {"requeued": 1, "failed": 0}
    assert queued(redis_client) == [("media.tasks.extract_audio", [stuck.pk])]
    # Swept again at once: its new message has not had its chance yet.
    assert services.audio_extraction_sweep(now=later) == {"requeued": 0, "failed": 0}

    AudioExtraction.objects.filter(pk=stuck.pk).update(attempts=services.MAX_ATTEMPTS)
    much_later = later + timedelta(seconds=services.STALE_AFTER_S + 1)
    assert services.audio_extraction_sweep(now=much_later)["failed"] == 1
    stuck.refresh_from_db()
    assert stuck.status == Status.FAILED and "worker stopped" in stuck.error
    assert extract_audio(stuck.pk) == "not active"  # the queued message only mails
    assert [m.to for m in mail.outbox] == [[bob.email]] and "No MP3" in mail.outbox[0].subject


def test_beat_runs_the_sweep_on_the_media_queue():
    import io

    from django.core.management import call_command
    from django_celery_beat.models import PeriodicTask

    from config.celery import app

    call_command("setup_beat", stdout=io.StringIO())
    task = PeriodicTask.objects.get(name="Sweep audio extractions")
    assert (task.task, task.queue, task.interval.every) == ("media.tasks.sweep_audio", "media", 300)
    app.loader.import_default_modules()
    assert task.task in app.tasks
    assert app.amqp.router.route({}, "media.tasks.extract_audio")["queue"].name == "media"


def test_a_duplicate_message_does_not_run_it_twice(alice, video):
    extraction, _ = ask(alice, video)
    AudioExtraction.objects.filter(pk=extraction.pk).update(
        status=Status.RUNNING, started_at=timezone.now()
    )  # another worker is on it
    assert extract_audio(extraction.pk) == "not active"
    extraction.refresh_from_db()
    assert extraction.status == Status.RUNNING and extraction.attempts == 0


def test_a_busy_worker_sends_the_task_again_without_counting_an_attempt(alice, video, redis_client):
    extraction, _ = ask(alice, video)
    redis_client.delete("media")
    slots = services._extraction_slots()
    taken = 0
    while slots.acquire(blocking=False):
        taken += 1
    try:
        assert extract_audio(extraction.pk) == "waiting for a slot"
    finally:
        for _ in range(taken):
            slots.release()
    extraction.refresh_from_db()
    assert extraction.status == Status.QUEUED and extraction.attempts == 0
    assert extraction.queued_at > extraction.created_at
    assert queued(redis_client) == [("media.tasks.extract_audio", [extraction.pk])]
    assert extract_audio(extraction.pk) == "done"


def test_a_video_id_never_becomes_a_path_outside_the_audio_folder(media_root):
    assert services.audio_path("dQw4w9WgXcQ") == media_root / "audio" / "dQw4w9WgXcQ.mp3"
    for bad in ("../settings", "a/b", "", "x" * 33, "..", "id.mp3"):
        with pytest.raises(ValueError, match="not a YouTube video id"):
            services.audio_path(bad)


def test_a_video_whose_id_is_not_one_is_refused_with_a_message(alice):
    from videos.models import Video

    odd = Video.objects.create(youtube_id="../odd", title="Odd")
    with pytest.raises(ApplicationError, match="No audio can be extracted"):
        services.audio_extraction_request(user=alice, video=odd)
    assert not AudioExtraction.objects.exists()


def _extracted(user, video, *, days_ago: float = 0):
    """`user`'s request for `video`'s MP3, extracted; the file and the row's finish made to look
    `days_ago` old. Returns (extraction, the MP3's path)."""
    extraction, _ = ask(user, video)
    assert extract_audio(extraction.pk) == "done"
    path = services.audio_path(video.youtube_id)
    then = time.time() - days_ago * 86400
    os.utime(path, (then, then))
    finished = timezone.now() - timedelta(days=days_ago)
    AudioExtraction.objects.filter(pk=extraction.pk).update(finished_at=finished)
    return extraction, path


def test_an_mp3_nobody_asked_for_in_the_kept_days_is_removed_and_asked_for_anew(
    alice, bob, video, media_root, settings, redis_client
):
    settings.AUDIO_KEEP_DAYS = 30
    first, path = _extracted(alice, video)
    now = timezone.now()
    # Finished today: kept, whatever the file's age.
    then = timezone.now().timestamp() - 40 * 86400
    os.utime(path, (then, then))
    assert services.audio_files_expire(now=now) == 0 and path.exists()
    # Bob's request 10 days later is ready at once and starts the 30 days over.
    AudioExtraction.objects.filter(pk=first.pk).update(finished_at=now - timedelta(days=40))
    second, _ = ask(bob, video)
    assert second.status == Status.DONE and second.is_ready
    AudioExtraction.objects.filter(pk=second.pk).update(finished_at=now - timedelta(days=29))
    assert services.audio_files_expire(now=now) == 0 and path.exists()
    # Nobody for 31 days: removed; the rows stay, no longer ready.
    AudioExtraction.objects.filter(pk=second.pk).update(finished_at=now - timedelta(days=31))
    other = media_root / "audio" / "notes.txt"
    other.write_text("not an MP3 of ours")
    assert services.audio_files_expire(now=now) == 1
    assert not path.exists() and other.exists()
    first.refresh_from_db()
    assert first.status == Status.DONE and not first.is_ready
    # Asking again extracts it again.
    again, created = ask(alice, video)
    assert created and again.status == Status.QUEUED
    assert extract_audio(again.pk) == "done" and path.exists()


def test_an_mp3_is_kept_while_its_video_is_being_extracted_and_with_0_days_forever(
    alice, bob, video, media_root, settings, redis_client
):
    settings.AUDIO_KEEP_DAYS = 30
    _done, path = _extracted(alice, video, days_ago=99)
    running = AudioExtraction.objects.create(user=bob, video=video, status=Status.RUNNING)
    assert services.audio_files_expire() == 0 and path.exists()
    running.delete()
    settings.AUDIO_KEEP_DAYS = 0
    assert services.audio_files_expire() == 0 and path.exists()
    settings.AUDIO_KEEP_DAYS = 30
    assert services.audio_files_expire() == 1 and not path.exists()


def test_the_beat_sweep_removes_expired_mp3s(alice, video, media_root, settings, redis_client):
    from media.tasks import sweep_audio

    settings.AUDIO_KEEP_DAYS = 7
    _extracted(alice, video, days_ago=8)
    assert sweep_audio() == {"requeued": 0, "failed": 0, "expired": 1}


def test_a_request_waits_while_its_videos_mp3_is_being_removed_then_extracts_anew(
    alice, video, media_root, redis_client
):
    """The removal holds the video's lock from its last look at the rows to the unlink: a
    request meanwhile waits, then finds no file, rather than getting a link to a removed one."""
    import threading

    from django.db import connection, transaction

    path = services.audio_path(video.youtube_id)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"ID3 an old MP3")
    asked: dict = {}

    def request() -> None:
        try:
            asked["extraction"], _created = ask(alice, video)
        finally:
            connection.close()

    with transaction.atomic():
        services._lock_file(video.youtube_id)  # as audio_files_expire holds it
        thread = threading.Thread(target=request)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive() and not AudioExtraction.objects.exists()
        path.unlink()
    thread.join(10)
    assert asked["extraction"].status == Status.QUEUED  # no file: it is extracted anew
