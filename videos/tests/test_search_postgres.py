"""The PostgreSQL engine through the selector: ranking, syntax, typos, filters, moments, paging."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from indexing.models import Topic
from playlists.models import Playlist, PlaylistItem
from videos.models import (
    CHUNK_FILTER_COPIES,
    SEARCH_GIN_PENDING_KB,
    Channel,
    SearchTier,
    Transcript,
    TranscriptChunk,
    Video,
)
from videos.search import postgres, trigram
from videos.search.types import SearchFilters
from videos.selectors import _videos_by_id, video_search
from videos.services import transcript_mark
from videos.tests.search_helpers import add_video, filler

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis_client")]


def ids(q: str, **kwargs) -> list[str]:
    return [hit.video.youtube_id for hit in video_search(q=q, **kwargs).hits]


def ranking_statements(q: str, expected: list[str]) -> list[str]:
    """The ranking statements (a typo pass's too) of a search for `q`, which finds `expected`."""
    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert ids(q, use_cache=False) == expected
    return [sql for sql in statements if "candidates AS" in sql]


def test_title_beats_tags_beats_description_beats_transcript():
    add_video("transcript1", title="Weekly vlog", said=[(10.0, "we tried a sourdough starter")])
    add_video("descriptio1", title="Kitchen day", description="All about sourdough today")
    add_video("tagsonly001", title="Bread day", tags=("sourdough", "bread"))
    add_video("titlematch1", title="Sourdough for beginners")
    assert ids("sourdough ") == ["titlematch1", "tagsonly001", "descriptio1", "transcript1"]


def test_a_title_match_outranks_a_transcript_that_repeats_the_words_and_is_newer():
    add_video(
        "saysitoften",
        title="Random talk",
        published=datetime(2026, 11, 1, tzinfo=UTC),
        said=[(float(i * 4), "telescope telescope telescope") for i in range(10)],
    )
    add_video("oldtitle001", title="My telescope", published=datetime(2015, 1, 1, tzinfo=UTC))
    assert ids("telescope ") == ["oldtitle001", "saysitoften"]


def test_recency_breaks_ties_mildly():
    add_video("older000001", title="Chess openings", published=datetime(2020, 1, 1, tzinfo=UTC))
    add_video("newer000001", title="Chess openings", published=datetime(2026, 1, 1, tzinfo=UTC))
    assert ids("chess openings ") == ["newer000001", "older000001"]


def test_recency_breaks_ties_between_videos_found_by_what_is_said():
    # The newer video is added first: the later id cannot be what puts it first.
    said = [(5.0, "the rook endgame again")]
    add_video("saidnewer01", published=datetime(2026, 1, 1, tzinfo=UTC), said=said)
    add_video("saidolder01", published=datetime(2020, 1, 1, tzinfo=UTC), said=said)
    page = video_search(q="rook endgame", use_cache=False)
    assert [h.video.youtube_id for h in page.hits] == ["saidnewer01", "saidolder01"]
    assert page.hits[0].score > page.hits[1].score


def test_the_recency_of_a_video_found_by_what_is_said_follows_its_date_when_it_changes():
    """The ranking reads such a video's date from its chunks' copy (kept by a trigger)."""
    said = [(5.0, "the rook endgame again")]
    add_video("saidfirst01", published=datetime(2026, 1, 1, tzinfo=UTC), said=said)
    later = add_video("saidlater01", published=datetime(2020, 1, 1, tzinfo=UTC), said=said)
    assert ids("rook endgame") == ["saidfirst01", "saidlater01"]
    Video.objects.filter(pk=later).update(published_at=datetime(2026, 6, 1, tzinfo=UTC))
    assert ids("rook endgame", use_cache=False) == ["saidlater01", "saidfirst01"]


def test_words_match_in_any_order_and_all_are_required():
    add_video("both0000001", title="Garlic butter pasta")
    add_video("onlyone0001", title="Butter chicken")
    assert ids("pasta garlic ") == ["both0000001"]


def test_quoted_phrase_needs_the_words_together_in_order():
    add_video("phrase00001", said=[(30.0, "make a quick tomato sauce now")])
    add_video("apart000001", said=[(30.0, "sauce first then a tomato later")])
    assert ids('"tomato sauce"') == ["phrase00001"]
    assert sorted(ids("tomato sauce ")) == ["apart000001", "phrase00001"]


def test_excluded_words_remove_videos_and_moments():
    add_video("pastaonly01", title="Pasta night")
    add_video("pastagarlic", title="Pasta with garlic")
    add_video("saysgarlic1", said=[(0.0, "pasta tonight"), *filler(5, 8), (60.0, "pasta garlic")])
    page = video_search(q="pasta -garlic")
    found = {hit.video.youtube_id: hit for hit in page.hits}
    assert set(found) == {"pastaonly01", "saysgarlic1"}
    assert [m.start for m in found["saysgarlic1"].moments] == [0.0]


def test_or_matches_either_word():
    add_video("noodles0001", title="Noodles at home")
    add_video("risotto0001", title="Risotto at home")
    add_video("salad000001", title="Salad at home")
    assert sorted(ids("noodles or risotto ")) == ["noodles0001", "risotto0001"]


def test_the_last_word_matches_as_a_prefix_while_typing():
    add_video("python00001", title="Python decorators")
    add_video("saysit00001", said=[(12.0, "a metaclass is a class of a class")])
    assert ids("pyth") == ["python00001"]
    assert ids("decorators pyth") == ["python00001"]
    assert ids("metacl") == ["saysit00001"]
    assert ids("metacl ") == []


def test_a_misspelt_title_is_found_with_trigrams():
    add_video("mandolin001", title="Mandolin tremolo technique")
    assert ids("mandolni tremolo") == ["mandolin001"]


def test_typo_tolerance_is_for_titles_and_channel_names_not_transcripts():
    """As on Elasticsearch (fuzzy_query_body): a corrected word matches titles and channel
    names; transcripts match the words as typed."""
    add_video("mandolin001", title="Mandolin tremolo technique")
    add_video("saysmando01", title="Random talk", said=[(3.0, "my mandolin is out of tune")])
    assert ids("mandolni", use_cache=False) == ["mandolin001"]
    assert ids("mandolin", use_cache=False) == ["mandolin001", "saysmando01"]


def test_a_page_says_which_words_a_misspelt_word_also_matched():
    add_video("mandolin001", title="Mandolin tremolo technique")
    page = video_search(q="mandolni tremolo", use_cache=False)
    assert [h.video.youtube_id for h in page.hits] == ["mandolin001"]
    assert page.corrections == (("mandolni", ("mandolin",)),)
    cached = video_search(q="mandolni tremolo")  # and from the cache, the second time
    cached = video_search(q="mandolni tremolo")
    assert cached.cached and cached.corrections == page.corrections
    assert video_search(q="mandolin tremolo", use_cache=False).corrections == ()


def test_a_misspelt_channel_name_finds_its_videos():
    add_video("veritas0001", title="Why the sky is blue", channel="Veritasium")
    add_video("other000001", title="Cat videos", channel="Cat Corner")
    assert ids("veritasiun") == ["veritas0001"]
    assert ids("sky channel:veritasiun") == ["veritas0001"]


def closest_channels(name: str, limit: int = 5) -> list[int]:
    """The ids trigram.closest_channels_sql finds for `name`, nearest first."""
    with connection.cursor() as cursor:
        cursor.execute(*trigram.closest_channels_sql(limit, name))
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.parametrize("knn_from", [float("inf"), float("-inf")], ids=["scan", "gist"])
def test_close_channel_names_come_nearest_first_down_to_the_tolerance(monkeypatch, knn_from):
    """By word_similarity() over every channel, or through the names' GiST index (from
    KNN_FROM_CHANNELS channels): the same channels."""
    monkeypatch.setattr(trigram, "KNN_FROM_CHANNELS", knn_from)
    names = ("Astronomy Society", "Astronomers", "Cooking Corner", "Veritasium", "Astronomy")
    for i, name in enumerate(names):
        add_video(f"channel{i:04d}", title="Saturn tonight", channel=name)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM videos_channel WHERE word_similarity(%s, title) >= %s"
            " ORDER BY word_similarity(%s, title) DESC",
            ["asrtonomy", trigram.CHANNEL_SIMILARITY, "asrtonomy"],
        )
        expected = [row[0] for row in cursor.fetchall()]
    assert len(expected) == 2  # the two "Astronomy" (~0.43); "Astronomers" is ~0.29
    assert closest_channels("asrtonomy") == sorted(expected)  # a tie: broken by id
    assert closest_channels("asrtonomy", limit=1) == sorted(expected)[:1]
    assert closest_channels("veritasiun") == [Channel.objects.get(title="Veritasium").pk]
    assert closest_channels("zzzzqqq") == []
    assert "channel0002" not in ids("asrtonomy", use_cache=False)


