"""manage.py rebuild_search_index, and the peak/top/hot/warm/cold tiers chunks live in."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from videos.models import SearchTier, TranscriptChunk, Video
from videos.search.cache import index_version
from videos.selectors import video_search
from videos.services import Segment, transcript_save
from videos.tasks import search_retier_task
from videos.tests.search_helpers import add_video

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis_client")]


def tiers_of(model, ids) -> dict[int, int]:
    field = "id" if model is Video else "video_id"
    return dict(model.objects.filter(**{f"{field}__in": ids}).values_list(field, "search_tier"))


def test_rebuild_tiers_the_most_viewed_videos_and_their_chunks_top_hot_warm_cold():
    ids = [add_video(f"tier{i:07d}", title="Tiers", said=[(0, "tier talk")]) for i in range(8)]
    for views, pk in enumerate(ids):
        Video.objects.filter(pk=pk).update(view_count=views)
    out = StringIO()
    shares = {"top_share": 0.125, "hot_share": 0.5, "warm_share": 0.75, "cool_share": 0.75}
    call_command("rebuild_search_index", **shares, stdout=out)
    expected = {pk: SearchTier.COLD for pk in ids[:2]} | {pk: SearchTier.WARM for pk in ids[2:4]}
    expected |= {pk: SearchTier.HOT for pk in ids[4:7]} | {ids[7]: SearchTier.TOP}
    assert tiers_of(Video, ids) == expected
    assert tiers_of(TranscriptChunk, ids) == expected
    assert (
        "peak 0, top 1, hot 3, warm 2, cool 0, cold 2 of 8 videos; 6 chunks changed tier"
        in out.getvalue()
    )
    assert video_search(q="tier talk").total == 8

    # Views change; a second run moves only what changed tier.
    Video.objects.filter(pk=ids[0]).update(view_count=100)
    out = StringIO()
    call_command("rebuild_search_index", tiers_only=True, **shares, stdout=out)
    moved = {ids[0]: SearchTier.TOP, ids[7]: SearchTier.HOT, ids[4]: SearchTier.WARM}
    moved |= {ids[2]: SearchTier.COLD}
    assert tiers_of(Video, list(moved)) == moved
    assert tiers_of(TranscriptChunk, ids) == tiers_of(Video, ids)
    assert "4 chunks changed tier" in out.getvalue()


def test_rebuild_builds_the_chunk_vocabulary_again_without_deleted_chunks_words():
    keep = add_video("vocab000001", said=[(0.0, "marmalade on toast")])
    gone = add_video("vocab000002", said=[(0.0, "quinoa porridge")])
    TranscriptChunk.objects.filter(video_id=gone).delete()

    def vocabulary() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT lexeme FROM videos_chunklexeme")
            return {row[0] for row in cursor.fetchall()}

    assert {"marmalad", "quinoa"} <= vocabulary()
    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert vocabulary() == {"marmalad", "toast"}
    assert "chunk vocabulary: 2 lexemes" in out.getvalue()
    assert [h.video.pk for h in video_search(q="toast marm", use_cache=False).hits] == [keep]


@pytest.mark.parametrize("tier", list(SearchTier))
def test_new_chunks_join_their_videos_tier_without_a_rebuild(tier):
    """transcript_save passes the tier in its COPY; any other insert gets it from the trigger."""
    pk = add_video("tiervideo01", title="Tiered")
    Video.objects.filter(pk=pk).update(search_tier=tier)
    transcript_save(
        video_id=pk, language="en", is_generated=False, segments=[Segment(1.0, 2.0, "warm words")]
    )
    TranscriptChunk.objects.create(
        transcript_id=TranscriptChunk.objects.get().transcript_id,
        video_id=pk,
        position=1,
        start=3.0,
        duration=1.0,
        text="warm hands",
    )
    assert list(TranscriptChunk.objects.values_list("search_tier", flat=True)) == [tier, tier]
    page = video_search(q="warm", use_cache=False)
    assert [h.video.youtube_id for h in page.hits] == ["tiervideo01"]
    assert len(page.hits[0].moments) == 2


def test_rebuild_recomputes_vectors_and_keeps_results():
    add_video("rebuilt0001", title="Ocean tides", said=[(5.0, "the moon pulls the ocean")])
    call_command("rebuild_search_index", stdout=StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM videos_transcriptchunk WHERE search_vector IS NULL")
        assert cursor.fetchone()[0] == 0
    page = video_search(q="moon pulls")
    assert page.hits[0].moments[0].start == 5.0


@pytest.mark.parametrize(
    "shares",
    [
        {"hot_share": 3},
        {"top_share": 0.5, "hot_share": 0.2},
        {"hot_share": 0.5, "warm_share": 0.4},
        {"peak_share": 0.02},
    ],
)
def test_bad_shares_change_nothing(shares):
    pk = add_video("tierbad0001", title="Bad", said=[(0, "words")])
    Video.objects.filter(pk=pk).update(view_count=5)
    err = StringIO()
    call_command("rebuild_search_index", **shares, stdout=StringIO(), stderr=err)
    assert "between 0 and 1" in err.getvalue()
    assert tiers_of(Video, [pk]) == {pk: SearchTier.COLD}


def test_the_daily_retier_task_moves_videos_and_invalidates_cached_results(settings):
    """What beat runs (setup_beat: "Re-tier search"): the task through Celery's own call
    path (apply), as a worker would run it."""
    pk = add_video("retier00001", title="Retier", said=[(0, "retier talk")])
    Video.objects.filter(pk=pk).update(view_count=10)
    before = index_version()
    result = search_retier_task.apply().get()
    assert "peak 0, top 0, hot 0, warm 0, cool 0, cold 1 of 1 videos; 0 chunks changed" in result
    assert index_version() == before  # nothing moved: cached results stay valid
    for i in range(99):
        add_video(f"others{i:05d}", title="Other")
    result = search_retier_task.apply().get()
    assert "peak 0, top 1, hot 3, warm 9, cool 27, cold 60 of 100 videos; 1 chunks" in result
    assert tiers_of(TranscriptChunk, [pk]) == {pk: SearchTier.TOP}
    assert index_version() > before
    settings.SEARCH_BACKEND = "elasticsearch"
    assert search_retier_task.apply().get().startswith("skipped")
