"""Writes to the index are upserts keyed on the YouTube id: running them twice changes nothing."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from videos.models import Channel, SearchTier, Transcript, TranscriptChunk, Video
from videos.parsing import video_from_playlist_item, video_from_resource
from videos.services import (
    SNIPPET_FIELDS,
    Segment,
    chunk_segments,
    transcript_mark,
    transcript_save,
    video_upsert_many,
)
from videos.tests.factories import video_data

RECORDINGS = Path(__file__).resolve().parents[3] / "shared" / "youtube-recordings"


@pytest.mark.django_db
def test_upserting_the_same_videos_twice_changes_nothing():
    batch = [video_data(i) for i in range(120)]
    first = video_upsert_many(videos=batch)
    snapshot = list(Video.objects.order_by("id").values())
    second = video_upsert_many(videos=batch)
    assert first == second
    assert Video.objects.count() == 120
    assert Channel.objects.count() == 3
    after = list(Video.objects.order_by("id").values())
    stamps = {"updated_at": None, "details_fetched_at": None}  # bookkeeping times move
    assert [{**v, **stamps} for v in after] == [{**v, **stamps} for v in snapshot]


@pytest.mark.django_db
def test_every_field_of_a_video_is_stored_as_given():
    from datetime import UTC, datetime

    data = video_data(
        7,
        published_at=datetime(2024, 2, 29, 23, 59, 58, tzinfo=UTC),
        duration_seconds=975,
        thumbnails={"default": {"url": "https://i.ytimg.com/vi/x/default.jpg", "width": 120}},
        view_count=12_345_678_901,
        like_count=0,
        comment_count=None,
        language="pt-BR",
        tags=["rust", "async, await", 'quote " and \\ backslash', "ünïcode"],
    )
    pk = video_upsert_many(videos=[data])[data.youtube_id]
    video = Video.objects.select_related("channel").get(pk=pk)
    assert (video.title, video.description) == (data.title, data.description)
    assert video.published_at == data.published_at
    assert (video.duration_seconds, video.thumbnails) == (975, data.thumbnails)
    assert (video.view_count, video.like_count, video.comment_count) == (12_345_678_901, 0, None)
    assert (video.language, video.tags) == ("pt-BR", data.tags)
    assert (video.channel.youtube_id, video.channel.title) == (data.channel_id, data.channel_title)
    assert video.details_fetched_at and video.created_at and video.source == "playlist"


@pytest.mark.django_db
def test_a_changed_title_is_updated_in_place():
    video_upsert_many(videos=[video_data(1)])
    video_upsert_many(videos=[video_data(1, title="Renamed")])
    assert Video.objects.get().title == "Renamed"


@pytest.mark.django_db
def test_snippet_upserts_never_erase_details():
    video_upsert_many(videos=[video_data(1, view_count=999, duration_seconds=600)])
    partial = video_data(1, title="From a playlist item", view_count=None, duration_seconds=None)
    video_upsert_many(videos=[partial], update_fields=SNIPPET_FIELDS)
    video = Video.objects.get()
    assert video.title == "From a playlist item"
    assert (video.view_count, video.duration_seconds) == (999, 600)


@pytest.mark.django_db
def test_duplicate_ids_in_one_batch_are_written_once():
    ids = video_upsert_many(videos=[video_data(1), video_data(1, title="later wins")])
    assert list(ids) == ["vid00000001"]
    assert Video.objects.get().title == "later wins"


def test_real_videos_list_bodies_parse():
    body = json.loads(
        (RECORDINGS / "youtube_data_v3/videos/youtubeaio__video_response_1.json").read_text()
    )
    videos = [video_from_resource(item) for item in body["items"]]
    assert len(videos) == 2
    for video in videos:
        assert len(video.youtube_id) == 11
        assert video.title and video.channel_id.startswith("UC")
        assert video.duration_seconds and video.duration_seconds > 0
        assert video.view_count is not None
        assert video.published_at and video.published_at.tzinfo is not None


def test_real_search_results_parse():
    path = RECORDINGS / "youtube_data_v3/search/pyyoutube__search_videos_by_channel.json"
    body = json.loads(path.read_text())
    videos = [video_from_resource(item) for item in body["items"]]
    assert all(v.youtube_id and v.title for v in videos)


def test_real_playlist_items_parse():
    name = "youtubeaio__playlist_item_response_snippet_content_details.json"
    path = RECORDINGS / "youtube_data_v3/playlist_items" / name
    body = json.loads(path.read_text())
    videos = [video_from_playlist_item(item) for item in body["items"]]
    assert videos and all(v and v.channel_id for v in videos)


def test_deleted_or_private_playlist_items_are_skipped():
    deleted = {
        "snippet": {"title": "Deleted video", "resourceId": {"videoId": "abcdefghijk"}},
        "contentDetails": {"videoId": "abcdefghijk"},
    }
    assert video_from_playlist_item(deleted) is None


def test_chunks_are_about_thirty_seconds_and_start_at_a_line():
    segments = [Segment(start=i * 4.0, duration=4.0, text=f"line {i}") for i in range(30)]
    chunks = chunk_segments(segments)
    assert [c.start for c in chunks] == [0.0, 28.0, 56.0, 84.0, 112.0]
    assert all(c.duration <= 30.0 for c in chunks)
    assert chunks[0].text.startswith("line 0 line 1")
    assert [c.position for c in chunks] == list(range(len(chunks)))


def test_blank_lines_and_null_bytes_are_dropped():
    chunks = chunk_segments([Segment(0, 1, "  "), Segment(1, 1, "a\x00b"), Segment(2, 1, "")])
    assert [c.text for c in chunks] == ["ab"]
    assert chunks[0].start == 1


@given(
    st.lists(
        st.tuples(st.floats(0, 10), st.floats(0.1, 8), st.text(min_size=1, max_size=30)),
        max_size=80,
    )
)
def test_chunking_keeps_every_word_in_order(raw):
    segments, t = [], 0.0
    for gap, duration, text in raw:
        t += gap
        segments.append(Segment(t, duration, text))
    chunks = chunk_segments(segments)
    expected = " ".join(" ".join(s.text.replace("\x00", "").split()) for s in segments).split()
    assert " ".join(c.text for c in chunks).split() == expected
    assert all(a.start <= b.start for a, b in itertools.pairwise(chunks))


@pytest.mark.django_db
def test_saving_a_transcript_twice_leaves_one_copy():
    ids = video_upsert_many(videos=[video_data(1)])
    segments = [Segment(i * 5.0, 5.0, f"words {i}") for i in range(20)]
    for _ in range(2):
        transcript_save(
            video_id=ids["vid00000001"], language="en", is_generated=False, segments=segments
        )
    assert Transcript.objects.count() == 1
    assert TranscriptChunk.objects.count() == 4
    assert list(TranscriptChunk.objects.values_list("start", flat=True)) == [0.0, 30.0, 60.0, 90.0]


@pytest.mark.django_db
def test_marking_no_transcript_records_the_reason_and_clears_chunks():
    ids = video_upsert_many(videos=[video_data(1)])
    video_id = ids["vid00000001"]
    transcript_save(
        video_id=video_id, language="en", is_generated=True, segments=[Segment(0, 1, "x")]
    )
    transcript_mark(
        video_id=video_id, status=Transcript.Status.DISABLED, error="Subtitles are disabled"
    )
    transcript = Transcript.objects.get(video_id=video_id)
    assert transcript.status == "disabled" and "disabled" in transcript.error
    assert not TranscriptChunk.objects.filter(video_id=video_id).exists()


@pytest.mark.django_db
def test_marking_twice_or_a_new_video_leaves_one_row_per_video():
    ids = video_upsert_many(videos=[video_data(1), video_data(2)])
    for _ in range(2):
        returned = transcript_mark(video_id=ids["vid00000002"], status="none", error="no en track")
    stored = Transcript.objects.get(video_id=ids["vid00000002"])
    assert Transcript.objects.count() == 1
    assert (returned.pk, returned.status, returned.language) == (stored.pk, "none", "")


def test_durations_display_as_youtube_shows_them():
    from videos.models import Video

    assert Video(duration_seconds=975).duration_display == "16:15"
    assert Video(duration_seconds=4638).duration_display == "1:17:18"
    assert Video(duration_seconds=5).duration_display == "0:05"
    assert Video(duration_seconds=None).duration_display == ""


def _in_step(*steps_per_thread: list) -> list[Exception]:
    """Each list of steps in a thread of its own (so a connection of its own), the n-th steps
    of every thread started together; the errors they raised."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(len(steps_per_thread))
    errors: list[Exception] = []

    def run(steps: list) -> None:
        try:
            for step in steps:
                barrier.wait()
                step()
        except threading.BrokenBarrierError:
            pass  # another thread failed: its error is the one to report
        except Exception as exc:
            errors.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(steps,)) for steps in steps_per_thread]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_upserts_of_the_same_videos_in_any_order_never_deadlock():
    """Two topics polled at once upsert overlapping videos, each in its own order: every
    statement takes its rows' locks in one order (youtube_id), so neither waits on the other
    in a cycle (PostgreSQL aborted one with "deadlock detected" when `make run` polled the
    demo topics together)."""
    videos = [video_data(n) for n in range(400)]
    errors = _in_step(
        *(
            [lambda batch=batch: video_upsert_many(videos=batch)] * 6
            for batch in (videos, videos[::-1])
        )
    )
    assert errors == []
    assert Video.objects.count() == 400