def test_connections_find_close_channel_names_through_the_trigram_index():
    """The connection sets the threshold the index is read at to the engine's own, so the
    index branch runs and the branch comparing every name does not."""
    add_video("channel0001", title="Saturn tonight", channel="Astronomy Society")
    sql, params = trigram.closest_channels_sql(5, "asrtonomy")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s)::real", [trigram.THRESHOLD_SETTING])
        assert cursor.fetchone()[0] == pytest.approx(trigram.CHANNEL_SIMILARITY)
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test database's few rows
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
    (index,) = [line for line in plan if "channel_title_trgm_gist" in line]
    assert "never executed" not in index
    (scan,) = [line for line in plan if "Scan on videos_channel" in line and "Bitmap" not in line]
    assert "never executed" in scan


@pytest.mark.parametrize("threshold", ["0.4", "0.6", "0.1"])
def test_close_channel_names_are_the_same_whatever_the_sessions_threshold(threshold):
    """At a session threshold above CHANNEL_SIMILARITY (a connection without our setting)
    every name is compared instead; below it, the index finds more and the rest is dropped."""
    names = ("Astronomy Society", "Astronomers", "Cooking Corner", "Veritasium", "Astronomy")
    for i, name in enumerate(names):
        add_video(f"channel{i:04d}", title="Saturn tonight", channel=name)
    expected = closest_channels("asrtonomy")
    assert len(expected) == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [trigram.THRESHOLD_SETTING, threshold])
    assert closest_channels("asrtonomy") == expected
    assert closest_channels("veritasiun") == [Channel.objects.get(title="Veritasium").pk]


def test_a_misspelt_channel_name_pages_through_its_videos_newest_first():
    """Each close channel gives only as many videos as the pages so far need: its newest."""
    days = random.Random(3).sample(range(1, 300), 30)  # inserted in no order of date
    for i, day in enumerate(days):
        published = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=day)
        add_video(
            f"veritas{i:04d}", title=f"Episode {i}", channel="Veritasium", published=published
        )
    newest = [f"veritas{i:04d}" for i in sorted(range(30), key=lambda i: -days[i])]
    first = video_search(q="veritasiun", page=1, page_size=20, use_cache=False)
    second = video_search(q="veritasiun", page=2, page_size=20, use_cache=False)
    assert [h.video.youtube_id for h in first.hits] == newest[:20]
    assert [h.video.youtube_id for h in second.hits] == newest[20:]


def test_without_pg_trgm_typo_tolerance_is_off_with_a_warning_and_search_still_works(caplog):
    add_video("veritas0001", title="Why the sky is blue", channel="Veritasium")
    with connection.cursor() as cursor:
        cursor.execute("DROP EXTENSION pg_trgm CASCADE")  # rolled back with the test
    trigram.forget()
    try:
        with caplog.at_level(logging.WARNING, logger="videos.search.trigram"):
            assert ids("veritasiun", use_cache=False) == []
            assert ids("sky", use_cache=False) == ["veritas0001"]
        assert "typo tolerance is off" in caplog.text
    finally:
        trigram.forget()


def test_moments_link_to_the_second_they_start_with_the_match_highlighted():
    add_video(
        "moments0001",
        said=[*filler(0, 12), (61.5, "the flux capacitor needs power"), *filler(70, 12)],
    )
    hit = video_search(q="flux capacitor").hits[0]
    assert len(hit.moments) == 1
    moment = hit.moments[0]
    assert moment.start == 61.5
    assert moment.url == "https://www.youtube.com/watch?v=moments0001&t=61s"
    assert "<mark>flux</mark> <mark>capacitor</mark>" in moment.snippet_html
    assert moment.timestamp == "1:01"


def test_a_phrases_moment_starts_where_it_is_said_and_marks_only_it():
    said = [(40.0, "a castle on the hill"), (44.0, "the knight castle house"), (48.0, "castle")]
    add_video("phrase00001", said=[*filler(0, 8), *said])
    (moment,) = video_search(q='"knight castle house"').hits[0].moments
    assert moment.start == 44.0  # not 40.0, where "castle" is said first
    # From four words before the phrase; the other two "castle"s are not marked.
    assert moment.snippet_html == (
        "on the hill the <mark>knight</mark> <mark>castle</mark> <mark>house</mark> castle"
    )
    # Words, not a phrase: every one is marked, and the moment starts where all of them are
    # said together, as ts_headline would pick its fragment.
    (moment,) = video_search(q="knight castle house", use_cache=False).hits[0].moments
    assert moment.start == 44.0 and moment.snippet_html.count("<mark>castle</mark>") == 2


