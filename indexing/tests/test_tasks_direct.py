"""Playlist indexing, calling the task functions directly against the emulator."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from indexing import progress, selectors, services
from indexing.models import IndexJob, JobVideo
from indexing.tests.support import (
    ALICE,
    BOB,
    drop_queue,
    playlist_of,
    queue_keys,
    queued_messages,
    run_job,
    run_videos,
)
from playlists.models import Playlist, PlaylistItem
from videos.models import Transcript, TranscriptChunk, Video

pytestmark = pytest.mark.django_db(transaction=True)


def start(user, youtube_id: str, *, reindex: bool = False) -> IndexJob:
    playlist = services.playlist_resolve(user=user, youtube_id=youtube_id)
    job, _ = services.index_job_start(user=user, playlist=playlist, reindex=reindex)
    return job


def listed_job(user, yt, capture, size: int = 5) -> IndexJob:
    """A job for a new playlist of `size` videos, listed by the orchestrator; its index_video
    tasks are not run (the test runs what it needs)."""
    job = start(user, playlist_of(yt, ALICE, size=size).id)
    with capture(execute=False):
        services.playlist_index_run(job_id=job.pk)
    return job


def job_video_ids(job: IndexJob) -> list[str]:
    """The job's videos in playlist order (the order their rows were written)."""
    rows = JobVideo.objects.filter(job=job).order_by("pk")
    return list(rows.values_list("video__youtube_id", flat=True))


def _has_english_track(yt, youtube_id: str) -> bool:
    tracks = yt.dataset.tracks(yt.dataset.video_by_id(youtube_id, 0))
    return any(track.language == "en" for track in tracks)


def outcomes(job: IndexJob) -> dict[str, int]:
    counts: dict[str, int] = {}
    for outcome in JobVideo.objects.filter(job=job).values_list("outcome", flat=True):
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def test_it_indexes_a_playlist_and_records_every_video_with_its_outcome(
    alice, yt, django_capture_on_commit_callbacks
):
    source = playlist_of(yt, ALICE, size=50)
    job = run_job(start(alice, source.id), django_capture_on_commit_callbacks)

    assert job.status in (IndexJob.Status.DONE, IndexJob.Status.DONE_WITH_FAILURES)
    assert job.total == PlaylistItem.objects.filter(playlist=job.playlist).count() > 40
    assert sum(outcomes(job).values()) == job.total
    assert job.indexed + job.no_transcript + job.unavailable + job.failed == job.total
    assert job.failed == 0 and job.indexed > 30
    assert job.finished_at and job.duration_seconds is not None
    # The playlist's private and deleted videos have no details to index: counted apart.
    entries = yt.dataset.playlist_items(source)
    hidden = [i for i in entries if yt.dataset.status_of(i) != "public"]
    assert job.hidden == len(hidden) > 0
    assert job.total + job.hidden == len(entries) == 50
    # Details came from videos.list, transcripts are stored in ~30 s chunks with start times.
    video = Video.objects.filter(transcript__status="fetched").first()
    assert video.duration_seconds and video.details_fetched_at
    chunks = list(TranscriptChunk.objects.filter(video=video).order_by("position"))
    assert chunks and all(c.duration <= 45 for c in chunks[:-1])
    assert chunks[0].start < chunks[1].start
    assert (
        yt.dataset.signature_phrase(video.youtube_id).split()[0]
        in " ".join(c.text for c in chunks).lower()
    )


def test_an_empty_playlist_is_done_with_zero_videos(alice, yt, django_capture_on_commit_callbacks):
    source = playlist_of(yt, ALICE, title="empty playlist")
    job = run_job(start(alice, source.id), django_capture_on_commit_callbacks)
    assert job.status == IndexJob.Status.DONE
    assert job.total == 0
    assert selectors.job_progress(job=job).percent == 100  # nothing to do, all of it done


def test_an_unknown_playlist_fails_the_job_with_playlist_not_found(
    alice, yt, django_capture_on_commit_callbacks
):
    job = run_job(
        start(alice, "PLnoSuchPlaylist0000000000000000"), django_capture_on_commit_callbacks
    )
    assert job.status == IndexJob.Status.FAILED
    assert job.message == "playlist not found"
    assert not JobVideo.objects.filter(job=job).exists()
    assert selectors.job_progress(job=job).percent == 0  # not a full bar for a failure


