"""A new user, in a real browser: sign in with Google on the emulator's consent page, pick the
50-video playlist, Start Indexing, watch the bar reach 100 % (a real Celery worker does the
work), then search for a phrase said in one video and land on its moment."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings

from indexing.models import IndexJob
from indexing.tests.worker import CeleryWorker, current_database_url, worker_env
from videos.models import TranscriptChunk, Video

pytestmark = pytest.mark.django_db(transaction=True)


def _first_index(chunk: TranscriptChunk, video: Video) -> int:
    """Index, in the whole transcript, of the chunk's first caption line."""
    earlier = TranscriptChunk.objects.filter(video=video, position__lt=chunk.position)
    return sum(len(c.segment_starts) for c in earlier)


def test_sign_in_index_a_playlist_and_find_a_moment(page, live_server, yt):
    env = worker_env(
        database_url=current_database_url(),
        redis_url=django_settings.REDIS_URL,
        base_url=yt.base_url,
    )
    with CeleryWorker(env, concurrency=20):
        page.goto(f"{live_server.url}/")
        page.click("text=Sign in")
        page.click("text=Sign in with Google")
        assert page.url.startswith(yt.base_url)  # the emulator's consent page
        page.click("text=alice@example.com")
        page.wait_for_url(re.compile(r".*/playlists/$"))
        assert "Signed in as alice@example.com" in page.inner_text("main")

        row = page.locator("tr", has_text="Alice's mix (50 videos)")
        row.locator("input[type=checkbox]").check()
        page.click("text=Start Indexing")
        page.wait_for_url(re.compile(r".*/jobs/\d+/$"))
        # htmx polls the progress partial until the job is finished.
        page.wait_for_selector("text=Done", timeout=120_000)
        progress = page.get_attribute("[role=progressbar]", "aria-valuenow")
        assert progress == "100"
        # The finished partial swaps Cancel for Re-index without a reload.
        assert page.locator("button", has_text="Re-index").count() == 1
        assert page.locator("button", has_text="Cancel").count() == 0

    job = IndexJob.objects.get()
    assert job.status == IndexJob.Status.DONE
    assert job.indexed > 0 and job.indexed + job.no_transcript + job.unavailable == job.total

    video = Video.objects.filter(transcript__status="fetched").order_by("id").first()
    signature = yt.dataset.signature(video.youtube_id)
    page.goto(f"{live_server.url}/")
    page.fill("header input[name=q]", f'"{signature.phrase}"')
    page.press("header input[name=q]", "Enter")
    first = page.locator("ol.results > li").first
    assert video.title in first.inner_text()
    assert first.locator("mark").count() >= 1  # the phrase is highlighted
    moment = first.locator("a[href*='youtube.com/watch']").first
    href = moment.get_attribute("href")
    # The moment is the second the phrase's caption line starts, not its chunk's start.
    chunk = TranscriptChunk.objects.filter(video=video, text__icontains=signature.codeword).get()
    said_at = chunk.segment_starts[signature.segment_index - _first_index(chunk, video)]
    assert href == f"https://www.youtube.com/watch?v={video.youtube_id}&t={int(said_at)}s"
    assert int(said_at) == int(signature.start)

    # The same videos are in the API.
    body = page.request.get(f"{live_server.url}/api/videos/{video.youtube_id}/").json()
    assert body["transcript"]["status"] == "fetched" and body["chunks"]