def test_curly_quotes_of_manual_captions_keep_the_marking_from_the_vector():
    # PostgreSQL reads \u2019 \u201c \u201d as blanks, so the text stays plain: the phrase alone is
    # marked (ts_headline, for texts that are not plain, would mark the first "castle" too).
    said = "the castle\u2019s \u201cgate\u201d \u2013 a knight castle house"
    add_video("curly000001", said=[(10.0, said)])
    (moment,) = video_search(q='"knight castle house"').hits[0].moments
    assert moment.snippet_html.count("<mark>") == 3
    assert "\u201cgate\u201d \u2013 a <mark>knight</mark>" in moment.snippet_html


def test_at_most_three_moments_per_result_best_first_and_snippets_are_escaped():
    said = []
    for block in range(6):
        said += filler(block * 60, 8)
        said.append((block * 60 + 45.0, "<b>gizmo</b>" + " gizmo" * block))
    add_video("manymoments", said=said)
    hit = video_search(q="gizmo").hits[0]
    assert len(hit.moments) == 3
    # The moment is the ~30 s chunk holding the line that says it most often.
    assert 300 <= hit.moments[0].start <= 345
    assert hit.moments[0].snippet_html.count("<mark>") == 6
    assert "<b>" not in hit.moments[0].snippet_html


def test_sort_by_date_puts_newest_first():
    add_video("old00000001", title="Kayak trip", published=datetime(2021, 1, 1, tzinfo=UTC))
    add_video("new00000001", said=[(0, "kayak")], published=datetime(2026, 1, 1, tzinfo=UTC))
    assert ids("kayak", sort="relevance") == ["old00000001", "new00000001"]
    assert ids("kayak", sort="date") == ["new00000001", "old00000001"]


def test_paging_walks_through_every_result_without_a_fixed_cap():
    for i in range(45):
        add_video(f"paged{i:06d}", title=f"Origami crane {i}")
    seen = []
    page_number = 1
    while True:
        page = video_search(q="origami", page=page_number, page_size=20)
        seen += [hit.video.youtube_id for hit in page.hits]
        assert page.total == 45 and page.total_exact
        if not page.has_next:
            break
        page_number += 1
    assert page_number == 3
    assert sorted(seen) == sorted(f"paged{i:06d}" for i in range(45))


def test_stop_words_alone_find_nothing_without_error():
    add_video("thevideo001", title="The thing")
    assert video_search(q="the").total == 0


# --- filters -------------------------------------------------------------------------------


def test_channel_filter_by_name_or_youtube_id():
    add_video("chanA000001", title="Bread", channel="Baker Street")
    add_video("chanB000001", title="Bread", channel="Other Place")
    assert ids("bread", filters=SearchFilters(channel="baker street")) == ["chanA000001"]
    assert ids("bread", filters=SearchFilters(channel="UCBakerStreet")) == ["chanA000001"]
    assert ids("bread channel:baker") == ["chanA000001"]
    assert ids("bread", filters=SearchFilters(channel="nobody at all")) == []
    for wildcard in ("%", "_", "\\"):  # matched as the characters they are
        assert ids("bread", filters=SearchFilters(channel=wildcard)) == [], wildcard
    add_video("percent0001", title="Bread", channel="Bread 100% Off")
    assert ids("bread", filters=SearchFilters(channel="100%")) == ["percent0001"]


@pytest.mark.parametrize("by", ["channel", "topic", "playlist"])
def test_name_filters_find_what_is_said_with_equal_results(by):
    """A channel, topic or playlist is looked up in the tiers' indexes by its lexemes
    (migrations 0017 and 0018), the videos' and the chunks': same answers every way."""
    said = [(12.0, "fresh bread from the oven"), (40.0, "crumb and crust")]
    top = add_video("bakertop001", title="Morning", channel="Baker Street", said=said)
    cold = add_video("bakercold01", title="Evening", channel="Baker Street", said=said[:1])
    title = add_video("bakertitle1", title="Bread basics", channel="Baker Street")
    none = add_video("bakernone01", title="Cakes", channel="Baker Street", said=said[1:])
    add_video("otherchan01", title="Bread", channel="Other Place", said=said)
    Video.objects.filter(pk=top).update(search_tier=SearchTier.TOP)
    TranscriptChunk.objects.filter(video_id=top).update(search_tier=SearchTier.TOP)
    baker = SearchFilters(channel="baker street")
    if by == "topic":
        topic = Topic.objects.create(name="Baking", query="baking")
        topic.videos.add(top, cold, title, none)
        baker = SearchFilters(topic="baking")
    elif by == "playlist":
        playlist = Playlist.objects.create(youtube_id="PLbaking", title="Baking")
        PlaylistItem.objects.bulk_create(
            PlaylistItem(playlist=playlist, video_id=pk, youtube_id=f"bake{n}", position=n)
            for n, pk in enumerate((top, cold, title, none))
        )
        baker = SearchFilters(playlist="baking")
    page = video_search(q="bread", filters=baker, use_cache=False)
    # The two transcript-only videos tie (same moment); the newer id wins the tie.
    assert [h.video.youtube_id for h in page.hits] == ["bakertitle1", "bakercold01", "bakertop001"]
    assert page.total == 3
    assert [m.start for m in page.hits[2].moments] == [12.0]
    assert ids("bread -morning", filters=baker, use_cache=False) == ["bakertitle1", "bakercold01"]
    assert ids("crumb", filters=baker, use_cache=False) == ["bakernone01", "bakertop001"]


def test_the_name_filters_are_looked_up_once_a_search():
    """The engine and the page's lines about the filters read one lookup of each name."""
    from django.test.utils import CaptureQueriesContext

    pk = add_video("onceonly001", title="Gambit", channel="Baker Street")
    Topic.objects.create(name="Chess", query="chess").videos.add(pk)
    playlist = Playlist.objects.create(youtube_id="PLchess", title="Chess")
    PlaylistItem.objects.create(playlist=playlist, video_id=pk, youtube_id="once1", position=0)
    filters = SearchFilters(channel="baker street", topic="chess", playlist="PLchess")
    with CaptureQueriesContext(connection) as captured:
        page = video_search(q="gambit", filters=filters, use_cache=False)
    assert [h.video.youtube_id for h in page.hits] == ["onceonly001"]
    assert page.channel_filter.channels == (("UCBakerStreet", "Baker Street"),)
    statements = [q["sql"] or "" for q in captured.captured_queries]
    for table in ("videos_channel c WHERE", "indexing_topic WHERE", "playlists_playlist WHERE"):
        assert sum(table in sql for sql in statements) == 1, table


def test_topic_filter_uses_the_topics_videos():
    a = add_video("topicvid001", title="Gambit")
    add_video("notopic0001", title="Gambit")
    topic = Topic.objects.create(name="Chess", query="chess")
    topic.videos.add(a)
    assert ids("gambit", filters=SearchFilters(topic="chess")) == ["topicvid001"]
    assert ids(f"gambit topic:{topic.pk}") == ["topicvid001"]
    assert ids("gambit topic:hes") == ["topicvid001"]  # a name containing it
    for wildcard in ("%", "_", "\\"):  # matched as the characters they are
        assert ids("gambit", filters=SearchFilters(topic=wildcard)) == [], wildcard
    Topic.objects.create(name="100% chess", query="chess").videos.add(a)
    assert ids("gambit", filters=SearchFilters(topic="0%")) == ["topicvid001"]


