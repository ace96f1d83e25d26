"""Keep up to date: beat's hourly run starts a job (started by: schedule) for each followed
playlist whose last job ended PLAYLIST_REFRESH_HOURS ago, and only for those; the job indexes
the videos added since and skips the others; two runs at once start one job."""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from indexing import services
from indexing.follows import follow_refresh, follows_due, follows_refresh
from indexing.models import IndexJob, JobVideo
from indexing.tasks import refresh_followed_playlists
from indexing.tests.support import ALICE, playlist_of, queued_messages, run_in_threads, run_job
from playlists.models import Playlist, PlaylistFollow
from playlists.services import playlist_follow_set
from videos.models import Transcript

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def synced(alice):
    """Alice's playlists as her first visit to the playlists page stores them (hers)."""
    browser = Client()
    browser.force_login(alice)
    browser.get("/playlists/")
    return alice


def follow(user, yt, size: int) -> Playlist:
    playlist = Playlist.objects.get(youtube_id=playlist_of(yt, ALICE, size=size).id)
    playlist_follow_set(user=user, playlist=playlist, keep_up_to_date=True)
    return playlist


def test_a_followed_playlist_gets_a_job_when_due_and_not_before(
    synced, yt, redis_client, django_capture_on_commit_callbacks
):
    five = follow(synced, yt, 5)
    Playlist.objects.get(youtube_id=playlist_of(yt, ALICE, size=50).id)  # hers, not followed

    # Never indexed: due at the first run (here through Celery's call path, as beat sends it).
    assert refresh_followed_playlists.apply().get() == {"started": 1}
    (job,) = IndexJob.objects.all()  # nothing for the playlists she does not follow
    assert (job.playlist, job.user, job.started_by) == (five, synced, "schedule")
    assert [m["headers"]["task"] for m in queued_messages(redis_client)] == [
        "indexing.tasks.index_playlist"
    ]  # its orchestrator, queued when the claim committed
    assert follows_refresh() == {}, "a job is active: not due"

    job = run_job(job, django_capture_on_commit_callbacks)
    assert job.status == IndexJob.Status.DONE
    browser = Client()
    browser.force_login(synced)
    assert "started by the schedule" in browser.get(f"/jobs/{job.pk}/").content.decode()
    assert browser.get(f"/api/jobs/{job.pk}/").json()["started_by"] == "schedule"
    ended = job.finished_at
    assert follows_refresh(now=ended + timedelta(hours=23, minutes=59)) == {}
    assert IndexJob.objects.count() == 1
    assert follows_refresh(now=ended + timedelta(hours=24, minutes=1)) == {"started": 1}
    assert IndexJob.objects.filter(playlist=five, started_by="schedule").count() == 2
    assert PlaylistFollow.objects.get().last_error == ""


def test_the_interval_is_the_playlist_refresh_hours_setting(
    synced, yt, settings, django_capture_on_commit_callbacks
):
    settings.PLAYLIST_REFRESH_HOURS = 2
    follow(synced, yt, 5)
    follows_refresh()
    job = run_job(IndexJob.objects.get(), django_capture_on_commit_callbacks)
    assert follows_refresh(now=job.finished_at + timedelta(minutes=119)) == {}
    assert follows_refresh(now=job.finished_at + timedelta(minutes=121)) == {"started": 1}


def test_a_video_added_to_a_followed_playlist_is_indexed_by_the_next_run_and_the_rest_skipped(
    synced, yt, django_capture_on_commit_callbacks
):
    five = follow(synced, yt, 5)
    follows_refresh()
    first = run_job(IndexJob.objects.get(), django_capture_on_commit_callbacks)
    assert first.status == IndexJob.Status.DONE and first.total > 0 and first.skipped == 0
    old = set(JobVideo.objects.filter(job=first).values_list("video__youtube_id", flat=True))

    # Someone adds a new upload to the playlist on YouTube.
    (added,) = yt.control.add_videos(1, playlist_id=five.youtube_id, title="Added later")
    assert follows_refresh(now=first.finished_at + timedelta(hours=25)) == {"started": 1}
    second = run_job(IndexJob.objects.latest("pk"), django_capture_on_commit_callbacks)

    assert second.started_by == "schedule" and second.status == IndexJob.Status.DONE
    assert (second.total, second.skipped, second.indexed) == (first.total + 1, first.total, 1)
    outcomes = dict(JobVideo.objects.filter(job=second).values_list("video__youtube_id", "outcome"))
    assert outcomes.pop(added["id"]) == JobVideo.Outcome.INDEXED
    assert set(outcomes) == old and set(outcomes.values()) == {JobVideo.Outcome.SKIPPED}
    transcript = Transcript.objects.get(video__youtube_id=added["id"])
    assert transcript.status == Transcript.Status.FETCHED
    phrase = added["signature"]["phrase"]
    assert any(phrase in chunk.text for chunk in transcript.video.chunks.all())


def test_a_job_started_by_hand_counts_as_the_last_job(
    synced, yt, django_capture_on_commit_callbacks
):
    five = follow(synced, yt, 5)
    job, _ = services.index_job_start(user=synced, playlist=five)
    assert follows_refresh() == {}, "her own job is running"
    job = run_job(job, django_capture_on_commit_callbacks)
    assert follows_refresh(now=job.finished_at + timedelta(hours=1)) == {}
    assert IndexJob.objects.get().started_by == "user"


def test_turning_it_off_stops_the_schedule(synced, yt):
    five = follow(synced, yt, 5)
    playlist_follow_set(user=synced, playlist=five, keep_up_to_date=False)
    assert follows_refresh() == {} and not IndexJob.objects.exists()


def test_a_run_that_read_a_follow_before_another_run_started_and_ended_its_job_starts_nothing(
    synced, yt
):
    follow(synced, yt, 5)
    now = timezone.now()
    (stale,) = follows_due(now=now)  # a second run has read the follow...
    (fresh,) = follows_due(now=now)
    assert follow_refresh(follow=fresh, now=now) == "started"  # ...when the first starts its job
    job = IndexJob.objects.get()
    services.index_job_cancel(job=job)  # and that job ends at once (nothing active any more)
    # Without the claim, the second run's index_job_start would start a second job.
    assert follow_refresh(follow=stale, now=now + timedelta(seconds=1)) == "taken"
    assert IndexJob.objects.count() == 1


def test_runs_at_the_same_time_start_one_job_per_followed_playlist(synced, yt):
    followed = [follow(synced, yt, size) for size in (5, 50, 500)]
    results: list[dict[str, int]] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def run() -> None:
        start.wait()
        try:
            result = follows_refresh()
        finally:
            connection.close()
        with lock:
            results.append(result)

    run_in_threads([run] * 6)
    assert sum(r.get("started", 0) for r in results) == 3
    assert sorted(IndexJob.objects.values_list("playlist_id", flat=True)) == sorted(
        p.pk for p in followed
    )


def test_setup_beat_runs_it_every_hour_on_the_polling_queue():
    from django_celery_beat.models import PeriodicTask

    from config.celery import app

    call_command("setup_beat", stdout=io.StringIO())
    task = PeriodicTask.objects.get(name="Keep playlists up to date")
    assert (task.task, task.queue, task.interval.every, task.interval.period) == (
        "indexing.tasks.refresh_followed_playlists",
        "polling",
        3600,
        "seconds",
    )
    assert task.task in app.tasks
    assert app.amqp.router.route({}, task.task)["queue"].name == "polling"
