"""The Elasticsearch engine: query bodies from pure functions, bulk indexing, same results shape.

Scoring mirrors the PostgreSQL engine (postgres.py): a tier from where the words are (title 3 >
tags 2 > description 1 > across fields 0.5 > transcript only 0), named queries telling which
field matched, plus fractions from the normalised scores and a mild recency boost.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from elasticsearch.exceptions import HTTP_EXCEPTIONS, ApiError

from videos.search.highlights import marked_html, marked_metadata
from videos.search.moments import moment_start, window_of_marked
from videos.search.query import ParsedQuery, Term
from videos.search.types import Moment, RawHit, RawPage, ResolvedNames, SearchFilters, moment_url

if TYPE_CHECKING:
    from elastic_transport import ApiResponseMeta

CAP = 1000
START, STOP = "\x02", "\x03"
# Where each caption line of a chunk starts, in seconds and in characters of its text: the
# moment is the line that says the match (documents.ChunkDocument stores them, unindexed).
SEGMENT_FIELDS = ("segment_starts", "segment_offsets")
META_FIELDS = ("title^3", "tags^2", "description", "channel_title")
TIERS = {"title": 3.0, "tags": 2.0, "description": 1.0}
FUZZY_TITLE_TIER = 1.0
YEAR_SECONDS = 31_557_600.0


@dataclass(frozen=True)
class ResolvedFilters:
    """Filters with names already resolved to database ids (see filters.py)."""

    filters: SearchFilters
    channel_ids: tuple[int, ...] | None = None
    topic_ids: tuple[int, ...] | None = None
    playlist_ids: tuple[int, ...] | None = None


# --- pure query builders ---------------------------------------------------------------------


def term_query(term: Term, fields: Sequence[str]) -> dict[str, Any]:
    if term.is_phrase:
        kind = "phrase_prefix" if term.prefix else "phrase"
        return {"multi_match": {"query": term.text, "fields": list(fields), "type": kind}}
    if term.prefix:
        return {"multi_match": {"query": term.text, "fields": list(fields), "type": "bool_prefix"}}
    return {"multi_match": {"query": term.text, "fields": list(fields), "type": "best_fields"}}


def clause_query(clause: Sequence[Term], fields: Sequence[str]) -> dict[str, Any]:
    if len(clause) == 1:
        return term_query(clause[0], fields)
    return {"bool": {"should": [term_query(t, fields) for t in clause], "minimum_should_match": 1}}


def text_query(query: ParsedQuery, fields: Sequence[str]) -> list[dict[str, Any]]:
    """Every clause must match in one of `fields`."""
    return [clause_query(clause, fields) for clause in query.clauses]


def excluded_queries(query: ParsedQuery, fields: Sequence[str]) -> list[dict[str, Any]]:
    return [term_query(Term(t.words), fields) for t in query.excluded]


def _day(value, days: int = 0) -> str:
    return (datetime.combine(value, time.min, tzinfo=UTC) + timedelta(days=days)).isoformat()


def filter_clauses(resolved: ResolvedFilters) -> list[dict[str, Any]]:
    f = resolved.filters
    out: list[dict[str, Any]] = []
    for field, ids in (
        ("channel_id", resolved.channel_ids),
        ("topic_ids", resolved.topic_ids),
        ("playlist_ids", resolved.playlist_ids),
    ):
        if ids is not None:
            out.append({"terms": {field: list(ids)}})
    published: dict[str, str] = {}
    if f.after:
        published["gte"] = _day(f.after)
    if f.before:
        published["lt"] = _day(f.before, days=1)
    if published:
        out.append({"range": {"published_at": published}})
    duration: dict[str, int] = {}
    if f.min_seconds is not None:
        duration["gte"] = f.min_seconds
    if f.max_seconds is not None:
        duration["lt"] = f.max_seconds
    if duration:
        out.append({"range": {"duration_seconds": duration}})
    if f.language:
        out.append(
            {
                "bool": {
                    "should": [
                        {"term": {"language": f.language}},
                        {"prefix": {"language": f"{f.language}-"}},
                    ],
                    "minimum_should_match": 1,
                }
            }
        )
    if f.transcript:
        kinds = {"has": ["manual", "auto"]}.get(f.transcript, [f.transcript])
        out.append({"terms": {"transcript_kind": kinds}})
    if f.source:
        out.append({"term": {"source": f.source}})
    return out


def video_query_body(
    query: ParsedQuery, resolved: ResolvedFilters, *, size: int = CAP
) -> dict[str, Any]:
    """Videos whose metadata matches; named queries say in which single field it all matched."""
    named = [{"bool": {"must": text_query(query, [field]), "_name": field}} for field in TIERS]
    return {
        "size": size,
        "_source": ["published_at"],
        "track_total_hits": CAP,
        "query": {
            "bool": {
                "must": text_query(query, META_FIELDS),
                "should": named,
                "must_not": excluded_queries(query, META_FIELDS),
                "filter": filter_clauses(resolved),
            }
        },
    }


def fuzzy_query_body(text: str, resolved: ResolvedFilters, *, size: int = 200) -> dict[str, Any]:
    """Typo tolerance for titles and channel names."""
    return {
        "size": size,
        "_source": ["published_at"],
        "query": {
            "bool": {
                "should": [
                    {"match": {"title": {"query": text, "fuzziness": "AUTO", "_name": "title"}}},
                    {
                        "match": {
                            "channel_title": {
                                "query": text,
                                "fuzziness": "AUTO",
                                "operator": "and",
                                "_name": "channel",
                            }
                        }
                    },
                ],
                "minimum_should_match": 1,
                "filter": filter_clauses(resolved),
            }
        },
    }


def chunk_query_body(
    query: ParsedQuery, resolved: ResolvedFilters, *, size: int = CAP
) -> dict[str, Any]:
    """The best chunk of each matching video (collapse on video_id), up to `size` videos."""
    return {
        "size": size,
        "_source": ["published_at"],
        "track_total_hits": CAP,
        "query": {
            "bool": {
                "must": text_query(query, ["text"]),
                "must_not": excluded_queries(query, ["text"]),
                "filter": filter_clauses(resolved),
            }
        },
        "collapse": {"field": "video_id"},
    }


def moments_query_body(
    query: ParsedQuery, video_ids: Sequence[int], *, per_video: int
) -> dict[str, Any]:
    """The best `per_video` moments of each of these videos, highlighted."""
    return {
        "size": len(video_ids),
        "_source": False,
        "query": {
            "bool": {
                "must": text_query(query, ["text"]),
                "must_not": excluded_queries(query, ["text"]),
                "filter": [{"terms": {"video_id": list(video_ids)}}],
            }
        },
        "collapse": {
            "field": "video_id",
            "inner_hits": {
                "name": "moments",
                "size": per_video,
                "_source": ["start", "youtube_id", "video_id", *SEGMENT_FIELDS],
                "highlight": {
                    "fields": {
                        "text": {
                            "pre_tags": [START],
                            "post_tags": [STOP],
                            "number_of_fragments": 0,
                        }
                    }
                },
            },
        },
    }


def moments_from_answer(answer: dict[str, Any]) -> dict[int, list[Moment]]:
    """Moments from the answer to moments_query_body(): each chunk's highlighted text cut to
    the window the PostgreSQL engine shows, starting at the caption line that says the
    match (the chunk's segment_starts and segment_offsets), not at the chunk's start."""
    found: dict[int, list[Moment]] = {}
    for group in answer["hits"]["hits"]:
        for inner in group["inner_hits"]["moments"]["hits"]["hits"]:
            source = inner["_source"]
            fragment = (inner.get("highlight", {}).get("text") or [""])[0]
            snippet, offset = window_of_marked(fragment, START, STOP)
            start = moment_start(
                source["start"],
                offset,
                source.get("segment_starts"),
                source.get("segment_offsets"),
            )
            found.setdefault(int(source["video_id"]), []).append(
                Moment(start, moment_url(source["youtube_id"], start), snippet_html(snippet))
            )
    return found


def metadata_marks_body(query: ParsedQuery, video_ids: Sequence[int]) -> dict[str, Any]:
    """These videos' titles, description excerpts and tags with the query's words marked; the
    named queries say whether the description, and the title, match the query by themselves
    (the PostgreSQL engine shows an excerpt only for the first, and the tags only when
    neither does)."""
    return {
        "size": len(video_ids),
        "_source": ["description"],
        "query": {
            "bool": {
                "filter": [{"ids": {"values": [str(vid) for vid in video_ids]}}],
                "should": [
                    {"bool": {"must": text_query(query, [field]), "_name": field}}
                    for field in ("description", "title")
                ],
            }
        },
        "highlight": {
            "pre_tags": [START],
            "post_tags": [STOP],
            "highlight_query": {
                "bool": {"should": text_query(query, ["title", "description", "tags"])}
            },
            "fields": {
                "title": {"number_of_fragments": 0},
                "description": {"fragment_size": 200, "number_of_fragments": 1},
                "tags": {"number_of_fragments": 0},  # each tag that says a word, whole
            },
        },
    }


def metadata_marks_from_answer(
    answer: dict[str, Any], excerpts: Iterable[int]
) -> dict[int, tuple[str, str, str]]:
    """(title_html, description_html, tags_html) by video id from the answer to
    metadata_marks_body(); for the videos in `excerpts` (those without a moment) a
    description excerpt when the description matches by itself, else their marked tags when
    the title does not match by itself either."""
    excerpts = set(excerpts)
    found: dict[int, tuple[str, str, str]] = {}
    for hit in answer["hits"]["hits"]:
        marks = hit.get("highlight", {})
        title = (marks.get("title") or [None])[0]
        excerpt, tags = None, ()
        matched = hit.get("matched_queries", [])
        video_id = int(hit["_id"])
        if video_id in excerpts and "description" in matched:
            excerpt = (marks.get("description") or [None])[0]
        elif video_id in excerpts and "title" not in matched:
            tags = marks.get("tags") or ()
        description = hit.get("_source", {}).get("description")
        found[video_id] = marked_metadata(title, description, excerpt, START, STOP, tags=tags)
    return found


def filtered_body(resolved: ResolvedFilters, query: ParsedQuery, *, offset: int, limit: int):
    """Only filters: matching videos, newest first."""
    return {
        "from": offset,
        "size": limit,
        "_source": ["published_at"],
        "track_total_hits": True,
        "sort": [{"published_at": {"order": "desc", "missing": "_last"}}],
        "query": {
            "bool": {
                "filter": filter_clauses(resolved),
                "must_not": excluded_queries(query, META_FIELDS),
            }
        },
    }


def msearch_searches(requests: Iterable[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The `searches` of one _msearch request for these (index, body) pairs: a header naming
    the index, then the body, for each; answered in this order."""
    searches: list[dict[str, Any]] = []
    for index, body in requests:
        searches += [{"index": index}, body]
    return searches


def msearch_answers(answer: Mapping[str, Any], meta: ApiResponseMeta) -> list[dict[str, Any]]:
    """Each search's answer from an _msearch answer, in the order asked. A search that failed
    raises what it would have raised as a request of its own (the client's ApiError for its
    status, e.g. NotFoundError for a missing index), so a failure never reads as no hits."""
    answers = []
    for item in answer["responses"]:
        if "error" in item:
            status = item.get("status", 500)
            error = item["error"]
            message = error["type"] if isinstance(error, dict) and "type" in error else error
            raise HTTP_EXCEPTIONS.get(status, ApiError)(
                message=str(message), meta=replace(meta, status=status), body=item
            )
        answers.append(item)
    return answers


def normalised(score: float) -> float:
    """score / (score + 1), in [0, 1), like PostgreSQL's rank normalisation 32."""
    return score / (score + 1.0) if score > 0 else 0.0


def recency(published: datetime | None, now: datetime) -> float:
    if published is None:
        return 0.0
    age = max((now - published).total_seconds(), 0.0)
    return 0.1 * math.exp(-age / YEAR_SECONDS)


def combine(
    meta: Iterable[tuple[int, float, float]],
    chunks: Iterable[tuple[int, float]],
    fuzzy: Iterable[tuple[int, float]],
    published: dict[int, datetime | None],
    now: datetime,
) -> list[tuple[int, float]]:
    """(video id, score) best first, from (id, tier, score) of metadata, (id, score) of best
    chunks and (id, tier) of fuzzy matches: the same formula as the PostgreSQL engine."""
    tier: dict[int, float] = {}
    meta_score: dict[int, float] = {}
    chunk_score: dict[int, float] = {}
    for vid, t, s in meta:
        tier[vid] = max(tier.get(vid, 0.0), t)
        meta_score[vid] = max(meta_score.get(vid, 0.0), normalised(s))
    for vid, s in chunks:
        tier.setdefault(vid, 0.0)
        chunk_score[vid] = max(chunk_score.get(vid, 0.0), normalised(s))
    for vid, t in fuzzy:
        tier[vid] = max(tier.get(vid, 0.0), t)
    scored = [
        (
            vid,
            t
            + 0.45 * meta_score.get(vid, 0.0)
            + 0.45 * chunk_score.get(vid, 0.0)
            + recency(published.get(vid), now),
        )
        for vid, t in tier.items()
    ]
    scored.sort(key=lambda item: (-item[1], -_ts(published.get(item[0])), -item[0]))
    return scored


def _ts(value: datetime | None) -> float:
    return value.timestamp() if value else float("-inf")


def meta_tier(matched: Sequence[str]) -> float:
    return max((TIERS[name] for name in matched if name in TIERS), default=0.5)


def snippet_html(fragment: str) -> str:
    return marked_html(fragment, START, STOP)


def parse_date(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# --- the engine --------------------------------------------------------------------------------


class ElasticsearchBackend:
    name = "elasticsearch"

    def _client(self):
        from elasticsearch.dsl.connections import connections

        return connections.get_connection()

    def _resolve(
        self, filters: SearchFilters, names: ResolvedNames | None
    ) -> ResolvedFilters | None:
        """The filters with the name filters' ids; None when a name matches nothing."""
        from videos.search.filters import resolve_names

        names = names or resolve_names(filters)
        found: dict[str, tuple[int, ...]] = {}
        for key, ids in (
            ("channel", names.channel_ids),
            ("topic", names.topic_ids),
            ("playlist", names.playlist_ids),
        ):
            if getattr(filters, key):
                if not ids:
                    return None
                found[f"{key}_ids"] = ids
        return ResolvedFilters(filters=filters, **found)

    def search(
        self, query: ParsedQuery, *, sort: str, offset: int, limit: int, with_moments: int
    ) -> RawPage:
        from videos.search.documents import CHUNK_INDEX, VIDEO_INDEX

        resolved = self._resolve(query.filters, query.names)
        if resolved is None:
            return RawPage(hits=(), total=0, total_exact=True, has_next=False)
        es = self._client()
        if not query.has_terms:
            body = filtered_body(resolved, query, offset=offset, limit=limit)
            answer = es.search(index=VIDEO_INDEX, body=body)
            hits = answer["hits"]["hits"]
            total = answer["hits"]["total"]["value"]
            rows = tuple(RawHit(int(h["_id"]), 0.0) for h in hits)
            return RawPage(rows, total, True, offset + limit < total)
        published: dict[int, datetime | None] = {}
        # The metadata and chunk queries do not depend on each other: one round trip.
        meta_hits, chunk_hits = self._msearch(
            es,
            [
                (VIDEO_INDEX, video_query_body(query, resolved)),
                (CHUNK_INDEX, chunk_query_body(query, resolved)),
            ],
        )
        meta = []
        for h in meta_hits["hits"]["hits"]:
            vid = int(h["_id"])
            published[vid] = parse_date(h["_source"].get("published_at"))
            meta.append((vid, meta_tier(h.get("matched_queries", [])), h["_score"]))
        chunks = []
        for h in chunk_hits["hits"]["hits"]:
            vid = int(h["fields"]["video_id"][0])
            published.setdefault(vid, parse_date(h["_source"].get("published_at")))
            chunks.append((vid, h["_score"]))
        fuzzy = []
        # Only when the metadata found few: a round trip of its own, after that answer.
        if len(meta) < 20 and len(query.plain_text()) >= 4:
            body = fuzzy_query_body(query.plain_text(), resolved)
            for h in es.search(index=VIDEO_INDEX, body=body)["hits"]["hits"]:
                vid = int(h["_id"])
                published.setdefault(vid, parse_date(h["_source"].get("published_at")))
                fuzzy.append((vid, FUZZY_TITLE_TIER + normalised(h["_score"])))
        ranked = combine(meta, chunks, fuzzy, published, datetime.now(UTC))
        if sort == "date":
            ranked.sort(key=lambda item: (-_ts(published.get(item[0])), -item[0]))
        page = ranked[offset : offset + limit]
        ids = [vid for vid, _ in page]
        moments, marked = self._page_marks(es, ids, query, with_moments)
        hits = tuple(
            RawHit(vid, score, tuple(moments.get(vid, ())), *marked.get(vid, ("",) * 3))
            for vid, score in page
        )
        exact = len(meta) < CAP and len(chunks) < CAP
        return RawPage(hits, len(ranked), exact, offset + limit < len(ranked))

    def _msearch(self, es, requests: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
        reply = es.msearch(searches=msearch_searches(requests))
        return msearch_answers(reply.body, reply.meta)

    def _page_marks(
        self, es, video_ids: list[int], query: ParsedQuery, per_video: int
    ) -> tuple[dict[int, list[Moment]], dict[int, tuple[str, str, str]]]:
        """The page's moments and marked metadata, in one round trip: the marks query does not
        depend on the moments (they only decide which videos get an excerpt, when parsed)."""
        from videos.search.documents import CHUNK_INDEX, VIDEO_INDEX

        if not video_ids:
            return {}, {}
        requests = []
        if per_video > 0:
            requests.append(
                (CHUNK_INDEX, moments_query_body(query, video_ids, per_video=per_video))
            )
        requests.append((VIDEO_INDEX, metadata_marks_body(query, video_ids)))
        *moments_hits, marks_hits = self._msearch(es, requests)
        moments = moments_from_answer(moments_hits[0]) if moments_hits else {}
        excerpts = {vid for vid in video_ids if not moments.get(vid)}
        return moments, metadata_marks_from_answer(marks_hits, excerpts)

    def _moments(
        self, video_ids: list[int], query: ParsedQuery, per_video: int
    ) -> dict[int, list[Moment]]:
        from videos.search.documents import CHUNK_INDEX

        if not video_ids or per_video <= 0:
            return {}
        body = moments_query_body(query, video_ids, per_video=per_video)
        return moments_from_answer(self._client().search(index=CHUNK_INDEX, body=body))

    def moments(self, query: ParsedQuery, *, video_id: int, limit: int) -> list[Moment]:
        if not query.has_terms:
            return []
        found = self._moments([video_id], query, limit)
        return sorted(found.get(video_id, []), key=lambda m: m.start)

    def index_videos(self, video_ids: Sequence[int]) -> None:
        from elasticsearch.helpers import bulk

        from videos.search.indexing import document_actions

        self.remove_chunks(video_ids)
        bulk(self._client(), document_actions(video_ids), refresh="wait_for")

    def remove_chunks(self, video_ids: Sequence[int]) -> None:
        from videos.search.documents import CHUNK_INDEX

        self._client().delete_by_query(
            index=CHUNK_INDEX,
            body={"query": {"terms": {"video_id": list(video_ids)}}},
            conflicts="proceed",
            refresh=True,
        )

    def remove_videos(self, video_ids: Sequence[int]) -> None:
        from videos.search.documents import VIDEO_INDEX

        self.remove_chunks(video_ids)
        self._client().delete_by_query(
            index=VIDEO_INDEX,
            body={"query": {"ids": {"values": [str(v) for v in video_ids]}}},
            conflicts="proceed",
            refresh=True,
        )
