"""The generator: deterministic, streaming, realistic enough, with unique signature phrases."""

from __future__ import annotations

import itertools
import re
from collections import Counter

from youtube_emulator.config import DatasetConfig
from youtube_emulator.dataset import Dataset, tokenize
from youtube_emulator.ids import VideoIdCodec, decode_page_token, encode_page_token

FILLER_WORDS = {"like", "know", "um", "mean", "basically"}


def small(seed: int = 42) -> Dataset:
    return Dataset(DatasetConfig.preset("small", seed))


def test_same_seed_same_world_other_seed_other_world():
    a, b, c = small(1), small(1), small(2)
    first_a = [(v.id, v.title, v.published_at) for v in a.iter_videos(30)]
    assert first_a == [(v.id, v.title, v.published_at) for v in b.iter_videos(30)]
    assert first_a != [(v.id, v.title, v.published_at) for v in c.iter_videos(30)]
    video = a.video(7)
    assert list(a.iter_segments(video)) == list(b.iter_segments(b.video(7)))
    assert a.playlists.keys() == b.playlists.keys()


def test_video_ids_are_youtube_shaped_and_decode_back():
    codec = VideoIdCodec(42)
    ids = [codec.encode(i) for i in range(2000)]
    assert len(set(ids)) == 2000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{11}", i) for i in ids)
    assert [codec.decode(i) for i in ids] == list(range(2000))
    assert codec.decode("not-an-id") is None
    assert encode_page_token(20) == "CBQQAA" and encode_page_token(50, previous=True) == "CDIQAQ"
    assert decode_page_token(encode_page_token(4321)) == 4321
    assert decode_page_token("garbage") is None


def test_videos_are_varied_and_publish_in_index_order():
    ds = small()
    videos = list(ds.iter_videos())
    assert len({v.title for v in videos}) > 0.8 * len(videos)
    assert len({v.topic for v in videos}) > 15
    durations = sorted(v.duration_s for v in videos)
    assert durations[0] >= 45 and durations[-1] > 20 * 60
    published = [v.published_at for v in videos]
    assert published == sorted(published)
    modes = Counter(v.transcript_mode for v in videos)
    assert set(modes) == {"full", "asr_only", "non_english", "disabled", "age_restricted"}
    statuses = Counter(v.status for v in videos)
    assert statuses["deleted"] and statuses["private"]
    assert re.fullmatch(r"PT(\d+H)?(\d+M)?(\d+S)?", videos[0].iso_duration)


def test_segments_timing_zipf_and_fillers():
    ds = small()
    segments = [
        s for v in itertools.islice(ds.iter_videos(), 80) for s in ds.iter_segments(v, kind="asr")
    ]
    assert all(2.0 <= s.duration <= 6.0 for s in segments)
    with_filler = sum(1 for s in segments if FILLER_WORDS & set(s.text.split()))
    assert 0.2 <= with_filler / len(segments) <= 0.3
    counts = Counter(w for s in segments for w in s.text.split())
    ranked = [n for _, n in counts.most_common(50)]
    assert ranked[0] > 5 * ranked[49]  # heavy head, as a Zipf law gives
    video = ds.video(3)
    starts = [s.start for s in ds.iter_segments(video)]
    assert starts == sorted(starts) and starts[0] == 0.0


def test_signature_phrases_are_unique_and_said_once():
    ds = small()
    phrases = {}
    for video in itertools.islice(ds.iter_videos(), 200):
        signature = ds.signature(video.id)
        phrases[signature.codeword] = video.id
        hits = [s for s in ds.iter_segments(video, kind="asr") if signature.phrase in s.text]
        assert len(hits) == 1 and hits[0].start == signature.start
    assert len(phrases) == 200
    corpus = Counter(
        t
        for v in itertools.islice(ds.iter_videos(), 200)
        for s in ds.iter_segments(v, kind="asr")
        for t in tokenize(s.text)
    )
    assert all(corpus[codeword] == 1 for codeword in phrases)


def test_demo_accounts_and_playlists():
    ds = Dataset(DatasetConfig())
    alice = ds.account_playlists("alice@example.com")
    sizes = sorted(len(p.video_indexes) for p in alice)
    assert sizes == [0, 5, 25, 50, 500, 3000, 5000]
    assert sum(p.privacy == "private" for p in alice) == 1
    big = max(alice, key=lambda p: len(p.video_indexes))
    assert len(set(big.video_indexes)) == 5000
    assert len(ds.likes["alice@example.com"].video_indexes) == 120
    assert ds.account_playlists("carol@example.com") == []


def test_live_uploads_follow_the_clock():
    ds = small()
    start = ds.live_start
    assert ds.live_count(start) == 0
    assert ds.live_count(start + 3 * 600) == 3
    fresh = ds.search_candidates([], start + 1800)
    live = [i for i in fresh if i >= 1 << 32]
    assert len(live) == 3
    video_id = ds.codec.encode(live[0])
    assert ds.video_by_id(video_id, start + 1800) is not None
    assert ds.video_by_id(video_id, start + 10) is None  # not yet published


def test_rendered_list_json_is_byte_identical_to_plain_json():
    from youtube_emulator.errors import ItemCache, dumps, dumps_list, rendered

    items = [
        {
            "kind": "youtube#video",
            "etag": f"x{i}",
            "id": str(i),
            "snippet": {"title": 'Caf\u00e9 "quoted"\nline', "tags": ["a", "b"]},
        }
        for i in range(3)
    ]
    body = {
        "kind": "youtube#videoListResponse",
        "etag": "e",
        "items": items,
        "pageInfo": {"totalResults": 3},
    }
    cache = ItemCache()
    pre = [rendered(cache, ("video", i["id"]), lambda i=i: i) for i in items]
    assert dumps_list({**body, "items": pre}) == dumps(body)
    again = [rendered(cache, ("video", i["id"]), dict) for i in items]  # from the cache
    assert dumps_list({**body, "items": again}) == dumps(body)
    assert [i.etag for i in again] == ["x0", "x1", "x2"]
    assert dumps_list({**body, "items": []}) == dumps({**body, "items": []})


def test_titles_say_an_before_a_vowel_sound():
    titles = [v.title for v in small().iter_videos(3000)]
    assert not [t for t in titles if re.search(r"\ba (?:[aeiou]|hon)", t, re.IGNORECASE)]
    assert any(re.search(r"\ban [aeiou]", t) for t in titles)  # "Building an advanced ..."
    assert any(re.search(r"\ba [b-df-hj-np-tv-z]", t) for t in titles)  # and still "a classic"