def test_playlist_filter_uses_the_playlists_items():
    a = add_video("inlist00001", title="Fret work")
    add_video("notinlist01", title="Fret work")
    playlist = Playlist.objects.create(youtube_id="PLguitar", title="Guitar things")
    PlaylistItem.objects.create(playlist=playlist, video_id=a, youtube_id="item1", position=0)
    assert ids("fret", filters=SearchFilters(playlist="PLguitar")) == ["inlist00001"]
    assert ids('fret playlist:"guitar things"') == ["inlist00001"]
    assert ids("fret playlist:GUITAR") == ["inlist00001"]  # a title containing it
    assert ids("fret", filters=SearchFilters(playlist="_")) == []


def test_date_range_filters_include_both_ends():
    for day, vid in ((1, "jan01000001"), (15, "jan15000001"), (31, "jan31000001")):
        add_video(vid, title="Harbour", published=datetime(2024, 1, day, 12, tzinfo=UTC))
    assert ids("harbour after:2024-01-15 before:2024-01-31", sort="date") == [
        "jan31000001",
        "jan15000001",
    ]
    assert ids("harbour before:2024-01-14") == ["jan01000001"]


def test_duration_filter():
    add_video("short000001", title="Knots", duration=90)
    add_video("medium00001", title="Knots", duration=600)
    add_video("long0000001", title="Knots", duration=3600)
    assert ids("knots duration:short") == ["short000001"]
    assert ids("knots duration:medium") == ["medium00001"]
    assert ids("knots duration:long") == ["long0000001"]
    assert ids("knots duration:5-15") == ["medium00001"]


def test_language_filter_matches_the_video_or_its_transcript():
    add_video("english0001", title="Fondue", language="en-US")
    add_video("french00001", title="Fondue", language="fr", said=[(0, "fondue")])
    v = add_video("frtranscr01", title="Fondue", language="", said=[(0, "fondue")])
    Video.objects.filter(pk=v).update(language="")
    assert ids("fondue lang:en") == ["english0001"]
    assert sorted(ids("fondue lang:fr")) == ["french00001"]


def test_transcript_filters_manual_auto_has_none():
    add_video("manual00001", title="Lathe", said=[(0, "lathe")], generated=False)
    add_video("auto0000001", title="Lathe", said=[(0, "lathe")], generated=True)
    nothing = add_video("notrans0001", title="Lathe")
    failed = add_video("failed00001", title="Lathe")
    transcript_mark(video_id=failed, status="disabled")
    assert nothing
    assert ids("lathe transcript:manual") == ["manual00001"]
    assert ids("lathe transcript:auto") == ["auto0000001"]
    assert sorted(ids("lathe transcript:has")) == ["auto0000001", "manual00001"]
    assert sorted(ids("lathe transcript:none")) == ["failed00001", "notrans0001"]


def test_source_filter():
    add_video("fromtopic01", title="Drywall", source="topic")
    add_video("fromlist001", title="Drywall", source="playlist")
    assert ids("drywall", filters=SearchFilters(source="topic")) == ["fromtopic01"]
    assert ids("drywall source:playlist") == ["fromlist001"]


def _said_only(youtube_id: str, **kwargs) -> int:
    """A video whose words are only in its transcript: the chunks decide whether it matches."""
    return add_video(youtube_id, said=[(0.0, "the lighthouse keeper")], **kwargs)