def test_someone_elses_private_playlist_is_refused_and_nothing_is_written(alice, bob, yt):
    private = playlist_of(yt, BOB, title="private notes")
    with pytest.raises(services.ApplicationError) as caught:
        start(alice, private.id)
    assert caught.value.status_code == 403
    assert "private" in caught.value.message
    assert not IndexJob.objects.exists()
    assert not Playlist.objects.filter(youtube_id=private.id).exists()


def test_two_starts_of_one_playlist_make_one_job(alice, yt, django_capture_on_commit_callbacks):
    source = playlist_of(yt, ALICE, size=5)
    playlist = services.playlist_resolve(user=alice, youtube_id=source.id)
    first, created = services.index_job_start(user=alice, playlist=playlist)
    second, created_again = services.index_job_start(user=alice, playlist=playlist)
    assert created and not created_again
    assert first.pk == second.pk
    assert IndexJob.objects.count() == 1


def test_it_skips_videos_already_indexed_unless_reindex_is_asked(
    alice, yt, django_capture_on_commit_callbacks
):
    source = playlist_of(yt, ALICE, size=5)
    first = run_job(start(alice, source.id), django_capture_on_commit_callbacks)
    calls = yt.control.stats()
    second = run_job(start(alice, source.id), django_capture_on_commit_callbacks)
    assert second.skipped == second.total == first.total
    assert second.status == IndexJob.Status.DONE
    assert transcript_requests(yt) == transcript_requests_of(calls)

    third = run_job(start(alice, source.id, reindex=True), django_capture_on_commit_callbacks)
    assert third.skipped == 0
    assert third.indexed == first.indexed
    assert transcript_requests(yt) > transcript_requests_of(calls)


def transcript_requests_of(stats: dict) -> int:
    return sum(n for k, n in stats["requests"].items() if k.startswith("transcript."))


def transcript_requests(yt) -> int:
    return transcript_requests_of(yt.control.stats())


def test_running_a_video_twice_changes_nothing_more(alice, yt, django_capture_on_commit_callbacks):
    source = playlist_of(yt, ALICE, size=5)
    job = run_job(start(alice, source.id), django_capture_on_commit_callbacks)
    video = JobVideo.objects.filter(job=job, outcome="indexed").select_related("video").first()
    before = list(TranscriptChunk.objects.filter(video=video.video).values_list("id", "text"))
    snapshot = progress.snapshot(job_id=job.pk)

    assert services.video_index_run(video_id=video.video.youtube_id, job_id=job.pk) is None

    assert (
        list(TranscriptChunk.objects.filter(video=video.video).values_list("id", "text")) == before
    )
    assert progress.snapshot(job_id=job.pk).settled == snapshot.settled
    job.refresh_from_db()
    assert job.indexed == snapshot.counts["indexed"]


def test_cancel_marks_remaining_videos_and_tasks_skip(
    alice, yt, django_capture_on_commit_callbacks
):
    source = playlist_of(yt, ALICE, size=50)
    job = start(alice, source.id)
    with django_capture_on_commit_callbacks(execute=False):
        services.playlist_index_run(job_id=job.pk)
    job.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.index_job_cancel(job=job)
    job.refresh_from_db()
    assert job.status == IndexJob.Status.CANCELLED
    assert not JobVideo.objects.filter(job=job, outcome="pending").exists()
    some = JobVideo.objects.filter(job=job).select_related("video").first()
    assert services.video_index_run(video_id=some.video.youtube_id, job_id=job.pk) is None
    assert not Transcript.objects.filter(video=some.video).exists()
    with pytest.raises(services.ApplicationError):
        services.index_job_cancel(job=job)


def mid_listing(alice, yt, callbacks) -> IndexJob:
    """A job as it stands mid-listing: two of its first page's videos settled, the rest of a
    playlist of 500 not listed yet."""
    job = listed_job(alice, yt, callbacks)
    for video_id in job_video_ids(job)[:2]:
        services.video_index_run(video_id=video_id, job_id=job.pk)
    IndexJob.objects.filter(pk=job.pk).update(dispatched_at=None, hidden=0)
    Playlist.objects.filter(pk=job.playlist_id).update(item_count=500)
    return job


