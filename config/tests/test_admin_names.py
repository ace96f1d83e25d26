"""The admin names rows by what a person knows (a video's title, a user's e-mail, a playlist's
title, a time in the video), not by ids, without a query per row where it lists many."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indexing.models import IndexJob, JobVideo
from media.models import AudioExtraction
from playlists.models import Playlist, PlaylistItem
from videos.models import Transcript, TranscriptChunk, Video
from videos.tests.search_helpers import add_video, filler

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis_client")]


def videos(count: int) -> list[Video]:
    for n in range(count):
        add_video(f"named{n:06d}", title=f"Flux capacitor repair {n}")
    return list(Video.objects.order_by("youtube_id"))


def delete_confirmation(client, model, pks) -> tuple[str, int]:
    """The 'delete selected' confirmation (it names every row), and the queries it took."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    client.get(url)  # the content types are cached from here on
    with CaptureQueriesContext(connection) as queries:
        page = client.post(url, {"action": "delete_selected", ACTION_CHECKBOX_NAME: pks})
    assert page.status_code == 200
    return page.content.decode(), len(queries)


def assert_named_in_the_admin(client, rows: list, name: str) -> None:
    """rows[1] is called `name`, so is it on the admin's delete confirmation of the first two
    rows, and confirming all of them takes no more queries than two."""
    model = type(rows[0])
    assert str(rows[1]) == name
    html, few = delete_confirmation(client, model, [r.pk for r in rows[:2]])
    assert name in html
    _, many = delete_confirmation(client, model, [r.pk for r in rows])
    assert many == few


def test_an_audio_extraction_is_named_by_its_video_and_its_users_email(staff_client, user):
    rows = [
        AudioExtraction.objects.create(user=user, video=v, status=AudioExtraction.Status.DONE)
        for v in videos(6)
    ]
    name = "audio of Flux capacitor repair 1 for alice@example.com: Ready"
    assert_named_in_the_admin(staff_client, rows, name)


def test_a_playlist_item_is_named_by_its_playlist_position_and_video(staff_client):
    playlist = Playlist.objects.create(youtube_id="PL0123456789abcdef", title="Mix")
    rows = [
        PlaylistItem.objects.create(
            playlist=playlist, video=v, youtube_id=f"UExitem{n}", position=n
        )
        for n, v in enumerate(videos(6))
    ]
    assert_named_in_the_admin(staff_client, rows, "Mix, position 1: Flux capacitor repair 1")


def test_a_chunk_is_named_by_its_video_and_time_and_a_transcript_by_its_video(staff_client):
    add_video("chunked0001", title="Clock tower", said=[*filler(0, 12), (61.5, "power")])
    # Named by the video loaded with them (as the admin's pages load it); a __str__ does not
    # query it, else a deletion's confirmation listing thousands cost a query each.
    rows = list(TranscriptChunk.objects.select_related("video").order_by("position"))
    assert [str(r) for r in rows] == [
        "Clock tower at 0:00 (chunk 0)",
        "Clock tower at 0:30 (chunk 1)",
        "Clock tower at 1:01 (chunk 2)",
    ]
    assert_named_in_the_admin(staff_client, rows, "Clock tower at 0:30 (chunk 1)")
    assert str(Transcript.objects.select_related("video").get()) == "Clock tower en (manual)"
    chunk = TranscriptChunk.objects.get(position=0)
    assert str(chunk) == f"video #{chunk.video_id} at 0:00 (chunk 0)"


def test_a_jobs_videos_are_named_by_their_video_in_its_admin_page(staff_client, user):
    playlist = Playlist.objects.create(youtube_id="PL0123456789abcdef", title="Mix")
    job = IndexJob.objects.create(user=user, playlist=playlist, status="done_with_failures")
    rows = [
        JobVideo.objects.create(job=job, video=v, outcome="failed", reason="HTTP 500")
        for v in videos(6)
    ]
    url = reverse("admin:indexing_indexjob_change", args=[job.pk])
    JobVideo.objects.filter(pk__in=[r.pk for r in rows[2:]]).update(outcome="indexed")
    staff_client.get(url)  # the content types are cached from here on
    with CaptureQueriesContext(connection) as few:
        html = staff_client.get(url).content.decode()
    assert f"Flux capacitor repair 1 in job {job.pk}: Failed" in html
    JobVideo.objects.update(outcome="failed")
    with CaptureQueriesContext(connection) as many:
        html = staff_client.get(url).content.decode()
    assert f"Flux capacitor repair 5 in job {job.pk}: Failed" in html
    assert len(many) == len(few)
