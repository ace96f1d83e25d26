"""The Elasticsearch engine's round trips, against a stand-in server on this machine.

No Elasticsearch can run here: the stand-in records each request the real client sends and
answers with the next canned answer (the shapes of Elasticsearch's answers), so these tests see
how many requests a search costs, which searches travel together, and that each answer is read
as its own search's. What Elasticsearch finds is for the live tests (test_search_elastic.py).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from elasticsearch import Elasticsearch, NotFoundError
from elasticsearch.dsl.connections import connections

from videos.search.documents import CHUNK_INDEX, VIDEO_INDEX
from videos.search.elastic import (
    ElasticsearchBackend,
    ResolvedFilters,
    chunk_query_body,
    fuzzy_query_body,
    metadata_marks_body,
    moments_query_body,
    msearch_searches,
    video_query_body,
)
from videos.search.query import parse_query
from videos.tests.search_helpers import es_search_answer


class StandIn:
    def __init__(self) -> None:
        self.answers: list[dict] = []  # the next answers, in order
        self.requests: list[tuple[str, list[dict]]] = []  # (path, its JSON lines)


@pytest.fixture
def stand_in():
    """The default Elasticsearch connection pointed at a stand-in, for this test only."""
    state = StandIn()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            lines = [json.loads(line) for line in raw.splitlines() if line.strip()]
            state.requests.append((self.path.partition("?")[0], lines))
            body = json.dumps(state.answers.pop(0)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Elastic-Product", "Elasticsearch")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    connections.add_connection("default", Elasticsearch(url))
    yield state
    connections.remove_connection("default")
    connections.configure(**settings.ELASTICSEARCH_DSL)
    server.shutdown()
    server.server_close()


def video_hit(vid: int, score: float, **more) -> dict:
    source = {"published_at": "2024-06-01T00:00:00+00:00"}
    return {"_index": VIDEO_INDEX, "_id": str(vid), "_score": score, "_source": source, **more}


def chunk_hit(vid: int, score: float) -> dict:
    source = {"published_at": "2024-05-01T00:00:00+00:00"}
    hit = {"_index": CHUNK_INDEX, "_id": f"{vid}-0", "_score": score, "_source": source}
    return {**hit, "fields": {"video_id": [vid]}}  # collapse on video_id


def marks_hit(vid: int, said: str, **highlight: list[str]) -> dict:
    """A hit of metadata_marks_body() for a video whose description (`said`) matches the
    query by itself; `highlight`: its marked fields."""
    source = {"description": said}
    hit = {"_index": VIDEO_INDEX, "_id": str(vid), "_score": 0.0, "_source": source}
    return {**hit, "matched_queries": ["description"], "highlight": highlight}


def moment_group(vid: int, text: str) -> dict:
    source = {"video_id": vid, "youtube_id": f"esvideo{vid:04d}", "start": 12.0}
    inner = {"_index": CHUNK_INDEX, "_id": f"{vid}-0", "_source": source}
    moments = es_search_answer([{**inner, "highlight": {"text": [text]}}])
    return {**chunk_hit(vid, 1.0), "inner_hits": {"moments": moments}}


def search(query: str, *, with_moments: int = 3):
    return ElasticsearchBackend().search(
        parse_query(query), sort="relevance", offset=0, limit=20, with_moments=with_moments
    )


def test_a_search_is_two_round_trips_of_independent_searches(stand_in):
    stand_in.answers = [
        {
            "took": 2,
            "responses": [
                es_search_answer([video_hit(7, 2.0)]),
                es_search_answer([chunk_hit(9, 3.0)]),
            ],
        },
        {
            "took": 2,
            "responses": [
                es_search_answer([moment_group(9, "a \x02ufo\x03 landed")]),
                es_search_answer(
                    [
                        marks_hit(
                            7,
                            "Every ufo seen",
                            title=["\x02UFO\x03 files"],
                            description=["Every \x02ufo\x03 seen"],
                        ),
                        # Its description matches too, but it has a moment: no excerpt.
                        marks_hit(9, "The ufo talk", description=["The \x02ufo\x03 talk"]),
                    ]
                ),
            ],
        },
    ]
    page = search("ufo")
    query, resolved = parse_query("ufo"), ResolvedFilters(filters=parse_query("ufo").filters)
    assert stand_in.requests == [
        (
            "/_msearch",
            msearch_searches(
                [
                    (VIDEO_INDEX, video_query_body(query, resolved)),
                    (CHUNK_INDEX, chunk_query_body(query, resolved)),
                ]
            ),
        ),
        (
            "/_msearch",
            msearch_searches(
                [
                    (CHUNK_INDEX, moments_query_body(query, [7, 9], per_video=3)),
                    (VIDEO_INDEX, metadata_marks_body(query, [7, 9])),
                ]
            ),
        ),
    ]
    first, second = page.hits
    assert (first.video_id, first.moments) == (7, ())
    assert first.title_html == "<mark>UFO</mark> files"
    assert first.description_html == "Every <mark>ufo</mark> seen"
    assert second.video_id == 9 and second.description_html == ""
    assert [m.snippet_html for m in second.moments] == ["a <mark>ufo</mark> landed"]
    assert (page.total, page.total_exact, page.has_next) == (2, True, False)


def test_the_typo_pass_is_a_third_round_trip_and_no_moments_asks_only_for_the_marks(stand_in):
    stand_in.answers = [
        {"took": 1, "responses": [es_search_answer([]), es_search_answer([])]},
        es_search_answer([video_hit(5, 1.0, matched_queries=["title"])]),
        {"took": 1, "responses": [es_search_answer([marks_hit(5, "")])]},
    ]
    page = search("flxu", with_moments=0)
    query, resolved = parse_query("flxu"), ResolvedFilters(filters=parse_query("flxu").filters)
    paths = [path for path, _ in stand_in.requests]
    assert paths == ["/_msearch", f"/{VIDEO_INDEX}/_search", "/_msearch"]
    assert stand_in.requests[1][1] == [fuzzy_query_body("flxu", resolved)]
    marks = msearch_searches([(VIDEO_INDEX, metadata_marks_body(query, [5]))])
    assert stand_in.requests[2][1] == marks
    assert [h.video_id for h in page.hits] == [5]


def test_a_search_that_finds_nothing_is_one_round_trip(stand_in):
    stand_in.answers = [{"took": 1, "responses": [es_search_answer([]), es_search_answer([])]}]
    assert search("ufo").hits == ()
    assert len(stand_in.requests) == 1


def test_a_failed_search_in_the_pair_fails_the_search_as_it_did_on_its_own(stand_in):
    missing = {
        "error": {
            "root_cause": [{"type": "index_not_found_exception", "reason": "no such index"}],
            "type": "index_not_found_exception",
            "reason": f"no such index [{CHUNK_INDEX}]",
        },
        "status": 404,
    }
    stand_in.answers = [{"took": 1, "responses": [es_search_answer([video_hit(7, 2.0)]), missing]}]
    with pytest.raises(NotFoundError, match="index_not_found_exception"):
        search("ufo")
    assert len(stand_in.requests) == 1
