"""Pages: playlists (paste box, Start Indexing) and the job page with its htmx partial."""

from __future__ import annotations

import html
import re

import pytest
from django.utils import timezone

from indexing import services
from indexing.models import IndexJob, JobVideo
from indexing.tests.support import ALICE, BOB, playlist_of, run_videos
from indexing.youtube.keypool import next_pacific_midnight
from playlists.models import Playlist, PlaylistItem
from videos.tests.search_helpers import add_video

pytestmark = pytest.mark.django_db(transaction=True)

TRIGGER = b"every 1s [document.visibilityState==='visible']"


@pytest.fixture
def web(client, alice):
    client.force_login(alice)
    return client


def test_the_playlists_page_lists_mine_with_counts_and_liked_videos(web, yt, alice):
    page = web.get("/playlists/")
    assert page.status_code == 200
    for size in (5, 50, 500, 3000, 5000):
        assert f"mix ({size} videos)".encode() in page.content
    assert b"Liked videos" in page.content and b"private notes" in page.content
    assert b"Start Indexing" in page.content
    liked = alice.playlists.get(title="Liked videos")
    assert liked.item_count == 120  # the emulator's Liked list for alice


@pytest.mark.parametrize("value", ["nonsense", "https://vimeo.com/123", "PL!!"])
def test_a_malformed_paste_is_a_400_with_a_message(web, yt, value):
    page = web.post("/playlists/add/", {"playlist": value})
    assert page.status_code == 400
    assert b'class="error"' in page.content
    assert not Playlist.objects.filter(youtube_id=value).exists()


def test_pasting_someone_elses_private_playlist_is_a_403(web, bob, yt):
    private = playlist_of(yt, BOB, title="private notes")
    page = web.post("/playlists/add/", {"playlist": private.id})
    assert page.status_code == 403 and b"private" in page.content


def test_pasting_a_public_playlist_url_adds_it(web, bob, yt):
    public = playlist_of(yt, BOB, size=5)
    url = f"https://www.youtube.com/watch?v=abc&list={public.id}"
    assert web.post("/playlists/add/", {"playlist": url}).status_code == 302
    assert b"Bob&#x27;s mix (5 videos)" in web.get("/playlists/").content


def test_start_indexing_goes_to_the_job_page_which_polls_until_finished(web, yt, alice):
    web.get("/playlists/")
    playlist = Playlist.objects.get(youtube_id=playlist_of(yt, ALICE, size=5).id)
    response = web.post("/playlists/index/", {"playlist": [playlist.pk]})
    job = IndexJob.objects.get(playlist=playlist)
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    page = web.get(f"/jobs/{job.pk}/")
    assert page.status_code == 200 and TRIGGER in page.content and b"Cancel" in page.content

    services.playlist_index_run(job_id=job.pk)
    run_videos(job.pk)
    partial = web.get(f"/jobs/{job.pk}/progress/")
    assert partial.status_code == 200
    assert TRIGGER not in partial.content  # finished: htmx stops polling
    assert b"100 %" in partial.content and b"Done" in partial.content
    assert b"Re-index" in web.get(f"/jobs/{job.pk}/").content


def test_the_job_page_says_the_playlist_is_being_listed_until_the_listing_ends(
    web, yt, alice, settings
):
    web.get("/playlists/")
    playlist = Playlist.objects.get(youtube_id=playlist_of(yt, ALICE, size=500).id)
    job, _ = services.index_job_start(user=alice, playlist=playlist)
    partial = web.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert "Listing the playlist…" in partial and "0 / 0 videos" not in partial

    # Quota ends on the listing's third page: two pages are fanned out, the rest is not listed.
    used = yt.control.quota(f"oauth:{settings.GOOGLE_CLIENT_ID}")["units"]
    yt.control.set_config(units_per_day=used + 1 + 2 * 2)
    services.playlist_index_run(job_id=job.pk)
    found = JobVideo.objects.filter(job=job).count()
    partial = web.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert f"Listing the playlist… {found} videos found so far, <strong>0</strong> done" in partial
    assert f"/ {found} videos" not in partial and " %" not in partial
    assert web.get(f"/api/jobs/{job.pk}/").json()["progress"]["listing"] is True

    yt.control.set_config(units_per_day=10_000)
    IndexJob.objects.filter(pk=job.pk).update(resume_at=None)  # as if the reset had come
    services.playlist_index_run(job_id=job.pk)
    job.refresh_from_db()
    partial = web.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert "Listing the playlist" not in partial
    assert f"/ {job.total} videos · " in partial
    assert web.get(f"/api/jobs/{job.pk}/").json()["progress"]["listing"] is False


def test_the_job_page_says_how_many_entries_are_private_or_deleted(web, yt, alice):
    web.get("/playlists/")
    source = playlist_of(yt, ALICE, size=50)
    playlist = Playlist.objects.get(youtube_id=source.id)
    job, _ = services.index_job_start(user=alice, playlist=playlist)
    services.playlist_index_run(job_id=job.pk)
    run_videos(job.pk)
    hidden = sum(yt.dataset.status_of(i) != "public" for i in yt.dataset.playlist_items(source))
    assert hidden > 1
    partial = web.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert f"/ {50 - hidden} videos" in partial
    assert f"also lists {hidden} private or deleted videos" in partial
    assert web.get(f"/api/jobs/{job.pk}/").json()["hidden"] == hidden


