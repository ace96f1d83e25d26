"""Every page and admin screen loads for the people who may see it."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.staticfiles import finders
from django.urls import reverse

from videos.models import Video
from videos.services import video_upsert_many
from videos.tests.factories import video_data

pytestmark = pytest.mark.django_db


def test_home_page_shows_the_index(client):
    video_upsert_many(videos=[video_data(1)])
    response = client.get("/")
    assert response.status_code == 200
    assert b"Video number 1" in response.content
    assert b"htmx.min.js" in response.content


def test_your_jobs_on_home_count_a_running_jobs_videos_found_so_far(client, user, redis_client):
    from indexing import progress
    from indexing.models import IndexJob
    from playlists.models import Playlist

    playlist = Playlist.objects.create(youtube_id="PLhome", title="Home mix")
    done = IndexJob.objects.create(user=user, playlist=playlist, status="done", total=3)
    running = IndexJob.objects.create(user=user, playlist=playlist, status="running")
    progress.job_begin(job_id=running.pk, total=0, skipped=0, todo=None)
    progress.job_listed(job_id=running.pk, total=50, skipped=2)  # its row still says 0
    client.force_login(user)
    jobs = client.get("/").context["jobs"]
    assert [(job.pk, job.videos_now) for job in jobs] == [(running.pk, 50), (done.pk, 3)]


def test_recently_indexed_videos_open_their_page_here_not_on_youtube(client):
    video_upsert_many(videos=[video_data(1)])
    video = Video.objects.get()
    html = client.get("/").content.decode()
    page = reverse("videos:video", args=[video.youtube_id])
    assert html.count(f'href="{page}"') == 2  # the thumbnail and the title
    assert video.url not in html


def test_sign_in_page_offers_google_and_password(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert b"Sign in with Google" in response.content


def test_password_sign_in_and_out(client, user):
    response = client.post(
        reverse("accounts:login"), {"username": "alice", "password": "pw-alice-123"}
    )
    assert response.status_code == 302
    assert client.get("/").context["user"].is_authenticated
    after = client.post(reverse("accounts:logout"), follow=True)
    assert not after.context["user"].is_authenticated
    assert '<li class="info">You are signed out.</li>' in after.content.decode()
    assert not client.get("/").context["user"].is_authenticated


def test_sign_in_from_a_page_comes_back_to_it_and_from_home_goes_to_playlists(client, user):
    # The top bar's Sign in carries the page (search, a video...); from home, none: Google's
    # sign-in lands on Playlists, where a new user starts (README).
    html = client.get("/search/", {"q": "knots tips"}).content.decode()
    assert 'href="/accounts/login/?next=/search/%3Fq%3Dknots%2Btips"' in html
    assert 'href="/accounts/login/"' in client.get("/").content.decode()
    assert 'href="/accounts/login/"' in client.get("/accounts/login/").content.decode()
    signed_in = client.post(
        "/accounts/login/?next=/search/%3Fq%3Dknots%2Btips",
        {"username": "alice", "password": "pw-alice-123", "next": "/search/?q=knots+tips"},
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == "/search/?q=knots+tips"


def test_static_assets_are_vendored(client):
    assert finders.find("js/htmx.min.js")
    assert finders.find("css/app.css")


def test_every_asset_a_page_links_to_exists_and_it_has_an_icon(client):
    html = client.get("/").content.decode()
    assets = re.findall(rf'(?:href|src)="{settings.STATIC_URL}([^"]+)"', html)
    assert "img/favicon.svg" in assets and len(assets) >= 3
    assert [a for a in assets if not finders.find(a)] == []
    icon = client.get("/favicon.ico")
    assert icon.status_code == 301 and icon["Location"] == f"{settings.STATIC_URL}img/favicon.svg"


def test_admin_needs_staff(client, user):
    client.force_login(user)
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_every_admin_changelist_and_add_page_loads(staff_client, model):
    video_upsert_many(videos=[video_data(i) for i in range(3)])
    info = model._meta.app_label, model._meta.model_name
    assert staff_client.get(reverse("admin:{}_{}_changelist".format(*info))).status_code == 200
    add = staff_client.get(reverse("admin:{}_{}_add".format(*info)))
    assert add.status_code in (200, 403)  # 403: read-only models (jobs) refuse adding


def test_video_change_page_shows_the_transcript_inline(staff_client):
    video_upsert_many(videos=[video_data(1)])
    video = Video.objects.get()
    response = staff_client.get(reverse("admin:videos_video_change", args=[video.pk]))
    assert response.status_code == 200
    assert b"Transcript" in response.content


def test_a_chunk_edited_in_the_admin_is_searched_by_its_new_words(staff_client, redis_client):
    from videos.models import TranscriptChunk
    from videos.selectors import video_search
    from videos.tests.search_helpers import add_video

    add_video("adminchunk1", said=[(0.0, "fresh basil leaves")])
    chunk = TranscriptChunk.objects.get()
    url = reverse("admin:videos_transcriptchunk_change", args=[chunk.pk])
    page = staff_client.get(url)
    assert page.status_code == 200
    assert b"search_vector" not in page.content  # the trigger's, not the editor's
    form = {
        "transcript": chunk.transcript_id,
        "video": chunk.video_id,
        "position": chunk.position,
        "start": chunk.start,
        "duration": chunk.duration,
        "text": "ripe tomato sauce",
        "segment_starts": "0.0",
        "segment_offsets": "0",
        "search_tier": "",  # read-only: ignored
    }
    assert staff_client.post(url, form).status_code == 302
    chunk.refresh_from_db()
    assert chunk.text == "ripe tomato sauce" and chunk.search_tier is not None
    found = video_search(q='"tomato sauce"', use_cache=False).hits
    assert [hit.video.youtube_id for hit in found] == ["adminchunk1"]
    assert not video_search(q="basil", use_cache=False).hits


@pytest.mark.parametrize("path", ["/videos/doesnotexist/", "/no/such/page/"])
def test_a_missing_page_says_so_in_the_sites_layout(client, path):
    response = client.get(path)
    assert response.status_code == 404
    html = response.content.decode()
    # Not Django's bare "Not Found" page: the site's bar (search, sign in) and a way on.
    assert "<title>Page not found · TubeIndex</title>" in html
    assert 'role="search"' in html and 'href="/"' in html
