"""The video page's "Extract audio", the download, and /api/audio/: one's own only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from media.models import AudioExtraction
from media.tasks import extract_audio
from media.tests.conftest import needs_ffmpeg, stored
from videos.models import Video

pytestmark = pytest.mark.django_db(transaction=True)
Status = AudioExtraction.Status


def page(client, video) -> str:
    answer = client.get(reverse("videos:video", args=[video.youtube_id]))
    assert answer.status_code == 200
    return answer.content.decode()


def test_a_visitor_is_asked_to_sign_in(client, video):
    assert "Sign in</a> to extract this video" in page(client, video)
    answer = client.post(reverse("media:request", args=[video.youtube_id]))
    assert answer.status_code == 302 and "/accounts/login" in answer["Location"]
    assert client.post(reverse("audio-request-api", args=[video.youtube_id])).status_code == 401
    assert not AudioExtraction.objects.exists()


@needs_ffmpeg
def test_the_page_asks_then_shows_progress_then_the_download(client, alice, video):
    client.force_login(alice)
    assert "Extract audio (MP3)" in page(client, video)
    answer = client.post(reverse("media:request", args=[video.youtube_id]), follow=True)
    assert f"a link will be sent to {alice.email}" in answer.content.decode()
    extraction = AudioExtraction.objects.get()
    assert "queued… a link will be e-mailed" in page(client, video)
    extract_audio(extraction.pk)
    html = page(client, video)
    assert reverse("media:download", args=[extraction.pk]) in html
    download = client.get(reverse("media:download", args=[extraction.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "audio/mpeg"
    assert "attachment" in download["Content-Disposition"]
    assert download["Content-Disposition"].endswith('.mp3"')
    body = b"".join(download.streaming_content)
    assert len(body) == AudioExtraction.objects.get().size_bytes


def test_asking_from_a_search_comes_back_to_the_page_with_its_moments(client, alice, video):
    client.force_login(alice)
    url = reverse("videos:video", args=[video.youtube_id])
    html = client.get(url, {"q": "some words"}).content.decode()
    assert '<input type="hidden" name="q" value="some words">' in html
    answer = client.post(reverse("media:request", args=[video.youtube_id]), {"q": "some words"})
    assert answer.status_code == 302 and answer["Location"] == f"{url}?q=some+words"
    answer = client.post(reverse("media:request", args=[video.youtube_id]))
    assert answer["Location"] == url


def test_a_failed_extraction_shows_its_reason_and_offers_to_try_again(client, alice, yt):
    video = stored(yt.dataset.find_video(status="private"))
    client.force_login(alice)
    client.post(reverse("media:request", args=[video.youtube_id]))
    extract_audio(AudioExtraction.objects.get().pk)
    html = page(client, video)
    assert "could not be extracted: This video is private" in html and "Try again" in html


def test_someone_elses_extraction_is_not_found(client, alice, bob, video):
    client.force_login(alice)
    client.post(reverse("media:request", args=[video.youtube_id]))
    extraction = AudioExtraction.objects.get()
    client.force_login(bob)
    assert client.get(reverse("media:download", args=[extraction.pk])).status_code == 404
    assert client.get(reverse("audio-detail-api", args=[extraction.pk])).status_code == 404
    assert client.get(reverse("audio-list-api")).json()["results"] == []
    assert "Extract audio (MP3)" in page(client, video)  # bob sees his own state only


def test_a_download_before_it_is_ready_is_not_found(client, alice, video):
    client.force_login(alice)
    client.post(reverse("media:request", args=[video.youtube_id]))
    extraction = AudioExtraction.objects.get()
    answer = client.get(reverse("media:download", args=[extraction.pk]))
    assert answer.status_code == 404


def test_the_api_asks_once_and_follows_the_request(client, alice, video):
    client.force_login(alice)
    url = reverse("audio-request-api", args=[video.youtube_id])
    first = client.post(url)
    assert first.status_code == 202
    body = first.json()
    assert body["status"] == "queued" and body["download_url"] is None
    assert body["video_id"] == video.youtube_id and first["Location"] == body["url"]
    again = client.post(url)
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    detail = client.get(body["url"]).json()
    assert detail["id"] == body["id"]
    assert [r["id"] for r in client.get(reverse("audio-list-api")).json()["results"]] == [
        body["id"]
    ]


def test_the_api_answers_404_for_an_unknown_video_and_400_without_an_address(client, alice):
    client.force_login(alice)
    missing = client.post(reverse("audio-request-api", args=["nosuchvideo"]))
    assert missing.status_code == 404 and "message" in missing.json()
    alice.email = ""
    alice.save()
    video = Video.objects.create(youtube_id="abcdefghijk", title="Any video")
    no_address = client.post(reverse("audio-request-api", args=[video.youtube_id]))
    assert no_address.status_code == 400
    assert no_address.json()["message"] == "Your account has no e-mail address to send the link to."
    assert not AudioExtraction.objects.exists()


def test_the_schema_lists_the_audio_endpoints(client):
    schema = client.get(reverse("schema"), HTTP_ACCEPT="application/json").json()
    assert {"/api/audio/", "/api/audio/{id}/", "/api/videos/{youtube_id}/audio/"} <= set(
        schema["paths"]
    )


def test_the_admin_lists_extractions(staff_client, alice, video):
    AudioExtraction.objects.create(user=alice, video=video, status=Status.FAILED, error="gone")
    answer = staff_client.get(reverse("admin:media_audioextraction_changelist"))
    assert answer.status_code == 200 and "Failed" in answer.content.decode()


@needs_ffmpeg
def test_the_section_polls_while_it_runs_and_stops_when_done(client, alice, video):
    client.force_login(alice)
    status_url = reverse("media:status", args=[video.youtube_id])
    assert "hx-trigger" not in client.get(status_url).content.decode()  # nothing asked yet
    client.post(reverse("media:request", args=[video.youtube_id]))
    running = client.get(status_url).content.decode()
    assert f'hx-get="{status_url}"' in running and "every 2s" in running
    extract_audio(AudioExtraction.objects.get().pk)
    done = client.get(status_url).content.decode()
    assert "hx-trigger" not in done and "download the MP3" in done


@needs_ffmpeg
def test_a_removed_mp3_is_offered_again(client, alice, video, media_root):
    client.force_login(alice)
    client.post(reverse("media:request", args=[video.youtube_id]))
    done = AudioExtraction.objects.get()
    extract_audio(done.pk)
    (media_root / "audio" / f"{video.youtube_id}.mp3").unlink()  # an operator's clean-up
    assert client.get(reverse("media:download", args=[done.pk])).status_code == 404
    html = page(client, video)
    assert "no longer stored" in html and "Try again" in html
    client.post(reverse("media:request", args=[video.youtube_id]))
    assert AudioExtraction.objects.exclude(pk=done.pk).get().status == Status.QUEUED


def test_my_audio_refreshes_itself_while_an_extraction_runs(client, alice, video):
    client.force_login(alice)
    client.post(reverse("media:request", args=[video.youtube_id]))
    running = client.get(reverse("media:list"), {"page": 1}).content.decode()
    assert 'hx-get="/audio/?page=1"' in running and 'hx-select="#audio-list"' in running
    assert "every 2s" in running and "Queued" in running
    AudioExtraction.objects.update(status=Status.FAILED, error="gone")
    settled = client.get(reverse("media:list")).content.decode()
    assert "hx-trigger" not in settled and "Failed: gone" in settled


def test_my_audio_lists_my_extractions_only_and_pages(client, alice, bob, yt, video):
    client.force_login(alice)
    assert "Nothing yet" in client.get(reverse("media:list")).content.decode()
    AudioExtraction.objects.create(user=alice, video=video, status=Status.FAILED, error="gone")
    AudioExtraction.objects.create(user=bob, video=video)  # bob's: not on alice's page
    others = [stored(yt.dataset.find_video("full", skip=n)) for n in range(1, 52)]
    for other in others:
        AudioExtraction.objects.create(user=alice, video=other)
    first = client.get(reverse("media:list")).content.decode()
    assert "page 1 of 2" in first and first.count("<tr>") == 51  # header + 50
    second = client.get(reverse("media:list"), {"page": 2}).content.decode()
    assert "Failed: gone" in second and second.count("<tr>") == 3  # header + 2
    assert client.get(reverse("media:list"), {"page": "x"}).status_code == 200


def test_back_from_signing_in_the_request_link_leads_to_the_page(client, alice, video):
    client.force_login(alice)
    answer = client.get(reverse("media:request", args=[video.youtube_id]))
    assert answer.status_code == 302
    assert answer["Location"] == reverse("videos:video", args=[video.youtube_id])
    assert not AudioExtraction.objects.exists()
