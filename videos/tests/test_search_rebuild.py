"""manage.py rebuild_search_index, and the hot/cold tiers chunks live in."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from videos.models import TranscriptChunk, Video
from videos.selectors import video_search
from videos.services import Segment, transcript_save
from videos.tests.search_helpers import add_video

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis_client")]


def test_rebuild_puts_the_most_viewed_videos_and_their_chunks_in_the_hot_tier():
    ids = [add_video(f"tier{i:07d}", title="Tiers", said=[(0, "tier talk")]) for i in range(8)]
    for views, pk in enumerate(ids):
        Video.objects.filter(pk=pk).update(view_count=views)
    out = StringIO()
    call_command("rebuild_search_index", hot_share=0.25, stdout=out)
    hot = set(Video.objects.filter(search_hot=True).values_list("id", flat=True))
    assert hot == set(ids[-2:])
    assert set(
        TranscriptChunk.objects.filter(search_hot=True).values_list("video_id", flat=True)
    ) == set(ids[-2:])
    assert "hot tier: 2 of 8 videos" in out.getvalue()
    assert video_search(q="tier talk").total == 8


def test_new_chunks_of_a_hot_video_join_the_hot_tier_without_a_rebuild():
    pk = add_video("hotvideo001", title="Hot")
    Video.objects.filter(pk=pk).update(search_hot=True)
    transcript_save(
        video_id=pk, language="en", is_generated=False, segments=[Segment(1.0, 2.0, "warm words")]
    )
    assert list(TranscriptChunk.objects.values_list("search_hot", flat=True)) == [True]
    assert [h.video.youtube_id for h in video_search(q="warm words").hits] == ["hotvideo001"]


def test_rebuild_recomputes_vectors_and_keeps_results():
    add_video("rebuilt0001", title="Ocean tides", said=[(5.0, "the moon pulls the ocean")])
    call_command("rebuild_search_index", stdout=StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM videos_transcriptchunk WHERE search_vector IS NULL")
        assert cursor.fetchone()[0] == 0
    page = video_search(q="moon pulls")
    assert page.hits[0].moments[0].start == 5.0


def test_a_bad_hot_share_changes_nothing():
    err = StringIO()
    call_command("rebuild_search_index", hot_share=3, stdout=StringIO(), stderr=err)
    assert "between 0 and 1" in err.getvalue()