def cancelled_while_listing(alice, yt, callbacks) -> IndexJob:
    """A job cancelled mid-listing (see mid_listing)."""
    job = mid_listing(alice, yt, callbacks)
    with callbacks(execute=True):
        services.index_job_cancel(job=job)
    job.refresh_from_db()
    return job


def video_with_transcript(yt, job: IndexJob) -> str:
    """One of the job's videos with an English transcript to fetch (some have none)."""
    return next(v for v in job_video_ids(job) if _has_english_track(yt, v))


def test_a_job_cancelled_while_listing_counts_against_the_playlist_not_what_was_listed(
    alice, client, yt, django_capture_on_commit_callbacks
):
    job = cancelled_while_listing(alice, yt, django_capture_on_commit_callbacks)
    shown = selectors.job_progress(job=job)
    listed = JobVideo.objects.filter(job=job).count()
    assert shown.counts["cancelled"] == listed - 2
    assert (shown.done, shown.total, shown.unlisted) == (2, 500, 500 - listed)
    assert shown.percent == 0  # 2 of 500
    client.force_login(alice)
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "2</strong> / 500 videos · 0 %" in html
    assert f"{500 - listed} of its videos were never listed, nor indexed." in html
    api = client.get(f"/api/jobs/{job.pk}/").json()["progress"]
    assert (api["total"], api["unlisted"], api["done"]) == (500, 500 - listed, 2)


def test_a_job_failed_while_listing_shows_its_listed_videos_live_until_they_end(
    alice, client, yt, django_capture_on_commit_callbacks
):
    job = mid_listing(alice, yt, django_capture_on_commit_callbacks)
    listed = job_video_ids(job)
    # A later page answered 404.
    with django_capture_on_commit_callbacks(execute=True):
        services._job_fail(job.pk, "playlist not found")
    job.refresh_from_db()
    assert job.status == "failed"
    shown = selectors.job_progress(job=job)
    assert shown.settling and not shown.finished
    assert (shown.done, shown.total, shown.unlisted) == (2, 500, 500 - len(listed))
    client.force_login(alice)
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "hx-get" in html  # still polling
    assert "2</strong> / 500 videos" in html and "still being indexed" in html
    assert "playlist not found" in html
    assert client.get(f"/api/jobs/{job.pk}/").json()["progress"]["done"] == 2

    run_videos(job.pk)
    services.job_finish(job_id=job.pk)  # what the last settle's finish_job does
    job.refresh_from_db()
    shown = selectors.job_progress(job=job)
    assert not shown.settling and shown.finished and job.status == "failed"
    assert (shown.done, shown.total) == (len(listed), 500)
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "hx-get" not in html and "still being indexed" not in html


def test_retrying_a_job_cancelled_while_listing_indexes_the_whole_playlist(
    alice, yt, django_capture_on_commit_callbacks
):
    job = cancelled_while_listing(alice, yt, django_capture_on_commit_callbacks)
    Playlist.objects.filter(pk=job.playlist_id).update(item_count=0)
    assert JobVideo.objects.filter(job=job, reason="cancelled").exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.index_job_retry_failed(job=job)
    with django_capture_on_commit_callbacks(execute=True):
        services.playlist_index_run(job_id=job.pk)
    run_videos(job.pk)
    services.job_finish(job_id=job.pk)
    job.refresh_from_db()
    # The videos it had cancelled run too (not skipped: cancelled again by the old flag).
    assert not JobVideo.objects.filter(job=job, reason="cancelled").exists()
    assert not JobVideo.objects.filter(job=job, outcome="pending").exists()
    assert job.status in ("done", "done_with_failures")
    assert job.indexed + job.no_transcript + job.unavailable + job.failed == job.total


def test_the_rate_of_a_job_stopped_while_listing_counts_the_videos_it_did(
    alice, yt, django_capture_on_commit_callbacks
):
    # Its total counts the playlist's videos never listed; they took none of its time.
    job = cancelled_while_listing(alice, yt, django_capture_on_commit_callbacks)
    job.started_at = job.finished_at - timedelta(seconds=10)
    shown = selectors.job_progress(job=job)
    assert shown.total == 500 and shown.rate == 0.2  # 2 videos in 10 s, not 498