def _reinsert_chunks_raw(pk: int) -> None:
    """The video's chunks again by a plain INSERT, without the filter copies (the trigger's)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH gone AS (DELETE FROM videos_transcriptchunk WHERE video_id = %s"
            " RETURNING transcript_id, video_id, position, start, duration, text)"
            " INSERT INTO videos_transcriptchunk"
            " (transcript_id, video_id, position, start, duration, text)"
            " SELECT * FROM gone",
            [pk],
        )


@pytest.mark.parametrize("written_by", ["the service", "a plain insert"])
def test_broad_filters_apply_to_what_is_said_through_the_chunks_copies(written_by):
    early = datetime(2024, 1, 10, tzinfo=UTC)
    late = datetime(2025, 6, 1, tzinfo=UTC)
    a = _said_only("saida000001", published=early, duration=90, source="topic", generated=True)
    b = _said_only(
        "saidb000001", published=late, duration=3600, language="fr-CA", channel="Far Coast"
    )
    # After the chunks (the service's): the topic's and playlist's triggers copy them over;
    # before a plain insert of them: the chunk's insert trigger does.
    topic = Topic.objects.create(name="Lighthouses", query="lighthouses")
    topic.videos.add(b)
    playlist = Playlist.objects.create(youtube_id="PLcoast", title="Coast watch")
    PlaylistItem.objects.create(playlist=playlist, video_id=b, youtube_id="coast1", position=0)
    if written_by == "a plain insert":
        for pk in (a, b):
            _reinsert_chunks_raw(pk)
    copies = TranscriptChunk.objects.filter(video_id=b).values_list(
        *CHUNK_FILTER_COPIES, "filter_vector"
    )
    channel = Video.objects.get(pk=b).channel_id
    lexemes = (
        f"'ch{channel}' 'd202' 'lfr' 'm202506' 'pl{playlist.pk}' 'splaylist' 'tmanual'"
        f" 'tp{topic.pk}' 'u6' 'y2025'"
    )
    assert list(copies) == [
        (
            late,
            3600,
            "playlist",
            "fr-ca",
            "fr-ca",
            False,
            channel,
            [topic.pk],
            [playlist.pk],
            lexemes,
        )
    ]
    for q, expected in (
        ("keeper after:2025-01-01", ["saidb000001"]),
        ("keeper before:2024-12-31", ["saida000001"]),
        ("keeper duration:short", ["saida000001"]),
        ("keeper duration:long", ["saidb000001"]),
        ("keeper lang:fr", ["saidb000001"]),
        ("keeper transcript:manual", ["saidb000001"]),
        ("keeper transcript:auto", ["saida000001"]),
        ("keeper transcript:has", ["saida000001", "saidb000001"]),
        ("keeper transcript:none", []),
        ("keeper source:topic", ["saida000001"]),
        ("keeper channel:UCFarCoast", ["saidb000001"]),
        ("keeper topic:lighthouses", ["saidb000001"]),
        ('keeper playlist:"coast watch"', ["saidb000001"]),
        ("keeper after:2024-01-10 before:2024-01-10", ["saida000001"]),
        ("keeper after:2024-01-11 before:2025-05-31", []),
    ):
        assert sorted(ids(q, use_cache=False)) == expected, q


def test_the_chunks_copies_follow_their_video_and_transcript():
    pk = _said_only("follow00001", published=datetime(2024, 1, 10, tzinfo=UTC), duration=90)
    assert ids("keeper after:2025-01-01", use_cache=False) == []
    Video.objects.filter(pk=pk).update(
        published_at=datetime(2025, 3, 1, tzinfo=UTC), duration_seconds=4000, language=""
    )
    assert ids("keeper after:2025-01-01 duration:long", use_cache=False) == ["follow00001"]
    assert ids("keeper lang:de", use_cache=False) == []
    Transcript.objects.filter(video_id=pk).update(language="de", is_generated=True)
    assert ids("keeper lang:de transcript:auto", use_cache=False) == ["follow00001"]
    # The write services' upsert of a known video, as fetching its details does it.
    add_video("follow00001", published=datetime(2023, 5, 5, tzinfo=UTC))
    assert ids("keeper before:2023-12-31", use_cache=False) == ["follow00001"]
    Video.objects.filter(pk=pk).update(source="topic")
    assert ids("keeper source:topic", use_cache=False) == ["follow00001"]
    moved = Channel.objects.create(youtube_id="UCmovedhere", title="Moved Here")
    assert ids("keeper channel:UCmovedhere", use_cache=False) == []
    Video.objects.filter(pk=pk).update(channel=moved)
    assert ids("keeper channel:UCmovedhere", use_cache=False) == ["follow00001"]


def _groups_of(pk: int) -> set[tuple[tuple[int, ...], tuple[int, ...]]]:
    """The video's topics and playlists, and each of its chunks' copies of them: one value if
    all agree."""
    video = Video.objects.filter(pk=pk).values_list("topic_ids", "playlist_ids")
    rows = TranscriptChunk.objects.filter(video_id=pk).values_list(
        "video_topic_ids", "video_playlist_ids"
    )
    return {(tuple(topics), tuple(playlists)) for topics, playlists in [*video, *rows]}


def test_the_chunks_topics_and_playlists_follow_every_change_of_them():
    """Migration 0018's triggers: whichever statement adds, moves or removes a topic's video or
    a playlist's item (the ORM's add/remove, a bulk upsert as listing a playlist does, a
    cascade), the video's topics and playlists, its chunks' copies and so the topic and
    playlist filters follow."""
    said = [(0.0, "the lighthouse keeper"), (40.0, "the keeper again"), *filler(80.0, 3)]
    pk = add_video("groups00001", said=said)
    other = add_video("groups00002", said=said[:1])
    assert len(_groups_of(pk)) == 1
    chess = Topic.objects.create(name="Chess", query="chess")
    go = Topic.objects.create(name="Go", query="go")
    chess.videos.add(pk, other)
    go.videos.add(pk)
    assert _groups_of(pk) == {(tuple(sorted((chess.pk, go.pk))), ())}
    assert ids("keeper topic:go", use_cache=False) == ["groups00001"]
    chess.videos.remove(pk)
    assert _groups_of(pk) == {((go.pk,), ())}
    assert ids("keeper topic:chess", use_cache=False) == ["groups00002"]
    go.delete()  # its rows of the videos' table go by cascade
    assert _groups_of(pk) == {((), ())}
    assert ids("keeper topic:go", use_cache=False) == []

    first = Playlist.objects.create(youtube_id="PLfirst", title="First")
    second = Playlist.objects.create(youtube_id="PLsecond", title="Second")

    def upsert(playlist: Playlist) -> None:
        """As indexing.services stores a page of a playlist: an upsert by item id."""
        PlaylistItem.objects.bulk_create(
            [PlaylistItem(playlist=playlist, video_id=pk, youtube_id="item-1", position=0)],
            update_conflicts=True,
            unique_fields=["youtube_id"],
            update_fields=["playlist", "video", "position"],
        )

    upsert(first)
    assert _groups_of(pk) == {((), (first.pk,))}
    upsert(second)  # the same item, moved: the update's old and new rows
    assert _groups_of(pk) == {((), (second.pk,))}
    assert ids("keeper playlist:PLfirst", use_cache=False) == []
    assert ids("keeper playlist:PLsecond", use_cache=False) == ["groups00001"]
    PlaylistItem.objects.create(playlist=first, video_id=pk, youtube_id="item-2", position=1)
    assert _groups_of(pk) == {((), tuple(sorted((first.pk, second.pk))))}
    second.delete()
    assert _groups_of(pk) == {((), (first.pk,))}
    assert ids("keeper playlist:PLfirst", use_cache=False) == ["groups00001"]
    assert _groups_of(other) == {((chess.pk,), ())}


def test_explicit_filters_override_the_same_inline_filter():
    add_video("short000001", title="Knots", duration=90)
    add_video("long0000001", title="Knots", duration=3600)
    assert ids("knots duration:short", filters=SearchFilters(min_seconds=1200)) == ["long0000001"]


def test_filters_alone_list_matching_videos_newest_first():
    add_video("chanA000001", channel="Baker Street", published=datetime(2024, 1, 1, tzinfo=UTC))
    add_video("chanA000002", channel="Baker Street", published=datetime(2025, 1, 1, tzinfo=UTC))
    other = add_video("chanB000001", channel="Other Place")
    assert ids("channel:baker") == ["chanA000002", "chanA000001"]
    topic = Topic.objects.create(name="Places", query="places")
    topic.videos.add(other)
    playlist = Playlist.objects.create(youtube_id="PLplaces", title="Places")
    PlaylistItem.objects.create(playlist=playlist, video_id=other, youtube_id="p1", position=0)
    assert ids("topic:places") == ["chanB000001"]
    page = video_search(q="", filters=SearchFilters(playlist="PLplaces"), use_cache=False)
    assert [h.video.youtube_id for h in page.hits] == ["chanB000001"] and page.total == 1


def test_pages_of_a_query_come_from_one_ranking_even_near_the_typo_threshold():
    for i in range(25):
        add_video(f"kite{i:07d}", title=f"Kite flying {i}", said=[(0, "kite")])
    add_video("kitesurf001", title="Kitesurfing")  # a look-alike title word
    first = video_search(q="kite ", page=1, page_size=20)
    second = video_search(q="kite ", page=2, page_size=20)
    seen = [h.video.youtube_id for h in first.hits + second.hits]
    assert len(seen) == len(set(seen)) == 25
    assert first.total == second.total == 25


def test_result_videos_carry_channel_and_transcript_like_the_orm(django_assert_num_queries):
    """The page's videos come from one precompiled statement (selectors._videos_by_id), not
    the ORM: every field, the channel and the transcript must be what the ORM would load."""
    with_all = add_video("loadall0001", title="Loaded", tags=("a", "b"), said=[(1.0, "loaded")])
    Video.objects.filter(pk=with_all).update(thumbnails={"medium": {"url": "https://x/m.jpg"}})
    bare = add_video("loadbare001", title="Loaded too")
    Video.objects.filter(pk=bare).update(channel=None)
    with django_assert_num_queries(1):
        loaded = _videos_by_id([with_all, bare])
        assert loaded[with_all].channel.title == "Plain Channel"
        assert loaded[with_all].transcript.language == "en"
        assert loaded[bare].channel is None
        assert not hasattr(loaded[bare], "transcript")  # RelatedObjectDoesNotExist, no query
    orm = Video.objects.select_related("channel", "transcript").in_bulk([with_all, bare])
    for pk, video in loaded.items():
        for field in Video._meta.concrete_fields:
            if field.attname != "search_vector":
                assert getattr(video, field.attname) == getattr(orm[pk], field.attname), field
    assert loaded[with_all].thumbnail_url == "https://x/m.jpg"
    assert loaded[with_all].transcript.video is loaded[with_all]


def test_result_videos_are_the_instances_from_db_makes_without_init_signals():
    """selectors._from_row builds instances without Model.__init__: they must equal
    from_db's (attributes, deferred fields, state), and no pre_init/post_init receiver may
    listen to these models, since it would not run."""
    from django.db.models.signals import post_init, pre_init

    from videos import selectors

    pk = add_video("fromdb00001", title="Built", tags=("a",), said=[(1.0, "built")])
    loaded = selectors._videos_by_id([pk])[pk]
    parts = [
        (Video, selectors._VIDEO_NAMES, loaded),
        (Channel, selectors._CHANNEL_NAMES, loaded.channel),
        (Transcript, selectors._TRANSCRIPT_NAMES, loaded.transcript),
    ]
    for model, names, instance in parts:
        assert not pre_init.has_listeners(model) and not post_init.has_listeners(model)
        values = [instance.__dict__[name] for name in names]
        made = model.from_db("default", names, values)
        assert type(instance) is model
        assert (instance._state.adding, instance._state.db) == (False, "default")
        assert instance.get_deferred_fields() == made.get_deferred_fields()
        mine = {k: v for k, v in instance.__dict__.items() if k != "_state"}
        theirs = {k: v for k, v in made.__dict__.items() if k != "_state"}
        assert mine.keys() - {"_prefetched_objects_cache"} == theirs.keys()
        assert all(mine[k] == theirs[k] for k in theirs)
        assert instance == made and hash(instance) == hash(made)
    # A field not read loads when asked for, as a deferred field does.
    assert "search_vector" in loaded.get_deferred_fields()
    assert loaded.search_vector


@pytest.mark.parametrize("where", ["title", "transcript"])
@pytest.mark.parametrize("cap", [1, 2, 3, 4, 5, 6])
def test_a_capped_query_reads_the_tiers_peak_top_hot_warm_cool_then_cold(monkeypatch, cap, where):
    """The first `cap` matching videos (metadata) and chunks come from the most popular tiers:
    a query with more matches than the cap never reads a less popular tier than it needs."""
    monkeypatch.setattr(postgres, "MAX_CAP", cap)
    order = ("cold", "cool", "warm", "hot", "top", "peak")  # least popular first: ids say nothing
    for name in order:
        title, said = (f"{name} zebra", None) if where == "title" else (name, "a zebra crossing")
        pk = add_video(f"{name:0<11}", title=title, said=[(1.0, said)] if said else None)
        tier = getattr(SearchTier, name.upper())
        Video.objects.filter(pk=pk).update(search_tier=tier)
        TranscriptChunk.objects.filter(video_id=pk).update(search_tier=tier)
    page = video_search(q="zebra", use_cache=False)
    expected = [f"{name:0<11}" for name in reversed(order)][:cap]
    assert sorted(h.video.youtube_id for h in page.hits) == sorted(expected)


def _in_tier(pk: int, tier: SearchTier) -> None:
    Video.objects.filter(pk=pk).update(search_tier=tier)
    TranscriptChunk.objects.filter(video_id=pk).update(search_tier=tier)


@pytest.mark.parametrize("tier", [SearchTier.COLD, SearchTier.PEAK])
def test_a_capped_query_ranks_fewer_metadata_matches_but_a_title_found_by_its_chunks_first(
    monkeypatch, tier
):
    """Once the chunks reach the cap the ranking is approximate: only a quarter as many
    metadata matches are read (the most popular). A video found by its chunks is still scored
    on its metadata, so a title match beyond that cut ranks as a title match: in a tier the
    metadata matches never reached (COLD), and in the one where they were cut (PEAK, after the
    four descriptions), which is not read whole either."""
    monkeypatch.setattr(postgres, "MAX_CAP", 4)  # the cap is 4: one metadata match when capped
    for i in range(4):  # more metadata matches than the cap: the title's is never read
        _in_tier(add_video(f"describes{i:02d}", description="a zebra crossing"), SearchTier.PEAK)
    _in_tier(add_video("titled00001", title="Zebra", said=[(9.0, "zebra")]), tier)
    for i in range(3):
        _in_tier(add_video(f"saysit{i:05d}", said=[(1.0, "zebra zebra")]), tier)
    page = video_search(q="zebra", use_cache=False)
    assert not page.total_exact
    found = [h.video.youtube_id for h in page.hits]
    assert found[0] == "titled00001"  # tier 3 (title), though no metadata row was read for it
    # One of the four descriptions (none when the peak tier's one metadata row read is the
    # title's: rows are read in their physical order, which reused space can change).
    described = [f for f in found if f.startswith("describes")]
    assert len(described) == 1 if tier == SearchTier.COLD else len(described) <= 1
    assert sorted(found[1 + len(described) :]) == ["saysit00000", "saysit00001", "saysit00002"]


def test_a_video_found_by_its_chunks_in_a_tier_the_metadata_read_whole_keeps_its_title_score(
    monkeypatch,
):
    """Such a video is not looked up again (a common word's ~225 primary-key lookups): its
    metadata match is among the metadata rows already, with the same score as when every
    match is ranked exactly."""
    monkeypatch.setattr(postgres, "MAX_CAP", 8)  # two metadata matches when capped
    _in_tier(add_video("titled00001", title="Zebra", said=[(9.0, "a zebra")]), SearchTier.PEAK)
    for i in range(7):  # the chunks' cap is reached in the peak tier
        _in_tier(add_video(f"saysit{i:05d}", said=[(1.0, "zebra zebra")]), SearchTier.PEAK)
    for i in range(4):  # the peak tier's metadata read whole, then cut in the top tier
        _in_tier(add_video(f"describes{i:02d}", description="a zebra crossing"), SearchTier.TOP)
    capped = video_search(q="zebra", use_cache=False)
    monkeypatch.setattr(postgres, "MAX_CAP", 100)
    exact = video_search(q="zebra", use_cache=False)
    assert not capped.total_exact and exact.total_exact
    found = [h.video.youtube_id for h in capped.hits]
    assert found[0] == exact.hits[0].video.youtube_id == "titled00001"
    assert capped.hits[0].score == pytest.approx(exact.hits[0].score)
    assert found[1].startswith("describes") and len(found) == 9  # one description read


def test_below_the_chunks_cap_every_metadata_match_is_ranked(monkeypatch):
    monkeypatch.setattr(postgres, "MAX_CAP", 4)
    for i in range(3):
        _in_tier(add_video(f"describes{i:02d}", description="a zebra crossing"), SearchTier.PEAK)
    for i in range(3):
        _in_tier(add_video(f"saysit{i:05d}", said=[(1.0, "zebra")]), SearchTier.COLD)
    page = video_search(q="zebra", use_cache=False)
    assert page.total_exact and page.total == 6
    assert len(page.hits) == 6


def test_a_misspelt_words_corrections_matching_more_videos_than_the_cap_rank_a_quarter(
    monkeypatch,
):
    """The typo pass finds a few chunks (the word as typed) and many videos by the word's
    corrections: once those reach the cap, only the most popular quarter is ranked (as when
    the chunks reach it), and the total is a lower bound."""
    monkeypatch.setattr(postgres, "MAX_CAP", 4)  # the cap is 4: one metadata match when capped
    tiers = (SearchTier.COLD, SearchTier.COOL, SearchTier.WARM, SearchTier.HOT, SearchTier.PEAK)
    for n, tier in enumerate(tiers):
        _in_tier(add_video(f"neural{n:05d}", title="Neural networks"), tier)
    page = video_search(q="niural", use_cache=False)
    assert [h.video.youtube_id for h in page.hits] == ["neural00004"]  # the peak tier's
    assert not page.total_exact and page.total == 4  # "more than 4": as many as were counted
    monkeypatch.setattr(postgres, "MAX_CAP", 10)  # below the cap: every match, exactly
    page = video_search(q="niural", use_cache=False)
    assert len(page.hits) == 5 and page.total_exact


def test_word_pairs_are_adjacent_lexemes_and_stop_words_between_break_them():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT videos_word_pairs(to_tsvector('english', %s))::text,"
            " videos_phrase_pairs(%s)::text, videos_phrase_pairs(%s)::text",
            [
                "Cooking the pasta, cooking rice: a well-known trick",
                ["tomato sauces", "back to it", "fresh basil leaves"],
                ["back to it"],
            ],
        )
        pairs, phrase_pairs, no_pairs = cursor.fetchone()
    # cook:1 (the) pasta:3 cook:4 rice:5 (a) well-known:7 well:8 known:9 trick:10
    assert pairs == "'cook rice' 'known trick' 'pasta cook' 'well known' 'well-known well'"
    assert phrase_pairs == "'tomato sauc' & 'basil leav' & 'fresh basil'"  # tsvector order
    assert no_pairs is None


@pytest.mark.parametrize("tier", list(SearchTier))
def test_a_phrase_is_found_by_its_word_pairs_in_every_tier(tier):
    together = add_video("together001", said=[(30.0, "make a quick tomato sauce now")])
    apart = add_video("apart000001", said=[(30.0, "sauce first then a tomato later")])
    for pk in (together, apart):
        Video.objects.filter(pk=pk).update(search_tier=tier)
        TranscriptChunk.objects.filter(video_id=pk).update(search_tier=tier)
    assert ids('"tomato sauce"', use_cache=False) == ["together001"]
    assert ids('"quick tomato sauce"', use_cache=False) == ["together001"]
    assert ids('"tomato sauce" quick', use_cache=False) == ["together001"]
    assert ids('"sauce tomato"', use_cache=False) == []


def test_phrases_without_pairs_or_among_alternatives_are_matched_as_phrases():
    add_video("stopinside1", said=[(0.0, "then back to the kitchen we went")])
    add_video("backkitchen", said=[(0.0, "kitchen is back")])
    add_video("basilleaves", said=[(0.0, "fresh basil leaves")])
    add_video("wellknown01", said=[(0.0, "a well-known trick")])
    assert ids('"back to the kitchen"') == ["stopinside1"]  # no pair: 'back' <3> 'kitchen'
    assert ids('"basil leaves" or "kitchen sink"') == ["basilleaves"]
    assert ids('"well known trick"') == ["wellknown01"]
    assert ids('"kitchen is back" -"basil leaves"') == ["backkitchen"]


def test_only_phrases_every_match_needs_are_looked_up_by_their_pairs():
    add_video("basilleaves", said=[(0.0, "fresh basil leaves")])
    for q, by_pairs in (
        ('"basil leaves"', True),
        ('"fresh basil" leaves', True),
        ('"basil leaves" or fresh', False),
        ("basil leaves", False),
    ):
        ranking = ranking_statements(q, ["basilleaves"])
        assert ranking
        assert all(("pair_vector @@" in sql) is by_pairs for sql in ranking), q


def test_chunk_vectors_follow_the_text_through_every_write():
    pk = add_video("vectors0001", said=[(0.0, "fresh basil leaves")])
    chunk = TranscriptChunk.objects.get(video_id=pk)
    assert ids('"basil leaves"', use_cache=False) == ["vectors0001"]
    TranscriptChunk.objects.filter(pk=chunk.pk).update(text="ripe tomato sauce")
    assert ids('"basil leaves"', use_cache=False) == []
    assert ids('"tomato sauce"', use_cache=False) == ["vectors0001"]
    chunk.refresh_from_db()
    chunk.text = "green pesto"
    chunk.save()  # the ORM's own UPDATE, with the vectors it read (deferred) left out
    assert ids('"green pesto"', use_cache=False) == ["vectors0001"]
    TranscriptChunk.objects.filter(pk=chunk.pk).update(search_tier=SearchTier.PEAK)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector::text, pair_vector::text FROM videos_transcriptchunk"
            " WHERE id = %s",
            [chunk.pk],
        )
        assert cursor.fetchone() == ("'green':1 'pesto':2", "'green pesto'")


def expand(tsquery: str, max_lexemes: int = postgres.MAX_PREFIX_LEXEMES) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT videos_expand_prefixes(to_tsquery('english', %s), %s)::text",
            [tsquery, max_lexemes],
        )
        return cursor.fetchone()[0]


def test_a_typed_prefix_becomes_the_chunk_lexemes_it_stands_for_when_they_are_few():
    add_video("lexemes0001", said=[(0.0, "the finder finds it findable, if fine")])
    assert expand("house & find:*") == "'hous' & ( 'find' | 'findabl' | 'finder' )"
    assert expand("quick <-> find:*") == "'quick' <-> ( 'find' | 'findabl' | 'finder' )"
    assert expand("!find:* & fine") == "!( 'find' | 'findabl' | 'finder' ) & 'fine'"
    assert expand("find & find:*") == "'find' & ( 'find' | 'findabl' | 'finder' )"  # exact kept
    assert expand("fin:*", max_lexemes=3) == "'fin':*"  # find, findabl, finder, fine: too many
    assert expand("zzz:*") == "'zzz':*"  # nothing starts so: stays (an empty lookup anyway)
    assert expand("find:*A") == "'find':*A"  # weighted (metadata) prefixes are left alone
    assert expand("it:*") == ""  # a stop word leaves an empty query, which stays empty


def test_lexemes_with_quotes_or_backslashes_expand_into_a_valid_query():
    """Transcripts hold such lexemes (file names, handles): a prefix standing for them must
    still make a query PostgreSQL reads, and match them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO videos_chunklexeme (lexeme) VALUES (%s), (%s), (%s)",
            ["quux", "quux'quote", "quux\\slash"],
        )
    assert expand("talk & quu:*") == ("'talk' & ( 'quux' | 'quux''quote' | 'quux\\\\slash' )")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::tsvector @@ videos_expand_prefixes(to_tsquery('simple', 'quu:*'), 20)",
            ["'quux\\\\slash'"],
        )
        assert cursor.fetchone()[0] is True
    assert ids("talk quu", use_cache=False) == []  # answered, not an error


