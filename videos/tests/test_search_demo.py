"""As a new user would try it: the emulator's demo videos, stored by the write services, then
searched for a phrase said in one of them, a partial word and a misspelt channel name."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from videos.parsing import VideoData
from videos.selectors import video_search
from videos.services import Segment, transcript_save, video_upsert_many
from youtube_emulator.config import DatasetConfig
from youtube_emulator.dataset import Dataset

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis_client")]


@pytest.fixture
def demo():
    ds = Dataset(DatasetConfig.preset("small"), live_start=datetime(2026, 11, 1, tzinfo=UTC))
    videos = [v for v in ds.iter_videos(40) if ds.tracks(v)]
    ids = video_upsert_many(
        videos=[
            VideoData(
                youtube_id=v.id,
                title=v.title,
                description=v.description,
                channel_id=ds.channels[v.channel_index].id,
                channel_title=ds.channels[v.channel_index].title,
                published_at=datetime.fromtimestamp(v.published_at, UTC),
                duration_seconds=v.duration_s,
                tags=list(v.tags),
                language=v.language,
            )
            for v in videos
        ]
    )
    for v in videos:
        track = ds.tracks(v)[0]
        segments = [
            Segment(s.start, s.duration, s.text)
            for s in ds.iter_segments(v, track.language, track.kind)
        ]
        transcript_save(
            video_id=ids[v.id],
            language=track.language,
            is_generated=track.kind == "asr",
            segments=segments,
        )
    return ds, videos


def test_a_phrase_said_in_one_video_finds_it_first_at_the_right_second(demo):
    ds, videos = demo
    video = videos[3]
    signature = ds.signature(video.id)
    page = video_search(q=f'"{signature.phrase}"')
    assert page.hits[0].video.youtube_id == video.id
    moment = page.hits[0].moments[0]
    # The moment is the ~30 s chunk in which the phrase is said.
    assert moment.start <= signature.start < moment.start + 31
    assert moment.url == f"https://www.youtube.com/watch?v={video.id}&t={int(moment.start)}s"
    assert f"<mark>{signature.codeword}</mark>" in moment.snippet_html.lower()


def test_a_partial_word_finds_the_video(demo):
    ds, videos = demo
    codeword = ds.signature(videos[5].id).codeword
    hits = video_search(q=codeword[:-2]).hits
    assert videos[5].id in [hit.video.youtube_id for hit in hits]


def test_a_misspelt_channel_name_finds_the_channels_videos(demo):
    ds, videos = demo
    channel = ds.channels[videos[0].channel_index].title
    longest = max(channel.split(), key=len)
    typo = longest[:2] + longest[3] + longest[2] + longest[4:]  # swap two letters
    hits = video_search(q=f"{typo}", page_size=100).hits
    channels = {hit.video.channel.title for hit in hits}
    assert channel in channels