def test_a_finished_job_links_to_its_playlists_videos(web, yt, alice):
    web.get("/playlists/")
    playlist = Playlist.objects.get(youtube_id=playlist_of(yt, ALICE, size=5).id)
    job, _ = services.index_job_start(user=alice, playlist=playlist)
    assert b"Its videos" not in web.get(f"/jobs/{job.pk}/").content  # nothing to see yet
    services.playlist_index_run(job_id=job.pk)
    run_videos(job.pk)
    # Another playlist of the same title (someone else's): not its videos.
    namesake = Playlist.objects.create(youtube_id="PLnamesake", title=playlist.title)
    other = add_video("namesake001", title="Not in alice's playlist")
    PlaylistItem.objects.create(playlist=namesake, video_id=other, youtube_id="PIns1")
    page = web.get(f"/jobs/{job.pk}/progress/")
    (link,) = re.findall(r'<a href="([^"]+)">Its videos</a>', page.content.decode())
    results = web.get(html.unescape(link))
    assert results.status_code == 200
    job.refresh_from_db()
    assert results.context["page"].total == playlist.items.count() == job.total > 0
    assert "namesake001" not in [h.video.youtube_id for h in results.context["page"].hits]


def test_a_job_cancelled_midway_counts_the_videos_it_never_reached_apart(web, yt, alice):
    web.get("/playlists/")
    playlist = Playlist.objects.get(youtube_id=playlist_of(yt, ALICE, size=50).id)
    job, _ = services.index_job_start(user=alice, playlist=playlist)
    services.playlist_index_run(job_id=job.pk)
    first = JobVideo.objects.filter(job=job).order_by("pk")[:10]
    for video_id in first.values_list("video__youtube_id", flat=True):
        services.video_index_run(video_id=video_id, job_id=job.pk, attempt=0)
    web.post(f"/jobs/{job.pk}/cancel/")
    job.refresh_from_db()
    never = job.total - 10
    partial = web.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert f"<strong>10</strong> / {job.total} videos · {1000 // job.total} %" in partial
    assert f"{never} videos of the list were not indexed: the job was cancelled" in partial
    assert '<span class="num">0</span> already indexed' in partial
    assert 'muted">cancelled' not in partial  # the badge says it once
    counts = web.get(f"/api/jobs/{job.pk}/").json()["progress"]["counts"]
    assert counts["cancelled"] == never and counts["skipped"] == 0


def test_starting_several_playlists_makes_one_job_each(web, yt):
    web.get("/playlists/")
    ids = [Playlist.objects.get(youtube_id=playlist_of(yt, ALICE, size=n).id).pk for n in (5, 50)]
    assert web.post("/playlists/index/", {"playlist": ids}).status_code == 302
    assert IndexJob.objects.count() == 2
    assert web.post("/playlists/index/", {"playlist": ids}).status_code == 302
    assert IndexJob.objects.count() == 2  # already running: the same jobs


def test_another_persons_job_page_is_a_404(client, bob, yt, alice):
    playlist = Playlist.objects.create(youtube_id="PL0123456789abcdef")
    job = IndexJob.objects.create(user=alice, playlist=playlist)
    client.force_login(bob)
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    assert client.post(f"/jobs/{job.pk}/cancel/").status_code == 404


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (IndexJob.Status.WAITING_QUOTA, "Waiting for quota"),
        (IndexJob.Status.DONE_WITH_FAILURES, "Done with failures"),
    ],
)
def test_the_playlists_last_job_says_its_state_in_words(web, yt, alice, status, label):
    web.get("/playlists/")
    playlist = Playlist.objects.get(youtube_id=playlist_of(yt, ALICE, size=5).id)
    job = IndexJob.objects.create(user=alice, playlist=playlist, status=status)
    page = web.get("/playlists/").content.decode()
    badge = f'<a href="/jobs/{job.pk}/"><span class="badge {status}">{label}</span></a>'
    assert badge in page  # not the raw "waiting_quota"


def test_the_playlists_page_says_when_youtubes_quota_is_used_up(web, yt):
    web.get("/playlists/")
    yt.control.set_config(units_per_day=0)
    page = web.get("/playlists/", follow=True)
    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    # Not "YouTube did not answer": it did, to say the day's quota is spent.
    assert "did not answer" not in text
    reset = next_pacific_midnight(timezone.now())
    assert f"YouTube's daily quota is used up until {reset:%Y-%m-%d %H:%M} UTC" in text
    assert "mix (50 videos)" in text  # the playlists we know


def test_an_empty_playlists_job_says_there_was_nothing_to_index(web, yt, alice):
    web.get("/playlists/")
    playlist = Playlist.objects.get(youtube_id=playlist_of(yt, ALICE, title="empty").id)
    job, _ = services.index_job_start(user=alice, playlist=playlist)
    services.playlist_index_run(job_id=job.pk)
    run_videos(job.pk)
    job.refresh_from_db()
    assert job.status == IndexJob.Status.DONE and job.total == 0
    partial = web.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert "The playlist has no videos to index." in partial
    assert "</strong> / 0 videos" not in partial  # nor a "100 %" of nothing


def test_a_job_cancelled_before_its_listing_says_nothing_was_indexed(web, yt, alice):
    web.get("/playlists/")
    playlist = Playlist.objects.get(youtube_id=playlist_of(yt, ALICE, size=5).id)
    job, _ = services.index_job_start(user=alice, playlist=playlist)
    web.post(f"/jobs/{job.pk}/cancel/")  # still queued (or waiting for YouTube's quota)
    partial = web.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert "Cancelled before any of its videos was listed: nothing was indexed." in partial
    assert "</strong> / 0 videos" not in partial


def test_a_job_whose_playlist_is_not_found_says_only_that(web, yt, alice):
    playlist = Playlist.objects.create(youtube_id="PLdoesnotexist1234567")
    job, _ = services.index_job_start(user=alice, playlist=playlist)
    services.playlist_index_run(job_id=job.pk)
    partial = web.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert ">Failed</span>" in partial and "playlist not found" in partial
    assert "</strong> / 0 videos" not in partial