def test_prefix_matches_are_the_same_expanded_or_not():
    said = "fine findings from a finder who finds findable fins and finches"
    for i, words in enumerate((said, "finish the fine print", "nothing here at all")):
        add_video(f"prefixeq{i:03d}", said=[(0.0, words)])
    with connection.cursor() as cursor:
        for typed in ("fin:*", "find:*", "fine:*", "finc:*", "print & fin:*", "!fin:* & noth:*"):
            cursor.execute(
                "SELECT count(*) FILTER (WHERE search_vector @@ q),"
                " count(*) FILTER (WHERE search_vector @@ videos_expand_prefixes(q, 50))"
                " FROM videos_transcriptchunk, to_tsquery('english', %s) q",
                [typed],
            )
            plain, expanded = cursor.fetchone()
            assert plain == expanded, typed


def test_chunk_lexemes_follow_inserts_copy_and_text_edits():
    pk = add_video("lexwrites01", said=[(0.0, "a flamingo dances")])
    assert ids("dances flamin", use_cache=False) == ["lexwrites01"]  # ORM bulk insert
    chunk = TranscriptChunk.objects.get(video_id=pk)
    TranscriptChunk.objects.filter(pk=chunk.pk).update(text="a pelican glides")
    assert ids("glides pelic", use_cache=False) == ["lexwrites01"]  # UPDATE of text
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(
            "COPY videos_transcriptchunk (transcript_id, video_id, position, start, duration, text,"
            " search_tier) FROM STDIN"
        ) as copy,
    ):
        copy.write_row((chunk.transcript_id, pk, 1, 30.0, 30.0, "an ostrich sprints", 0))
    assert ids("sprints ostri", use_cache=False) == ["lexwrites01"]  # COPY
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_agg(lexeme ORDER BY lexeme) FROM videos_chunklexeme"
            " WHERE lexeme IN ('flamingo', 'pelican', 'ostrich', 'sprint')"
        )
        assert cursor.fetchone()[0] == ["flamingo", "ostrich", "pelican", "sprint"]