def test_the_time_left_reads_as_people_say_it():
    job = IndexJob(status=IndexJob.Status.RUNNING)

    def left(seconds):
        return selectors.JobProgress(job, 10, 5, 50, {}, 1.0, seconds, 0).eta_text

    assert left(None) == "" and left(0.0) == left(0.4) == "almost done"
    assert (left(1.4), left(89), left(90), left(3000)) == (
        "about 1 s left",
        "about 89 s left",
        "about 2 min left",
        "about 50 min left",
    )
    assert left(5400) == "about 1.5 h left"
    job.status = IndexJob.Status.DONE
    assert left(12) == ""


def test_transient_errors_retry_then_fail_with_their_reason(
    alice, yt, settings, django_capture_on_commit_callbacks
):
    settings.INDEXING_MAX_RETRIES = 2
    job = listed_job(alice, yt, django_capture_on_commit_callbacks)
    video_id = video_with_transcript(yt, job)

    yt.control.fail_next("transcript", status=503, count=1)
    with pytest.raises(services.RetryLater) as later:
        services.video_index_run(video_id=video_id, job_id=job.pk, attempt=0)
    assert later.value.countdown > 0 and "503" in later.value.reason
    # The next attempt succeeds: nothing about the failure is left behind.
    assert services.video_index_run(video_id=video_id, job_id=job.pk, attempt=1) == "indexed"

    other = JobVideo.objects.filter(job=job, outcome="pending").values_list(
        "video__youtube_id", flat=True
    )[0]
    yt.control.fail_next("transcript", status=500, count=10)
    for attempt in range(2):
        with pytest.raises(services.RetryLater):
            services.video_index_run(video_id=other, job_id=job.pk, attempt=attempt)
    assert services.video_index_run(video_id=other, job_id=job.pk, attempt=2) == "failed"
    entry = JobVideo.objects.get(job=job, video__youtube_id=other)
    assert "500" in entry.reason and "gave up after 3 attempts" in entry.reason
    assert Transcript.objects.get(video__youtube_id=other).status == "failed"


def test_retrying_a_job_that_failed_while_listing_runs_its_failed_videos_again(
    alice, yt, settings, django_capture_on_commit_callbacks
):
    settings.INDEXING_MAX_RETRIES = 0
    job = listed_job(alice, yt, django_capture_on_commit_callbacks)
    video_id = video_with_transcript(yt, job)
    yt.control.fail_next("transcript", status=500, count=1)
    assert services.video_index_run(video_id=video_id, job_id=job.pk) == "failed"
    run_videos(job.pk)
    # As a job whose listing then failed (the grant revoked on a later page) stands.
    IndexJob.objects.filter(pk=job.pk).update(
        status="failed", message="Google access was revoked or expired", dispatched_at=None
    )
    job.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=False):
        services.index_job_retry_failed(job=job)
    assert JobVideo.objects.get(job=job, video__youtube_id=video_id).outcome == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        services.playlist_index_run(job_id=job.pk)
    run_videos(job.pk)
    assert JobVideo.objects.get(job=job, video__youtube_id=video_id).outcome == "indexed"
    assert Transcript.objects.get(video__youtube_id=video_id).status == "fetched"
    job.refresh_from_db()
    assert job.status == "done" and job.failed == 0


def test_an_ip_block_backs_off_longer_and_slows_everyone(
    alice, yt, settings, django_capture_on_commit_callbacks
):
    from indexing import ratelimit

    job = listed_job(alice, yt, django_capture_on_commit_callbacks)
    video_id = job_video_ids(job)[0]
    settings.INDEXING_BACKOFF_BASE_SECONDS = 1.0
    yt.control.set_faults(ip_block={"enabled": True, "threshold_rps": 0.5, "duration_s": 60})
    with pytest.raises(services.RetryLater) as later:
        for _ in range(3):
            services.video_index_run(video_id=video_id, job_id=job.pk, attempt=0)
    assert "blocked" in later.value.reason
    assert later.value.countdown >= 0.5 * settings.INDEXING_BACKOFF_BASE_SECONDS * 8
    assert ratelimit.current_factor() == 0.5
    assert JobVideo.objects.get(job=job, video__youtube_id=video_id).outcome == "pending"


