"""Transcripts through the real youtube-transcript-api 1.2.5 (its own HTTP calls, its parser)."""

from __future__ import annotations

import pytest
from youtube_transcript_api import (
    AgeRestricted,
    IpBlocked,
    NoTranscriptFound,
    RequestBlocked,
    TranscriptsDisabled,
    VideoUnavailable,
    VideoUnplayable,
    YouTubeRequestFailed,
    YouTubeTranscriptApi,
)

from youtube_emulator.testing import youtube_session
from youtube_emulator.tests import TRANSCRIPT_RECORDINGS


@pytest.fixture
def api(emulator):
    return YouTubeTranscriptApi(http_client=youtube_session(emulator.base_url))


def test_manual_transcript_with_signature_phrase_and_timing(emulator, api):
    video = emulator.dataset.find_video("full")
    fetched = api.fetch(video.id, languages=["en"])
    assert fetched.language_code == "en" and not fetched.is_generated
    expected = list(emulator.dataset.iter_segments(video, "en", "manual"))
    assert [(s.text, s.start, s.duration) for s in fetched] == [
        (e.text, e.start, e.duration) for e in expected
    ]
    signature = emulator.dataset.signature(video.id)
    said = next(s for s in fetched if signature.phrase in s.text)
    assert said.start == signature.start
    assert all(2.0 <= s.duration <= 6.0 for s in fetched)
    stats = emulator.control.stats()["requests"]
    assert stats["transcript.watch"] == stats["transcript.player"] == 1
    assert stats["transcript.timedtext"] == 1


def test_list_tracks_manual_before_generated_and_translation(emulator, api):
    video = emulator.dataset.find_video("full")
    listing = api.list(video.id)
    manual = {t.language_code for t in listing if not t.is_generated}
    generated = {t.language_code for t in listing if t.is_generated}
    assert manual == {"en", video.second_language} and generated == {"en"}
    assert not listing.find_transcript(["en"]).is_generated
    asr = listing.find_generated_transcript(["en"]).fetch()
    assert asr.is_generated and asr[0].text == asr[0].text.lower()
    french = listing.find_transcript(["en"]).translate("fr").fetch()
    assert french.language_code == "fr"
    signature = emulator.dataset.signature(video.id)
    assert any(signature.codeword in s.text for s in french)
    assert [s.start for s in french] == [s.start for s in asr]


def test_asr_only_and_non_english_videos(emulator, api):
    ds = emulator.dataset
    asr_only = ds.find_video("asr_only")
    fetched = api.fetch(asr_only.id)
    assert fetched.is_generated and fetched.language == "English (auto-generated)"
    foreign = ds.find_video("non_english")
    with pytest.raises(NoTranscriptFound):
        api.fetch(foreign.id, languages=["en"])
    native = api.fetch(foreign.id, languages=[foreign.language])
    assert native.language_code == foreign.language and not native.is_generated
    assert any(ds.signature(foreign.id).codeword in s.text for s in native)


def test_failure_cases_the_library_distinguishes(emulator, api):
    ds = emulator.dataset
    with pytest.raises(TranscriptsDisabled):
        api.fetch(ds.find_video("disabled").id)
    with pytest.raises(AgeRestricted):
        api.fetch(ds.find_video("age_restricted").id)
    with pytest.raises(VideoUnavailable):
        api.fetch(ds.find_video(status="deleted").id)
    with pytest.raises(VideoUnavailable):
        api.fetch("dQw4w9WgXcQ")
    with pytest.raises(VideoUnplayable):
        api.fetch(ds.find_video(status="private").id)


def test_too_many_requests_and_ip_block(emulator, api):
    video = emulator.dataset.find_video("full")
    emulator.control.fail_next("transcript", status=429)
    with pytest.raises(IpBlocked):
        api.fetch(video.id)
    emulator.control.fail_next("transcript", status=503)
    with pytest.raises(YouTubeRequestFailed):
        api.fetch(video.id)
    assert api.fetch(video.id)  # back to normal
    emulator.control.set_faults(
        ip_block={"enabled": True, "threshold_rps": 3, "duration_s": 300, "style": "bot"}
    )
    with pytest.raises(RequestBlocked):  # 3 calls per fetch: the second fetch trips it
        for _ in range(3):
            api.fetch(video.id)
    emulator.control.set_faults(ip_block={"style": "429"})
    with pytest.raises(IpBlocked):
        for _ in range(3):
            api.fetch(video.id)
    emulator.control.set_faults(ip_block={"enabled": False})
    assert api.fetch(video.id)


def test_consent_cookie_is_created_by_the_library(emulator, api):
    emulator.control.set_config(require_consent_cookie=True)
    video = emulator.dataset.find_video("full")
    assert api.fetch(video.id)
    assert emulator.control.stats()["requests"]["transcript.watch"] == 2


def test_added_video_is_fetchable_and_searchable(emulator, api):
    added = emulator.control.add_videos(
        1, title="Emulator special: sourdough night", transcript_mode="full"
    )[0]
    fetched = api.fetch(added["id"])
    assert any(added["signature"]["codeword"] in s.text for s in fetched)


def test_player_and_timedtext_shapes_follow_the_recordings(emulator):
    import json
    import xml.etree.ElementTree as ET

    import requests

    assets = TRANSCRIPT_RECORDINGS
    recorded = json.loads((assets / "youtube.innertube.json.static").read_text())
    recorded_captions = recorded["captions"]["playerCaptionsTracklistRenderer"]
    video = emulator.dataset.find_video("full")
    session = youtube_session(emulator.base_url)
    ours = session.post(
        "https://www.youtube.com/youtubei/v1/player?key=AIzaSyEmulatorInnertubeKey0000000000000",
        json={"context": {"client": {"clientName": "ANDROID"}}, "videoId": video.id},
    ).json()
    captions = ours["captions"]["playerCaptionsTracklistRenderer"]
    assert set(captions) <= set(recorded_captions)
    recorded_keys = set().union(*(t.keys() for t in recorded_captions["captionTracks"]))
    for track in captions["captionTracks"]:
        assert set(track) <= recorded_keys
        assert track["baseUrl"].startswith("https://www.youtube.com/api/timedtext?")
        assert track["baseUrl"].endswith("&fmt=srv3")
    assert {t["vssId"] for t in captions["captionTracks"]} >= {".en", "a.en"}
    assert captions["translationLanguages"][0].keys() == (
        recorded_captions["translationLanguages"][0].keys()
    )
    unavailable = json.loads(
        (assets / "youtube_video_unavailable.innertube.json.static").read_text()
    )["playabilityStatus"]
    gone = session.post(
        "https://www.youtube.com/youtubei/v1/player?key=AIzaSyEmulatorInnertubeKey0000000000000",
        json={"videoId": "dQw4w9WgXcQ"},
    ).json()["playabilityStatus"]
    assert (gone["status"], gone["reason"]) == (unavailable["status"], unavailable["reason"])
    srv1 = session.get(captions["captionTracks"][0]["baseUrl"].replace("&fmt=srv3", "")).text
    root = ET.fromstring(srv1)
    assert root.tag == "transcript" and all(
        child.tag == "text" and {"start", "dur"} <= set(child.attrib) for child in root
    )
    srv3 = requests.get(f"{emulator.base_url}/api/timedtext?v={video.id}&lang=en&fmt=srv3").text
    assert ET.fromstring(srv3).tag == "timedtext"