def test_only_chunk_queries_with_a_prefix_expand_it():
    add_video("expanduse01", title="Flamingo", said=[(0.0, "a flamingo dances")])
    for q, expanded in (("dances flamin", True), ("dances flamingo ", False)):
        ranking = ranking_statements(q, ["expanduse01"])
        assert ranking and all(("videos_expand_prefixes" in sql) is expanded for sql in ranking)
        # Found by the expanded query, ranked by the typed one: ts_rank_cd() slows with every
        # operand of its query.
        assert all(
            "@@ qc.x" in sql and "ts_rank_cd(c.search_vector, qc.q" in sql for sql in ranking
        )


def test_a_typed_prefix_is_highlighted_in_what_is_said():
    add_video("prefixmark1", said=[*filler(0, 8), (40.0, "the flux capacitor hums")])
    (moment,) = video_search(q="flux capac").hits[0].moments
    assert "<mark>flux</mark> <mark>capacitor</mark>" in moment.snippet_html
    assert moment.start == 40.0


def test_text_postgresql_parses_into_compound_words_is_highlighted_by_ts_headline():
    add_video("compound001", said=[(0.0, "a state-of-the-art flux, version 3.5")])
    (moment,) = video_search(q="flux").hits[0].moments
    assert "<mark>flux</mark>" in moment.snippet_html
    assert "state-of-the-art" in moment.snippet_html