@pytest.mark.django_db(transaction=True)
def test_two_topics_taking_the_same_videos_at_once_keep_every_copy_right():
    """Each statement on a topic's videos rewrites those videos' topic_ids (migration 0018's
    trigger). It locks them first, in the upserts' order, then reads the memberships once any
    other change to them has committed: two topics adding and removing the same videos at
    once neither deadlock nor leave a copy computed from a view without the other's change."""
    from indexing.models import Topic

    pks = list(video_upsert_many(videos=[video_data(n) for n in range(400)]).values())
    topics = [Topic.objects.create(name=f"Race {n}", query="race") for n in range(2)]

    def steps(topic: Topic, order: list[int]) -> list:
        return [lambda: topic.videos.add(*order), lambda: topic.videos.remove(*order[::-1])] * 4

    assert _in_step(steps(topics[0], pks), steps(topics[1], pks[::-1])) == []
    assert not Video.objects.exclude(topic_ids=[]).exists()
    # Both add the same videos at once: each video ends with both topics.
    first = pks[:50]
    adds = ([lambda topic=topic: topic.videos.add(*first)] for topic in topics)
    assert _in_step(*adds) == []
    copies = Video.objects.filter(pk__in=first).values_list("topic_ids", flat=True)
    assert {tuple(ids) for ids in copies} == {tuple(sorted(t.pk for t in topics))}


@pytest.mark.django_db(transaction=True)
def test_a_retier_while_videos_are_upserted_never_deadlocks():
    """The daily re-tiering rewrites many videos' rows while polls and listings upsert them:
    it locks them in the upserts' order first."""
    from videos.search.tiers import search_retier

    videos = [video_data(n, view_count=n) for n in range(400)]
    video_upsert_many(videos=videos)
    shares = [dict(peak_share=0.1, top_share=0.2, hot_share=0.3, warm_share=0.4, cool_share=0.5)]
    shares.append({key: value / 2 for key, value in shares[0].items()})
    # Each round swaps the views around, so every re-tiering moves most of the videos.
    flipped = [video_data(n, view_count=400 - n) for n in range(400)][::-1]
    retiers = [lambda s=s: search_retier(**s) for s in shares * 3]
    upserts = [lambda b=b: video_upsert_many(videos=b) for b in (flipped, videos) * 3]
    assert _in_step(retiers, upserts) == []
    search_retier(**shares[0])
    assert Video.objects.filter(search_tier=SearchTier.PEAK).count() == 40
    peak = Video.objects.filter(search_tier=SearchTier.PEAK).order_by("-view_count").first()
    assert peak.view_count == Video.objects.order_by("-view_count").first().view_count