def test_videos_without_transcripts_record_why(alice, yt, django_capture_on_commit_callbacks):
    job = run_job(
        start(alice, playlist_of(yt, ALICE, size=50).id), django_capture_on_commit_callbacks
    )
    reasons = dict(
        JobVideo.objects.filter(job=job).exclude(outcome="indexed").values_list("outcome", "reason")
    )
    assert job.no_transcript and job.unavailable
    assert "disabled" in reasons["no_transcript"] or "languages" in reasons["no_transcript"]
    assert "age-restricted" in reasons["unavailable"] or "unavailable" in reasons["unavailable"]
    assert job.failed == 0


def test_retry_failed_requeues_only_the_failed_videos(
    alice, yt, settings, django_capture_on_commit_callbacks
):
    settings.INDEXING_MAX_RETRIES = 0
    job = listed_job(alice, yt, django_capture_on_commit_callbacks)
    yt.control.fail_next("transcript", status=500, count=2)
    run_videos(job.pk)
    job.refresh_from_db()
    assert job.status == IndexJob.Status.DONE_WITH_FAILURES and job.failed == 2

    with django_capture_on_commit_callbacks(execute=True):
        services.index_job_retry_failed(job=job)
    job.refresh_from_db()
    assert job.status == IndexJob.Status.RUNNING
    assert JobVideo.objects.filter(job=job, outcome="pending").count() == 2
    run_videos(job.pk)
    job.refresh_from_db()
    assert job.status == IndexJob.Status.DONE and job.failed == 0
    assert progress.snapshot(job_id=job.pk).settled == job.total - job.skipped
    with pytest.raises(services.ApplicationError):
        services.index_job_retry_failed(job=job)


