"""The admin's delete confirmations list everything a deletion takes with it in a few queries,
however many rows: a person with jobs of thousands of videos took a query per video."""

from __future__ import annotations

import pytest

from indexing.models import IndexJob, JobVideo
from media.models import AudioExtraction
from playlists.models import Playlist, PlaylistFollow, PlaylistItem
from videos.models import TranscriptChunk, Video
from videos.services import Segment, transcript_save

pytestmark = pytest.mark.django_db

ROWS = 60


@pytest.fixture
def videos() -> list[Video]:
    return Video.objects.bulk_create(
        Video(youtube_id=f"delpage{n:04d}", title=f"Clip number {n}") for n in range(ROWS)
    )


@pytest.fixture
def playlist(user, videos) -> Playlist:
    playlist = Playlist.objects.create(youtube_id="PLdeletepages0001", title="Big mix")
    playlist.owners.add(user)
    PlaylistItem.objects.bulk_create(
        PlaylistItem(playlist=playlist, video=v, youtube_id=f"item{n}", position=n)
        for n, v in enumerate(videos)
    )
    PlaylistFollow.objects.create(user=user, playlist=playlist)
    job = IndexJob.objects.create(user=user, playlist=playlist, status="done", total=ROWS)
    JobVideo.objects.bulk_create(JobVideo(job=job, video=v, outcome="indexed") for v in videos)
    AudioExtraction.objects.bulk_create(AudioExtraction(user=user, video=v) for v in videos)
    return playlist


def test_deleting_a_person_lists_their_jobs_videos_in_a_few_queries(
    staff_client, user, playlist, django_assert_max_num_queries
):
    with django_assert_max_num_queries(30):
        page = staff_client.get(f"/admin/accounts/user/{user.pk}/delete/")
    assert page.status_code == 200
    assert b"in job" in page.content and b"keeps" in page.content  # the rows are listed


def test_deleting_a_job_or_a_playlist_lists_their_rows_in_a_few_queries(
    staff_client, playlist, django_assert_max_num_queries
):
    job = IndexJob.objects.get()
    for url in (
        f"/admin/indexing/indexjob/{job.pk}/delete/",
        f"/admin/playlists/playlist/{playlist.pk}/delete/",
    ):
        with django_assert_max_num_queries(30):
            assert staff_client.get(url).status_code == 200


def test_deleting_a_video_lists_its_chunks_in_a_few_queries(
    staff_client, videos, django_assert_max_num_queries
):
    segments = [Segment(n * 40.0, 40.0, f"words said at {n}") for n in range(ROWS)]
    transcript_save(video_id=videos[0].pk, language="en", is_generated=False, segments=segments)
    assert TranscriptChunk.objects.count() > 20
    with django_assert_max_num_queries(30):
        page = staff_client.get(f"/admin/videos/video/{videos[0].pk}/delete/")
    assert page.status_code == 200


def test_a_rows_own_pages_still_name_it_by_its_video(staff_client, videos):
    segments = [Segment(5.0, 2.0, "hello there")]
    transcript_save(video_id=videos[0].pk, language="en", is_generated=False, segments=segments)
    chunk = TranscriptChunk.objects.get()
    page = staff_client.get(f"/admin/videos/transcriptchunk/{chunk.pk}/change/").content
    assert b"Clip number 0 at 0:05" in page
    assert (
        b"Clip number 0 at 0:05"
        in staff_client.get(f"/admin/videos/transcriptchunk/{chunk.pk}/delete/").content
    )
