"""The Elasticsearch engine: query builders and documents always; live tests with a server.

No Elasticsearch can run on this machine: the live tests run when ELASTICSEARCH_URL is set
(docker compose up elasticsearch) and are skipped, saying so, otherwise.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

import pytest
from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig
from elasticsearch import ApiError, BadRequestError, NotFoundError
from elasticsearch.serializer import NdjsonSerializer

from indexing.models import Topic
from videos.search.documents import CHUNK_INDEX, VIDEO_INDEX, ChunkDocument, VideoDocument
from videos.search.elastic import (
    ResolvedFilters,
    chunk_query_body,
    combine,
    filter_clauses,
    fuzzy_query_body,
    meta_tier,
    metadata_marks_body,
    metadata_marks_from_answer,
    moments_from_answer,
    moments_query_body,
    msearch_answers,
    msearch_searches,
    snippet_html,
    text_query,
    video_query_body,
)
from videos.search.query import parse_query
from videos.search.types import SearchFilters
from videos.tests.search_helpers import add_video, es_search_answer


def resolved(**filters) -> ResolvedFilters:
    return ResolvedFilters(filters=SearchFilters(**filters))


def test_words_phrases_prefix_and_or_become_multi_match_clauses():
    clauses = text_query(parse_query('"sour dough" bread or loaf yea'), ["text"])
    assert clauses == [
        {"multi_match": {"query": "sour dough", "fields": ["text"], "type": "phrase"}},
        {
            "bool": {
                "should": [
                    {"multi_match": {"query": "bread", "fields": ["text"], "type": "best_fields"}},
                    {"multi_match": {"query": "loaf", "fields": ["text"], "type": "best_fields"}},
                ],
                "minimum_should_match": 1,
            }
        },
        {"multi_match": {"query": "yea", "fields": ["text"], "type": "bool_prefix"}},
    ]


def test_excluded_terms_go_to_must_not_and_are_never_prefixes():
    body = chunk_query_body(parse_query("pasta -garlic"), resolved())
    assert body["query"]["bool"]["must_not"] == [
        {"multi_match": {"query": "garlic", "fields": ["text"], "type": "best_fields"}}
    ]


def test_video_query_weights_fields_and_names_each_for_the_tier():
    body = video_query_body(parse_query("chess "), resolved(), size=50)
    query = body["query"]["bool"]
    assert body["size"] == 50
    assert query["must"][0]["multi_match"]["fields"] == [
        "title^3",
        "tags^2",
        "description",
        "channel_title",
    ]
    assert [s["bool"]["_name"] for s in query["should"]] == ["title", "tags", "description"]


def test_every_filter_becomes_a_filter_clause():
    f = ResolvedFilters(
        filters=SearchFilters(
            after=date(2024, 1, 1),
            before=date(2024, 1, 31),
            min_seconds=240,
            max_seconds=1200,
            language="en",
            transcript="has",
            source="topic",
        ),
        channel_ids=(1, 2),
        topic_ids=(3,),
        playlist_ids=(4,),
    )
    assert filter_clauses(f) == [
        {"terms": {"channel_id": [1, 2]}},
        {"terms": {"topic_ids": [3]}},
        {"terms": {"playlist_ids": [4]}},
        {
            "range": {
                "published_at": {
                    "gte": "2024-01-01T00:00:00+00:00",
                    "lt": "2024-02-01T00:00:00+00:00",
                }
            }
        },
        {"range": {"duration_seconds": {"gte": 240, "lt": 1200}}},
        {
            "bool": {
                "should": [{"term": {"language": "en"}}, {"prefix": {"language": "en-"}}],
                "minimum_should_match": 1,
            }
        },
        {"terms": {"transcript_kind": ["manual", "auto"]}},
        {"term": {"source": "topic"}},
    ]
    assert filter_clauses(resolved(transcript="none")) == [{"terms": {"transcript_kind": ["none"]}}]


def test_chunks_collapse_to_one_per_video_and_moments_are_highlighted_per_video():
    body = chunk_query_body(parse_query("flux"), resolved())
    assert body["collapse"] == {"field": "video_id"}
    moments = moments_query_body(parse_query("flux"), [7, 9], per_video=3)
    assert moments["query"]["bool"]["filter"] == [{"terms": {"video_id": [7, 9]}}]
    inner = moments["collapse"]["inner_hits"]
    assert inner["size"] == 3 and "text" in inner["highlight"]["fields"]


def test_typos_use_fuzzy_matches_on_titles_and_channel_names():
    body = fuzzy_query_body("veritasiun", resolved())
    should = body["query"]["bool"]["should"]
    assert should[0]["match"]["title"]["fuzziness"] == "AUTO"
    assert should[1]["match"]["channel_title"]["query"] == "veritasiun"


def test_scores_combine_like_the_postgres_engine():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    published = {1: datetime(2020, 1, 1, tzinfo=UTC), 2: now, 3: now}
    ranked = combine(
        meta=[(1, meta_tier(["title"]), 2.0)],
        chunks=[(2, 50.0), (1, 1.0)],
        fuzzy=[(3, 1.5)],
        published=published,
        now=now,
    )
    assert [vid for vid, _ in ranked] == [1, 3, 2]
    assert meta_tier([]) == 0.5 and meta_tier(["tags", "description"]) == 2.0


def test_a_moment_is_the_line_that_says_the_match_cut_to_the_postgres_window():
    moments = moments_query_body(parse_query("flux"), [7], per_video=3)
    assert {"segment_starts", "segment_offsets"} <= set(
        moments["collapse"]["inner_hits"]["_source"]
    )
    text = "the weather today. then the flux capacitor hums. more weather"
    answer = {  # the shape of a collapsed search's inner hits (Elasticsearch's docs)
        "hits": {
            "hits": [
                {
                    "_source": {"video_id": 7},
                    "inner_hits": {
                        "moments": {
                            "hits": {
                                "hits": [
                                    {
                                        "_source": {
                                            "video_id": 7,
                                            "youtube_id": "esvideo0001",
                                            "start": 30.0,
                                            "segment_starts": [30.0, 34.5, 39.0],
                                            "segment_offsets": [0, 19, 49],
                                        },
                                        "highlight": {
                                            "text": [text.replace("flux", "\x02flux\x03")]
                                        },
                                    }
                                ]
                            }
                        }
                    },
                }
            ]
        }
    }
    (moment,) = moments_from_answer(answer)[7]
    assert moment.start == 34.5 and moment.url.endswith("v=esvideo0001&t=34s")
    assert moment.snippet_html == (
        "weather today. then the <mark>flux</mark> capacitor hums. more weather"
    )


def test_titles_and_description_excerpts_are_marked_for_the_page_videos():
    body = metadata_marks_body(parse_query("sourdough -rye"), [7, 9])
    assert body["size"] == 2
    assert body["query"]["bool"]["filter"] == [{"ids": {"values": ["7", "9"]}}]
    # Whether the description, and the title, match the query by themselves: named, as the
    # PostgreSQL engine shows an excerpt only for the first, and tags only when neither does.
    described, titled = body["query"]["bool"]["should"]
    assert described["bool"]["_name"] == "description"
    assert described["bool"]["must"] == text_query(parse_query("sourdough"), ["description"])
    assert titled["bool"]["_name"] == "title"
    assert titled["bool"]["must"] == text_query(parse_query("sourdough"), ["title"])
    marks = body["highlight"]
    assert marks["pre_tags"] == ["\x02"] and marks["post_tags"] == ["\x03"]
    assert marks["highlight_query"]["bool"]["should"] == text_query(
        parse_query("sourdough"), ["title", "description", "tags"]
    )
    assert marks["fields"]["title"] == {"number_of_fragments": 0}
    assert marks["fields"]["description"]["number_of_fragments"] == 1
    assert marks["fields"]["tags"] == {"number_of_fragments": 0}
    # The answer's shape (a search with highlight and named queries).
    answer = {
        "hits": {
            "hits": [
                {
                    "_id": "7",
                    "_source": {"description": "We bake a sourdough loaf at home, all day."},
                    "matched_queries": ["description"],
                    "highlight": {
                        "title": ["\x02Sourdough\x03 & rye"],
                        "description": ["We bake a \x02sourdough\x03 loaf"],
                    },
                },
                {
                    "_id": "9",
                    "_source": {"description": "Says sourdough once."},
                    "highlight": {
                        "description": ["Says \x02sourdough\x03 once."],
                        "tags": ["\x02sourdough\x03 starter"],
                    },
                },
                {"_id": "11", "_source": {"description": ""}},
            ]
        }
    }
    assert metadata_marks_from_answer(answer, {7, 9, 11}) == {
        7: ("<mark>Sourdough</mark> &amp; rye", "We bake a <mark>sourdough</mark> loaf…", ""),
        # Its description did not match the query by itself, nor its title: its tags say why.
        9: ("", "", "<mark>sourdough</mark> starter"),
        11: ("", "", ""),
    }
    # A video with moments shows them, not an excerpt, nor tags.
    assert metadata_marks_from_answer(answer, {11})[7] == (
        "<mark>Sourdough</mark> &amp; rye",
        "",
        "",
    )
    assert metadata_marks_from_answer(answer, {11})[9] == ("", "", "")


def test_independent_searches_go_as_one_msearch_of_header_and_body_pairs():
    query, f = parse_query("flux capacitor"), resolved(language="en")
    searches = msearch_searches(
        [(VIDEO_INDEX, video_query_body(query, f)), (CHUNK_INDEX, chunk_query_body(query, f))]
    )
    assert searches == [
        {"index": VIDEO_INDEX},
        video_query_body(query, f),
        {"index": CHUNK_INDEX},
        chunk_query_body(query, f),
    ]
    # As the client sends them (msearch(searches=...)): one NDJSON line each, in this order.
    lines = NdjsonSerializer().dumps(searches).decode().splitlines()
    assert len(lines) == 4
    assert lines[::2] == ['{"index":"tubeindex-videos"}', '{"index":"tubeindex-chunks"}']
    assert msearch_searches([]) == []


def _meta(status: int = 200) -> ApiResponseMeta:
    node = NodeConfig("http", "127.0.0.1", 9200)
    return ApiResponseMeta(status, "1.1", HttpHeaders(), 0.01, node)


def test_an_msearch_answer_splits_into_each_searchs_answer_in_the_order_asked():
    video = {"_index": VIDEO_INDEX, "_id": "7", "_score": 2.0, "_source": {}}
    chunk = {"_index": CHUNK_INDEX, "_id": "c", "_score": 1.0, "fields": {"video_id": [9]}}
    answer = {"took": 3, "responses": [es_search_answer([video]), es_search_answer([chunk])]}
    videos, chunks = msearch_answers(answer, _meta())
    assert videos["hits"]["hits"] == [video] and chunks["hits"]["hits"] == [chunk]


def test_a_failed_search_in_an_msearch_raises_what_a_search_of_its_own_raises():
    missing = {  # Elasticsearch's answer item for a missing index
        "error": {
            "root_cause": [
                {
                    "type": "index_not_found_exception",
                    "reason": "no such index [tubeindex-chunks]",
                    "resource.type": "index_or_alias",
                    "resource.id": "tubeindex-chunks",
                    "index": "tubeindex-chunks",
                }
            ],
            "type": "index_not_found_exception",
            "reason": "no such index [tubeindex-chunks]",
            "resource.type": "index_or_alias",
            "resource.id": "tubeindex-chunks",
            "index": "tubeindex-chunks",
        },
        "status": 404,
    }
    answer = {"took": 1, "responses": [es_search_answer([]), missing]}
    with pytest.raises(NotFoundError) as raised:
        msearch_answers(answer, _meta())
    assert raised.value.status_code == 404 and raised.value.body == missing
    assert raised.value.message == "index_not_found_exception"
    assert "no such index [tubeindex-chunks]" in str(raised.value)
    bad = {"error": {"root_cause": [], "type": "search_phase_execution_exception"}, "status": 400}
    with pytest.raises(BadRequestError):
        msearch_answers({"responses": [bad, es_search_answer([])]}, _meta())
    broken = {"error": "circuit_breaking_exception", "status": 429}
    with pytest.raises(ApiError) as raised:
        msearch_answers({"responses": [broken]}, _meta())
    assert type(raised.value) is ApiError and raised.value.status_code == 429
    assert raised.value.message == "circuit_breaking_exception"


def test_snippets_are_escaped_before_highlighting():
    assert snippet_html("<b>\x02flux\x03</b>") == "&lt;b&gt;<mark>flux</mark>&lt;/b&gt;"


def test_documents_map_text_with_the_english_analyzer_and_filters_as_keywords():
    video = VideoDocument._doc_type.mapping.to_dict()["properties"]
    chunk = ChunkDocument._doc_type.mapping.to_dict()["properties"]
    assert VideoDocument._index._name == VIDEO_INDEX and ChunkDocument._index._name == CHUNK_INDEX
    assert video["title"]["analyzer"] == "english" and video["tags"]["type"] == "text"
    assert chunk["text"]["analyzer"] == "english" and chunk["start"]["type"] == "float"
    assert chunk["segment_starts"] == {"type": "float", "index": False}
    assert chunk["segment_offsets"] == {"type": "integer", "index": False}
    for props in (video, chunk):
        assert props["published_at"]["type"] == "date"
        assert props["transcript_kind"]["type"] == "keyword"
        assert props["topic_ids"]["type"] == "long"


@pytest.mark.django_db
def test_bulk_actions_carry_each_videos_filter_fields_onto_its_chunks():
    from videos.search.indexing import document_actions

    pk = add_video(
        "esvideo0001",
        title="Flux repair",
        channel="Doc Lab",
        tags=("flux",),
        said=[(0.0, "hello"), (40.0, "flux capacitor")],
        generated=True,
    )
    topic = Topic.objects.create(name="Time", query="time")
    topic.videos.add(pk)
    actions = list(document_actions([pk]))
    video, *chunks = actions
    assert video["_index"] == VIDEO_INDEX and video["_id"] == str(pk)
    assert video["title"] == "Flux repair" and video["channel_title"] == "Doc Lab"
    assert video["transcript_kind"] == "auto" and video["topic_ids"] == [topic.pk]
    assert [c["start"] for c in chunks] == [0.0, 40.0]
    assert [c["segment_starts"] for c in chunks] == [[0.0], [40.0]]
    assert [c["segment_offsets"] for c in chunks] == [[0], [0]]
    assert all(c["_index"] == CHUNK_INDEX and c["youtube_id"] == "esvideo0001" for c in chunks)
    assert all(c["topic_ids"] == [topic.pk] and c["language"] == "en" for c in chunks)


# --- live: only with a server ------------------------------------------------------------------

live = pytest.mark.skipif(
    not os.environ.get("ELASTICSEARCH_URL"),
    reason="needs an Elasticsearch server: set ELASTICSEARCH_URL (docker compose up elasticsearch)",
)
# The fixture `es_backend` (the engine on empty indexes) is in the project's conftest.py.


@live
@pytest.mark.django_db
def test_live_ranking_phrases_and_moments(es_backend, redis_client):
    from videos.search import index_videos
    from videos.selectors import video_search

    a = add_video("esrank00001", said=[(61.5, "the flux capacitor needs power")])
    b = add_video("esrank00002", title="Flux capacitor explained")
    index_videos([a, b])
    page = video_search(q="flux capacitor", use_cache=False)
    assert [h.video.youtube_id for h in page.hits] == ["esrank00002", "esrank00001"]
    assert page.hits[1].moments[0].url.endswith("&t=61s")
    assert "<mark>" in page.hits[1].moments[0].snippet_html
    assert [h.video.youtube_id for h in video_search(q='"capacitor flux"').hits] == []
    # The moment is the caption line that says it, not the start of its ~30 s chunk.
    c = add_video("esline00001", said=[(30.0, "mild weather today"), (36.5, "a gizmo hums")])
    index_videos([c])
    (hit,) = video_search(q="gizmo", use_cache=False).hits
    assert hit.moments[0].start == 36.5 and "<mark>gizmo</mark>" in hit.moments[0].snippet_html
    # Titles and descriptions that say the words are marked too.
    d = add_video("esmark00001", title="Camp life", description="We bake sourdough at camp.")
    index_videos([d])
    (hit,) = video_search(q="sourdough", use_cache=False).hits
    assert hit.title_html == "" and "<mark>sourdough</mark>" in hit.description_html
    (hit,) = video_search(q="camp life", use_cache=False).hits
    assert hit.title_html == "<mark>Camp</mark> <mark>life</mark>"


@live
@pytest.mark.django_db
def test_live_a_search_on_a_missing_index_fails_as_a_search_of_its_own_did(
    es_backend, redis_client
):
    from videos.selectors import video_search

    ChunkDocument._index.delete()  # es_backend creates it again for the next test
    with pytest.raises(NotFoundError, match="index_not_found_exception"):
        video_search(q="flux", use_cache=False)


@live
@pytest.mark.django_db
def test_live_filters_and_typos(es_backend, redis_client):
    from videos.search import index_videos
    from videos.selectors import video_search

    a = add_video("esfilter001", title="Sky", channel="Veritasium", duration=90)
    b = add_video("esfilter002", title="Sky", channel="Other", duration=3600)
    index_videos([a, b])
    assert [h.video.youtube_id for h in video_search(q="sky duration:short").hits] == [
        "esfilter001"
    ]
    assert [h.video.youtube_id for h in video_search(q="veritasiun").hits] == ["esfilter001"]