def test_quota_exhausted_waits_with_a_message_and_resumes_after_reset(
    alice, yt, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    source = playlist_of(yt, ALICE, size=5)
    job = start(alice, source.id)
    yt.control.set_config(units_per_day=0)
    with django_capture_on_commit_callbacks(execute=False):
        services.playlist_index_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == IndexJob.Status.WAITING_QUOTA
    assert "quota" in job.message and "resumes" in job.message
    assert job.resume_at > timezone.now()
    assert not JobVideo.objects.filter(job=job).exists()

    # Before the reset nothing happens; after it, the sweeper resumes the job.
    services.playlist_index_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == IndexJob.Status.WAITING_QUOTA
    yt.control.set_config(units_per_day=10_000)
    IndexJob.objects.filter(pk=job.pk).update(resume_at=timezone.now() - timedelta(seconds=1))
    assert services.jobs_sweep()[str(job.pk)] == "resumed"
    job = run_job(job, django_capture_on_commit_callbacks)
    assert job.status == IndexJob.Status.DONE and job.total == 4


def test_the_sweeper_requeues_lost_videos_then_fails_them_with_a_reason(
    alice, yt, settings, django_capture_on_commit_callbacks, redis_client
):
    from datetime import timedelta

    from django.utils import timezone

    settings.INDEXING_MAX_REQUEUES = 1
    job = listed_job(alice, yt, django_capture_on_commit_callbacks)
    drop_queue(redis_client)  # the messages are "lost"
    past = timezone.now() - timedelta(hours=1)
    IndexJob.objects.filter(pk=job.pk).update(dispatched_at=past)
    JobVideo.objects.filter(job=job).update(updated_at=past)

    assert services.job_sweep(job_id=job.pk).startswith("requeued 4")
    assert len(queued_messages(redis_client)) >= 4
    assert services.job_sweep(job_id=job.pk) == "alive"  # re-queued just now
    drop_queue(redis_client)
    JobVideo.objects.filter(job=job).update(updated_at=past)
    assert services.job_sweep(job_id=job.pk) == "requeued 0, failed 4"
    job.refresh_from_db()
    assert job.status == IndexJob.Status.FAILED
    assert all(
        r.startswith("lost")
        for r in JobVideo.objects.filter(job=job).values_list("reason", flat=True)
    )


def test_each_page_is_fanned_out_before_the_listing_ends(
    alice, yt, settings, django_capture_on_commit_callbacks, redis_client
):
    source = playlist_of(yt, ALICE, size=500)
    job = start(alice, source.id)
    consumer = f"oauth:{settings.GOOGLE_CLIENT_ID}"
    used = yt.control.quota(consumer)["units"]
    # playlists.list, then per page playlistItems.list + videos.list: quota ends on page 3.
    yt.control.set_config(units_per_day=used + 1 + 2 * 2)
    with django_capture_on_commit_callbacks(execute=True):
        services.playlist_index_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == IndexJob.Status.WAITING_QUOTA
    first_pages = JobVideo.objects.filter(job=job)
    assert 80 <= first_pages.count() <= 100
    # Their tasks are queued already, and no video can be taken for the job's last one yet.
    queued = [m["headers"] for m in queued_messages(redis_client)]
    assert sorted(h["argsrepr"] for h in queued if h["task"].endswith("index_video")) == sorted(
        repr((v, job.pk))
        for v in first_pages.filter(outcome="pending").values_list("video__youtube_id", flat=True)
    )
    assert progress.snapshot(job_id=job.pk).total == first_pages.count()
    assert job.dispatched_at is None
    drop_queue(redis_client)
    run_videos(job.pk)  # the first pages' videos are indexed while the job waits
    assert services.job_sweep(job_id=job.pk) == "idle"
    job.refresh_from_db()
    assert job.status == IndexJob.Status.WAITING_QUOTA

    # After the reset the listing starts over: every video once, the live state rebuilt.
    yt.control.set_config(units_per_day=10_000)
    IndexJob.objects.filter(pk=job.pk).update(resume_at=timezone.now() - timedelta(seconds=1))
    job = run_job(job, django_capture_on_commit_callbacks)
    assert job.status in (IndexJob.Status.DONE, IndexJob.Status.DONE_WITH_FAILURES)
    assert job.total == PlaylistItem.objects.filter(playlist=job.playlist).count() > 400
    assert job.indexed + job.no_transcript + job.unavailable + job.failed == job.total
    snapshot = progress.snapshot(job_id=job.pk)
    assert snapshot.todo == snapshot.settled == job.total - job.skipped


def test_no_video_is_the_last_while_the_listing_runs_and_its_end_says_when_all_settled(
    redis_client,
):
    progress.job_begin(job_id=9, total=0, skipped=0, todo=None)
    progress.job_listed(job_id=9, total=3, skipped=1)
    assert not progress.settle(job_id=9, video_id="a", outcome="indexed")
    assert not progress.settle(job_id=9, video_id="b", outcome="failed")
    snapshot = progress.snapshot(job_id=9)
    assert (snapshot.total, snapshot.skipped, snapshot.todo, snapshot.settled) == (3, 1, 2, 2)
    assert progress.job_listed_all(job_id=9, total=3, skipped=1)  # both settled already

    progress.job_begin(job_id=10, total=0, skipped=0, todo=None)
    assert not progress.settle(job_id=10, video_id="a", outcome="indexed")
    assert not progress.job_listed_all(job_id=10, total=2, skipped=0)
    assert progress.settle(job_id=10, video_id="b", outcome="indexed")  # now the last one
    assert progress.job_listed_all(job_id=0, total=0, skipped=0)  # nothing to do: finished


def test_a_second_delivery_writes_nothing_even_when_redis_forgot_the_video(
    alice, yt, django_capture_on_commit_callbacks, redis_client
):
    source = playlist_of(yt, ALICE, size=5)
    job = run_job(start(alice, source.id, reindex=True), django_capture_on_commit_callbacks)
    entry = JobVideo.objects.filter(job=job, outcome="indexed").select_related("video").first()
    chunks = list(TranscriptChunk.objects.filter(video=entry.video).values_list("id", flat=True))
    redis_client.flushdb()  # no live state: the transcript is fetched again (re-index job)...
    fetches = transcript_requests(yt)

    assert services.video_index_run(video_id=entry.video.youtube_id, job_id=job.pk) is None
    assert transcript_requests(yt) > fetches

    # ...but the claim in the same statement found nothing pending, so nothing was written.
    assert chunks
    assert (
        list(TranscriptChunk.objects.filter(video=entry.video).values_list("id", flat=True))
        == chunks
    )
    entry.refresh_from_db()
    assert entry.outcome == "indexed" and entry.attempts == 1


def test_a_video_indexed_by_another_job_meanwhile_is_not_fetched_again_unless_it_is_gone(
    alice, bob, yt, django_capture_on_commit_callbacks
):
    public = yt.dataset.public_playlist_ids[0]
    first, second = start(alice, public), start(bob, public)
    with django_capture_on_commit_callbacks(execute=False):
        services.playlist_index_run(job_id=first.pk)
        services.playlist_index_run(job_id=second.pk)
    # Both jobs listed the playlist before either indexed anything: all pending in both.
    assert not JobVideo.objects.filter(job=second).exclude(outcome="pending").exists()
    run_videos(first.pk)
    gone = Transcript.objects.filter(video__job_entries__job=second, status="fetched").first()
    gone.delete()  # the Redis hint says indexed, PostgreSQL no longer has it
    fetches = transcript_requests(yt)

    run_videos(second.pk)

    assert transcript_requests(yt) - fetches == 3  # only the deleted one, fetched again
    second.refresh_from_db()
    entries = JobVideo.objects.filter(job=second).exclude(outcome="skipped")
    assert entries.count() > 5
    assert set(entries.exclude(video=gone.video).values_list("reason", flat=True)) == {
        "already indexed"
    }
    assert entries.get(video=gone.video).outcome == "indexed"
    assert Transcript.objects.get(video=gone.video).status == "fetched"


def test_a_video_run_leaves_no_lock_behind_and_never_frees_someone_elses(
    alice, yt, django_capture_on_commit_callbacks, redis_client
):
    from indexing import locks

    job = listed_job(alice, yt, django_capture_on_commit_callbacks)
    first, second = job_video_ids(job)[:2]

    token = locks.lock_acquire(f"video:{second}", ttl_seconds=60)  # another worker's
    with pytest.raises(services.RetryLater) as later:
        services.video_index_run(video_id=second, job_id=job.pk)
    assert not later.value.counts
    assert redis_client.get(f"ti:lock:video:{second}") == token.encode()

    assert services.video_index_run(video_id=first, job_id=job.pk) is not None
    assert not redis_client.exists(f"ti:lock:video:{first}")
    assert services.video_index_run(video_id=first, job_id=job.pk) is None  # settled already
    assert not redis_client.exists(f"ti:lock:video:{first}")


@pytest.mark.parametrize("cache_elsewhere", [False, True])
def test_recording_a_transcript_invalidates_cached_search_results_and_a_no_op_does_not(
    alice, yt, django_capture_on_commit_callbacks, settings, cache_elsewhere
):
    from videos.search.cache import index_version

    if cache_elsewhere:
        # The cache's URL differs from the counters' (here only by an option, so the test can
        # still read it): the bump cannot share their pipeline and takes its own round trip.
        sep = "&" if "?" in settings.REDIS_URL else "?"
        location = f"{settings.REDIS_URL}{sep}socket_timeout=3"
        settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": location}}
    job = listed_job(alice, yt, django_capture_on_commit_callbacks)
    videos = job_video_ids(job)
    before = index_version()

    outcome = services.video_index_run(video_id=videos[0], job_id=job.pk)
    assert outcome in ("indexed", "no_transcript", "unavailable")
    after = index_version()
    assert after == before + 1

    assert services.video_index_run(video_id=videos[0], job_id=job.pk) is None  # settled
    assert index_version() == after


def test_the_backlog_the_sweeper_waits_for_counts_every_priority(redis_client):
    # A job's later videos wait in the queue's lower-priority lists: the sweeper must see them
    # as queued, not lost (it re-queues only while the queue is empty).
    ids = [f"vid{n:08d}" for n in range(30)]
    services._publish_videos(1, ids[:25])
    services._publish_videos(1, ids[25:], first=2500)
    assert [len(redis_client.lrange(key, 0, -1)) for key in queue_keys()] == [20, 5, 0, 5]
    assert services._queue_backlog() == 30
