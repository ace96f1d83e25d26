"""The transcript fetcher: youtube-transcript-api 1.2.5 against the emulator, every case."""

from __future__ import annotations

import threading

import pytest

from indexing.tests.support import run_in_threads
from indexing.youtube import transcripts
from indexing.youtube.transcripts import (
    Blocked,
    TranscriptFetcher,
    TranscriptTransient,
    TranscriptUnavailable,
    fetcher,
    transcript_fetch,
)


def video(yt, mode=None, status="public", **kwargs) -> str:
    return yt.dataset.find_video(transcript_mode=mode, status=status, **kwargs).id


def test_a_manual_english_track_is_preferred_and_comes_back_as_timed_segments(yt):
    video_id = video(yt, "full")
    result = transcript_fetch(video_id)
    assert result.language == "en" and result.is_generated is False
    assert len(result.segments) > 5
    starts = [s.start for s in result.segments]
    assert starts == sorted(starts) and all(s.duration > 0 for s in result.segments)
    text = " ".join(s.text for s in result.segments).lower()
    assert yt.dataset.signature_phrase(video_id).split()[0] in text


def test_an_auto_generated_track_is_used_when_there_is_no_manual_one(yt):
    result = transcript_fetch(video(yt, "asr_only"))
    assert result.language == "en" and result.is_generated is True


def test_language_preference_comes_from_settings(yt, settings):
    foreign = yt.dataset.find_video(transcript_mode="non_english")
    with pytest.raises(TranscriptUnavailable) as caught:
        transcript_fetch(foreign.id)
    assert caught.value.kind == "none" and "en" in caught.value.message
    settings.TRANSCRIPT_LANGUAGES = [foreign.language, "en"]
    result = transcript_fetch(foreign.id)
    assert result.language == foreign.language and result.is_generated is False


@pytest.mark.parametrize(
    ("mode", "status", "kind"),
    [
        ("disabled", "public", "disabled"),
        ("age_restricted", "public", "unavailable"),
        (None, "private", "unavailable"),
        (None, "deleted", "unavailable"),
    ],
)
def test_permanent_cases_are_unavailable_with_their_kind(yt, mode, status, kind):
    with pytest.raises(TranscriptUnavailable) as caught:
        transcript_fetch(video(yt, mode, status))
    assert caught.value.kind == kind


def test_an_unknown_video_is_unavailable(yt):
    with pytest.raises(TranscriptUnavailable) as caught:
        transcript_fetch("AAAAAAAAAAA")
    assert caught.value.kind == "unavailable"


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_transient(yt, status):
    yt.control.fail_next("transcript", status=status, count=1)
    with pytest.raises(TranscriptTransient) as caught:
        transcript_fetch(video(yt, "full"))
    assert str(status) in caught.value.message


def test_a_429_is_a_block(yt):
    yt.control.fail_next("transcript", status=429, count=1)
    with pytest.raises(Blocked):
        transcript_fetch(video(yt, "full"))


@pytest.mark.parametrize("style", ["bot", "429"])
def test_an_ip_block_is_a_block_in_both_styles(yt, style):
    yt.control.set_faults(ip_block={"enabled": True, "threshold_rps": 1, "style": style})
    with pytest.raises(Blocked):
        for n in range(10):
            transcript_fetch(video(yt, "full", skip=n))


def test_dropped_connections_are_transient(yt):
    yt.control.set_faults(transcript={"drop_rate": 1.0})
    with pytest.raises(TranscriptTransient):
        transcript_fetch(video(yt, "full"))


def test_the_eu_consent_page_is_passed_with_the_librarys_cookie(yt):
    yt.control.set_config(require_consent_cookie=True)
    assert transcript_fetch(video(yt, "full")).segments


def test_a_configured_proxy_carries_the_requests(yt, settings):
    settings.TRANSCRIPT_PROXY_URL = "http://127.0.0.1:9"  # nothing listens: the proxy is used
    one = TranscriptFetcher()
    assert one.session.proxies == {"http": "http://127.0.0.1:9", "https": "http://127.0.0.1:9"}
    with pytest.raises(TranscriptTransient):
        one.fetch(video(yt, "full"))


def test_real_youtube_urls_are_left_alone(settings):
    session = transcripts.build_session(web_url="https://www.youtube.com")
    adapter = session.get_adapter("https://www.youtube.com/watch?v=x")
    assert adapter.base_url == "https://www.youtube.com"


def test_each_thread_gets_its_own_fetcher_and_they_are_reused(yt):
    seen: list[int] = []
    barrier = threading.Barrier(4)

    def work():
        with fetcher() as mine:
            barrier.wait(timeout=10)
            seen.append(id(mine))
            mine.fetch(video(yt, "full"))

    run_in_threads([work] * 4)
    assert len(set(seen)) == 4
    with fetcher() as again:
        assert id(again) in seen