def test_a_vector_that_does_not_fit_its_text_is_highlighted_by_ts_headline():
    add_video("misfit00001", said=[(0.0, "flux is here"), (3.0, "and there")])
    with connection.cursor() as cursor:
        # The vector says word 9; the text has five words (an update of the text alone
        # recomputes the vector, so this cannot happen but by hand).
        cursor.execute(
            "UPDATE videos_transcriptchunk SET search_vector = 'flux:9'::tsvector"
            " WHERE video_id = (SELECT id FROM videos_video WHERE youtube_id = 'misfit00001')"
        )
    (moment,) = video_search(q="flux", use_cache=False).hits[0].moments
    assert moment.snippet_html.startswith("<mark>flux</mark> is here")
    assert moment.start == 0.0


def test_a_long_chunk_shows_the_words_around_its_first_match():
    words = [f"word{chr(97 + i % 26)}{i}" for i in range(100)]
    words[60] = "gizmo"
    add_video("longchunk01", said=[(0.0, " ".join(words[:50])), (20.0, " ".join(words[50:]))])
    (moment,) = video_search(q="gizmo").hits[0].moments
    shown = moment.snippet_html.replace("<mark>", "").replace("</mark>", "").split()
    assert shown[:5] == [*words[56:60], "gizmo"]
    assert shown[-1] == words[85]  # 30 words in all
    assert moment.start == 20.0


def test_every_search_gin_index_keeps_a_short_pending_list():
    """New entries wait in a GIN index's pending list, which every search reads whole: each
    of the search indexes merges it at SEARCH_GIN_PENDING_KB (migration 0019), not at
    PostgreSQL's 4 MB."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, coalesce(c.reloptions, '{}') FROM pg_class c"
            " JOIN pg_am a ON a.oid = c.relam JOIN pg_index i ON i.indexrelid = c.oid"
            " JOIN pg_class t ON t.oid = i.indrelid"
            " WHERE a.amname = 'gin' AND t.relname LIKE 'videos\\_%%'"
        )
        found = dict(cursor.fetchall())
    assert {"chunk_search_cold_gin", "chunk_pairs_peak_gin", "video_search_hot_gin"} <= set(found)
    expected = f"gin_pending_list_limit={SEARCH_GIN_PENDING_KB}"
    assert {name: options for name, options in found.items() if expected not in options} == {}
