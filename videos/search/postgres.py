"""The PostgreSQL engine: weighted tsvectors, capped ranking, chunk tiers, pg_trgm.

Design from ../shared/SEARCH-NOTES.md:
- Scoring costs ~2 µs per matching chunk, so only the first CAP matching chunks (and CAP
  matching videos' metadata) are ranked; rows are read tier by tier (videos.models.TIER_ORDER:
  the most popular videos first, each tier in its own partial GIN indexes), so a common word
  stops in the small first tiers. A query with fewer than CAP matches is ranked exactly.
- Statements are prepared on the server (videos/search/prepared.py): planning cost more than
  a rare word's whole ranking.
- ts_headline runs on the returned moments only.

Score of a video: a tier from where the words are (title 3 > tags 2 > description 1 > only
across fields 0.5 > transcript only 0), plus fractions (< 1 together) from the metadata rank,
the best moment's rank and a mild recency boost, so a title match always outranks a video
that only says the words.
"""

# ruff: noqa: S608 -- interpolated SQL is table names and constants only; user input is
# always passed as query parameters.

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from videos.models import SEARCH_CONFIG, TIER_ORDER, SearchTier
from videos.search import highlights, trigram
from videos.search.filters import CHUNK_TABLE, VIDEO_TABLE, FilterSql, filter_sql
from videos.search.moments import (
    NOT_PLAIN_TEXT,
    QUOTED_LEXEME,
    chunk_marks,
    marked_text,
    marked_window,
    match_offset,
    moment_start,
    query_phrases,
)
from videos.search.prepared import prepared_cursor
from videos.search.query import (
    ParsedQuery,
    correctable_words,
    excluded_tsquery_text,
    has_prefix,
    prefix_with_other_words,
    required_phrases,
    to_tsquery_text,
    with_alternatives,
)
from videos.search.types import Moment, RawHit, RawPage, moment_url

CAP = 1000
MAX_CAP = 50_000
META_SHARE_WHEN_CAPPED = 4  # see meta_cap_when_capped()
MAX_PREFIX_LEXEMES = 20  # a prefix standing for more stays a prefix (_chunk_query_cte)
TYPO_PASS_BELOW = 20
MIN_FUZZY_LENGTH = 4
START, STOP = "\x02", "\x03"
# The query's lexemes (one row over CTE q, parameter TSQUERY_LEXEME), from its text form
# ('peopl' & 'know':*): `words` match whole, `prefixes` start lexemes, `letters` are their first
# letters, `query` is that text (for its phrases, moments.query_phrases).
TSQUERY_LEXEME = rf"{QUOTED_LEXEME}(:\*)?"
QUERY_LEXEMES = """SELECT
    coalesce(array_agg(m[1]) FILTER (WHERE m[2] IS NULL), '{}') AS words,
    coalesce(array_agg(m[1]) FILTER (WHERE m[2] IS NOT NULL), '{}') AS prefixes,
    coalesce(string_agg(DISTINCT left(m[1], 1), ''), '') AS letters,
    min(q.q::text) AS query
    FROM q, regexp_matches(q.q::text, %s, 'g') AS m"""
# A chunk's vector {v} cut to the lexemes of lx (QUERY_LEXEMES) it holds, as text
# ('peopl':12A,40A), NULL when none: chunks' vectors carry no weights, so those weighted A are
# the matches (unnest() of every lexeme's positions cost ~7 µs a chunk, this ~1).
MATCHED_LEXEMES = """nullif(ts_filter(setweight({v}, 'A', CASE WHEN lx.prefixes = '{{}}'
    THEN lx.words ELSE lx.words || ARRAY(SELECT l FROM unnest(tsvector_to_array({v})) l
    WHERE l ^@ ANY(lx.prefixes)) END), '{{a}}')::text, '')"""
HEADLINE_OPTIONS = f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, ShortWord=2"
# A result's title, whole, and its description's excerpt (videos.search.highlights).
TITLE_OPTIONS = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"
DESCRIPTION_OPTIONS = (
    f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=1"
)
# In float8 (date_part), not numeric (extract): numeric exp() cost ~2.5 µs a candidate, 2.5 ms
# of a common word's 1,000 candidates.
RECENCY = "0.1 * exp(-greatest(date_part('epoch', now() - coalesce(v.published_at, now())), 0)"
RECENCY += " / 31557600.0)"


# Where a video's metadata matches (title 3 > tags 2 > description 1 > only across fields 0.5)
# and how well; a chunk's rank. Over alias v (videos, query q) and c (chunks, query qc). The
# query's words weighted A, B and C (qw) match the title, tags and description alone: as
# ts_filter(v.search_vector, '{a}') @@ q did, without copying each vector three times.
META_TIER = (
    "CASE WHEN v.search_vector @@ qw.a THEN 3 WHEN v.search_vector @@ qw.b THEN 2"
    " WHEN v.search_vector @@ qw.c THEN 1 ELSE 0.5 END"
)
WEIGHTS = ("A", "B", "C")
META_RANK = "ts_rank('{0.1, 0.2, 0.4, 1.0}', v.search_vector, q.q, 32)"
CHUNK_RANK = "ts_rank_cd(c.search_vector, qc.q, 32)"

# The query, as a one-row CTE every part joins with; no row when only stop words are left
# (e.g. "these"), so no index or chunk is read at all for such a query. MATERIALIZED where it
# is read once (else PostgreSQL inlines it): plans then never depend on the words, which a
# prepared statement's generic plan cannot know (an inlined typo pass read videos by Seq Scan).
Q_CTE = (
    f"SELECT q FROM (SELECT to_tsquery('{SEARCH_CONFIG}', %s) AS q) AS parsed WHERE numnode(q) > 0"
)


def cap_for(offset: int, limit: int) -> int:
    """Deeper pages rank more matches, so paging never stops at a fixed number."""
    return min(max(CAP, (offset + limit) * 10), MAX_CAP)


def meta_cap_when_capped(cap: int) -> int:
    """How many metadata matches are ranked once the chunks have reached `cap`.

    Such a query (a common word, a short prefix) is ranked approximately anyway, from the most
    popular tiers. Ranking its first 1,000 metadata matches as well was half of its ranking
    time (1,000 video rows scored, grouped and sorted with the chunks' ~250 videos) for a page
    of 20; the pages that changed swapped near-ties (docs/BENCHMARKS.md, fifth pass). Below
    the chunks' cap every metadata match up to `cap` is ranked, so a query with fewer than
    `cap` matching chunks and videos is still ranked exactly.
    """
    return max(1, cap // META_SHARE_WHEN_CAPPED)


def snippet_html(headline: str) -> str:
    """Escape the transcript text, then turn our highlight markers into <mark>."""
    return highlights.marked_html(headline, START, STOP)


def _tier_by_tier(
    select: Callable[[SearchTier], str],
    params: Sequence[object],
    cap: int,
    limit: tuple[str, list[object]] | None = None,
) -> tuple[str, list[object]]:
    """`select(tier)`, a query over one tier's rows, once per tier in TIER_ORDER (each its own
    partial GIN index), each stopping at `cap` rows, then the first `cap` of them all (or
    `limit`, an SQL expression and its parameters): a common word stops in the small first
    tiers. `params` are one tier's."""
    parts = [f"({select(tier)} LIMIT %s)" for tier in TIER_ORDER]
    limit_sql, limit_params = limit or ("%s", [cap])
    sql = f"{' UNION ALL '.join(parts)} LIMIT {limit_sql}"
    return sql, [*params, cap] * len(parts) + limit_params


def _chunk_query_cte(query: ParsedQuery, source: str, filters: FilterSql) -> str:
    """CTE `qc`, the chunks' query (`query`, from `source`: one row, column q): q to rank with,
    x to find the chunks with. A typed prefix that must match along other words or the
    filters' lexemes is, in x, the lexemes it stands for, when they are few (migration 0013):
    GIN reads a prefix's whole posting lists into a bitmap before it ANDs them with the rest
    (19.7 ms for `simple` in a channel's cold-tier chunks), but skips through whole words
    along the rarest. Alone, a prefix gains nothing from it and the lookup costs ~0.2 ms.
    Ranking stays on q: ts_rank_cd() slows with every operand (~50 µs a chunk for a prefix
    of 20 lexemes against ~1 µs)."""
    x = "q"
    along_filters = filters.chunk_lexemes() is not None and has_prefix(query)
    if along_filters or prefix_with_other_words(query):
        x = f"videos_expand_prefixes(q, {MAX_PREFIX_LEXEMES:d})"
    # MATERIALIZED, as Q_CTE explains: an inlined typed query (the typo pass's) let the plan
    # depend on its words.
    return f"qc AS MATERIALIZED (SELECT q, {x} AS x FROM ({source}) AS typed)"


@dataclass(frozen=True, slots=True)
class _Matches:
    rows: list[tuple[int, float]]
    total: int
    exact: bool
    fixes: dict[str, list[str]]  # misspelt word -> close title/channel words (with typo_check)


class PostgresBackend:
    name = "postgres"

    def search(
        self, query: ParsedQuery, *, sort: str, offset: int, limit: int, with_moments: int
    ) -> RawPage:
        filters = filter_sql(query.filters, query.names)
        if filters.impossible:
            return RawPage(hits=(), total=0, total_exact=True, has_next=False)
        tsquery = to_tsquery_text(query)
        fixes: dict[str, list[str]] = {}
        if not tsquery:
            rows, total, exact = self._filtered(query, filters, offset, limit)
        else:
            by_date = sort == "date"
            query, rows, total, exact, fixes = self._ranked(query, filters, offset, limit, by_date)
            if by_date and not exact:
                rows = self._newest_matching(query, filters, offset, limit)
        moments: dict[int, list[Moment]] = {}
        marked: dict[int, tuple[str, str, str]] = {}
        if tsquery:
            ids = [r[0] for r in rows]
            moments, marked = self._moments_for(query, ids, with_moments, metadata=True)
        hits = tuple(
            RawHit(vid, float(score), tuple(moments.get(vid, ())), *marked.get(vid, ("",) * 3))
            for vid, score in rows
        )
        has_next = offset + limit < total or (not exact and len(rows) == limit)
        corrections = tuple((word, tuple(terms)) for word, terms in fixes.items())
        return RawPage(hits, total, exact, has_next, corrections)

    def moments(self, query: ParsedQuery, *, video_id: int, limit: int) -> list[Moment]:
        if not to_tsquery_text(query):
            return []
        found, _marked = self._moments_for(query, [video_id], limit)
        return sorted(found.get(video_id, []), key=lambda m: m.start)

    def index_videos(self, video_ids: Sequence[int]) -> None:
        """Nothing to do: generated columns keep the vectors current in every write."""

    def remove_videos(self, video_ids: Sequence[int]) -> None:
        """Nothing to do: rows and their vectors go together."""

    # --- queries -------------------------------------------------------------------------

    def _ranked(
        self, query: ParsedQuery, filters: FilterSql, offset: int, limit: int, by_date: bool
    ) -> tuple[ParsedQuery, list[tuple[int, float]], int, bool, dict[str, list[str]]]:
        """Exact matches; when there are few, again with typo tolerance: misspelt words also
        match the title and channel-name words closest to them (the corrections, returned
        last), and channel names are compared with the whole query. The decision depends on
        the query only, never on the page, so every page comes from one ranking. Whether
        anything is close is asked in the same round trip as the exact matches."""
        check = len(query.plain_text()) >= MIN_FUZZY_LENGTH and trigram.available()
        phrases = required_phrases(query)
        found = self._matches(
            query, filters, offset, limit, by_date=by_date, typo_check=check, phrases=phrases
        )
        if found.total >= TYPO_PASS_BELOW or not check:
            return query, found.rows, found.total, found.exact, {}
        if not found.fixes:
            # No title or channel-name word is close: it stands. (Channel names are in that
            # vocabulary, so this also answers "is a channel name close?" for one index read
            # instead of comparing the query with every channel name, ~1 ms.)
            return query, found.rows, found.total, found.exact, {}
        # Typo tolerance is for titles and channel names (as on Elasticsearch): transcripts
        # still match the words as typed, so a corrected common word does not turn the second
        # pass into a search of every chunk that says it (~10 ms for "woodworkieg").
        fixes = found.fixes
        corrected = with_alternatives(query, fixes)
        found = self._matches(
            corrected,
            filters,
            offset,
            limit,
            by_date=by_date,
            fuzzy=True,
            chunk_query=query,
            phrases=phrases,
        )
        return corrected, found.rows, found.total, found.exact, fixes

    def _excluded_sql(self, query: ParsedQuery, column: str) -> tuple[str, list[object]]:
        excluded = excluded_tsquery_text(query)
        if not excluded:
            return "", []
        return f" AND NOT {column} @@ to_tsquery('{SEARCH_CONFIG}', %s)", [excluded]

    def _matches(
        self,
        query: ParsedQuery,
        filters: FilterSql,
        offset: int,
        limit: int,
        *,
        by_date: bool,
        fuzzy: bool = False,
        typo_check: bool = False,
        chunk_query: ParsedQuery | None = None,
        phrases: list[str] | None = None,
    ) -> _Matches:
        """One page of ranked videos, the total and, with `typo_check`, the corrections a typo
        pass would use: one statement, one round trip, one row whatever the page holds.
        Transcript chunks match `chunk_query` when given (`qc`), else the query; with
        `phrases` (required_phrases), they are found by their word pairs (_chunk_sql)."""
        cap = cap_for(offset, limit)
        params: list[object] = [to_tsquery_text(query)]
        qc = _chunk_query_cte(query, "SELECT q FROM q", filters)
        if chunk_query is not None:
            params.append(to_tsquery_text(chunk_query))
            qc = _chunk_query_cte(chunk_query, Q_CTE, filters)
        weighted = (f"to_tsquery('{SEARCH_CONFIG}', %s) AS {w.lower()}" for w in WEIGHTS)
        qw = f"qw AS MATERIALIZED (SELECT {', '.join(weighted)})"
        params += [to_tsquery_text(query, weight) for weight in WEIGHTS]
        excl_chunk, excl_chunk_params = self._excluded_sql(query, "c.search_vector")
        excl_video, excl_video_params = self._excluded_sql(query, "v.search_vector")
        # Scores are computed where the rows are read (`meta` and `chunk`): CTEs that carried
        # the vectors to a later step copied 2,000 of them per common word (~1.3 ms). When the
        # metadata matches reached their cap, a video found by its chunks in a tier that `meta`
        # did not read whole (`meta_whole`) is scored on its metadata too (its row by primary
        # key), so a title match beyond the cap still ranks as a title match; in the tiers read
        # whole every metadata match is in `meta` already (a chunk's tier is its video's:
        # videos.search.tiers), so for a common word, whose 1,000 chunks are all in the peak
        # tier, none of its ~225 videos is looked up (they were ~20 % of its ranking). OFFSET 0
        # makes the tier test a one-time filter before the lookup, not a join filter after it.
        # A date for the recency boost comes with each chunk (its copy of its video's), so the
        # videos found by their transcript alone are not looked up for it either: two
        # uncommon words ("house find") scored ~935 of them, ~1 ms a 1,000 rows of 1 µs each
        # plus the plan's per-row overhead; `ranked` still looks up a date the rows lacked.
        chunk, chunk_params = self._chunk_sql(filters, excl_chunk, excl_chunk_params, cap, phrases)
        params += chunk_params
        meta, meta_params = self._meta_sql(filters, cap, count_first=fuzzy)
        params += meta_params
        fuzzy_cte, fuzzy_params = self._fuzzy_sql(
            query, filters, enabled=fuzzy, depth=offset + limit
        )
        params += fuzzy_params
        order = "r.pub DESC NULLS LAST, r.id DESC"
        if not by_date:
            order = f"r.score DESC, {order}"
        # Recency adds at most 0.1, so a candidate whose base score is more than 0.1 below the
        # last base score of the page can never reach it: only the rest are scored with their
        # date (exact, and most of the work for common words). Not with exclusions or by date.
        bar, bar_params = "-1", []
        if not by_date and not excl_video:
            bar = (
                "coalesce((SELECT base FROM candidates ORDER BY base DESC OFFSET %s LIMIT 1),"
                " -1e9) - 0.1"
            )
            bar_params = [offset + limit - 1]
        excluded = ""
        if excl_video:
            excluded = f" AND EXISTS (SELECT FROM {VIDEO_TABLE} v WHERE v.id = c.id{excl_video})"
        total = "(SELECT count(*) FROM ranked)" if excluded else "(SELECT count(*) FROM candidates)"
        if fuzzy and not excluded:
            # The metadata matches counted (up to the cap) are a truer lower bound than the
            # quarter of them ranked (_meta_sql).
            total = f"greatest({total}, (SELECT n FROM meta_seen))"
        typo_sql, typo_params = "NULL::text[]", []
        if typo_check:
            # CASE runs this subquery only when the exact matches are few.
            fixes, typo_params = trigram.corrections_sql(correctable_words(query, MIN_FUZZY_LENGTH))
            typo_sql = f"CASE WHEN (SELECT n FROM counted) < {TYPO_PASS_BELOW} THEN {fixes} END"
        recency = RECENCY.replace("v.published_at", "p.pub")
        sql = f"""
            WITH q AS MATERIALIZED ({Q_CTE}), {qc}, {qw},
            {chunk}, {meta}, {fuzzy_cte},
            scored AS (
                SELECT id, tier, mr, 0.0 AS cr, pub FROM meta
                UNION ALL
                SELECT g.video_id, coalesce(m.tier, 0), coalesce(m.mr, 0), g.cr, g.pub
                FROM (SELECT video_id, max(cr) AS cr, min(tp) AS tp, max(pub) AS pub
                    FROM chunk GROUP BY video_id) g
                LEFT JOIN LATERAL (SELECT
                    CASE WHEN v.search_vector @@ q.q THEN {META_TIER} ELSE 0 END AS tier,
                    CASE WHEN v.search_vector @@ q.q THEN {META_RANK} ELSE 0 END AS mr
                    FROM {VIDEO_TABLE} v, q, qw WHERE v.id = g.video_id
                    AND g.tp >= (SELECT tp FROM meta_whole) OFFSET 0) m ON TRUE
                UNION ALL
                SELECT id, tier, 0, 0, pub FROM fuzzy
            ),
            candidates AS (
                SELECT id, max(tier) + 0.45 * max(mr) + 0.45 * max(cr) AS base, max(pub) AS pub
                FROM scored GROUP BY id
            ),
            bar AS (SELECT {bar} AS base),
            ranked AS (
                SELECT c.id, c.base + {recency} AS score, p.pub
                FROM candidates c, bar, LATERAL (SELECT coalesce(c.pub, (
                    SELECT v.published_at FROM {VIDEO_TABLE} v WHERE v.id = c.id)) AS pub
                    OFFSET 0) p
                WHERE c.base >= bar.base{excluded}
            ),
            page AS (
                SELECT r.id, r.score, row_number() OVER (ORDER BY {order}) AS n
                FROM ranked r ORDER BY {order} LIMIT %s OFFSET %s
            ),
            counted AS (SELECT {total} AS n)
            SELECT (SELECT array_agg(id ORDER BY n) FROM page),
                (SELECT array_agg(score ORDER BY n) FROM page),
                (SELECT n FROM counted),
                (SELECT count(*) FROM meta) < (SELECT n FROM meta_cap),
                (SELECT count(*) FROM chunk),
                {typo_sql}
        """
        params += [*bar_params, *excl_video_params, limit, offset, *typo_params]
        with prepared_cursor() as cursor:
            cursor.execute(sql, params)
            ids, scores, total, meta_all, chunk_n, fixes = cursor.fetchone()
        return _Matches(
            rows=list(zip(ids or (), scores or (), strict=True)),
            total=total,
            exact=meta_all and chunk_n < cap,
            fixes=trigram.parse_fixes(fixes),
        )

    def _meta_sql(
        self, filters: FilterSql, cap: int, *, count_first: bool = False
    ) -> tuple[str, list[object]]:
        """CTE `meta`: the first `cap` videos whose title, tags or description match, tier by
        tier, with their scores; only the first meta_cap_when_capped(cap) when the chunks
        (CTE `chunk`) reached their cap, i.e. when the ranking is approximate anyway. Each row
        carries its tier's place in TIER_ORDER (`tp`); CTE `meta_whole` is the place of the
        first tier `meta` may not have read whole (every tier before it was: tiers are read in
        order), past the last tier when `meta` holds every match.

        With `count_first` (a misspelt word's second pass), also when the metadata matches
        themselves reach the cap, counted first (`meta_seen`, ids only) unless the chunks
        decided it: that pass finds a handful of chunks (the word as typed) and thousands of
        videos by the word's corrections, of which it ranked 1,000 (4 of its 5.4 ms for
        `niural`). Not for every query: the count cost the others ~3 % (docs/BENCHMARKS.md,
        sixth pass)."""

        # A topic's or playlist's lexemes, looked up in the same index as the words (migration
        # 0018): a common word with a topic of 20,000 videos walked all of them in every tier.
        groups, group_params = "", []
        if lexemes := filters.video_lexemes():
            groups, group_params = " AND v.group_vector @@ %s::tsquery", [lexemes]
        tier_params = [*group_params, *filters.params]

        def where(tier: SearchTier) -> str:
            return (
                f" WHERE v.search_tier = {tier:d} AND v.search_vector @@ q.q{groups}"
                f"{filters.where()}"
            )

        rows, params = _tier_by_tier(
            lambda tier: (
                f"SELECT v.id, {META_TIER} AS tier, {META_RANK} AS mr, v.published_at AS pub,"
                f" {TIER_ORDER.index(tier):d} AS tp FROM {VIDEO_TABLE} v, q, qw{where(tier)}"
            ),
            tier_params,
            cap,
            limit=("(SELECT n FROM meta_cap)", []),
        )
        capped, capped_params = "(SELECT count(*) FROM chunk) >= %s", [cap]
        seen = ""
        if count_first:
            found, found_params = _tier_by_tier(
                lambda tier: f"SELECT 1 FROM {VIDEO_TABLE} v, q{where(tier)}", tier_params, cap
            )
            seen = f"meta_seen AS MATERIALIZED (SELECT count(*) AS n FROM ({found}) found), "
            capped += " OR (SELECT n FROM meta_seen) >= %s"
            capped_params = [*found_params, cap, cap]
        meta_cap = (
            f"{seen}meta_cap AS MATERIALIZED (SELECT CASE WHEN {capped} THEN %s ELSE %s END AS n)"
        )
        whole = (
            "meta_whole AS MATERIALIZED (SELECT CASE WHEN count(*) < (SELECT n FROM meta_cap)"
            f" THEN {len(TIER_ORDER):d} ELSE max(tp) END AS tp FROM meta)"
        )
        return (
            f"{meta_cap}, meta AS ({rows}), {whole}",
            [*capped_params, meta_cap_when_capped(cap), cap, *params],
        )

    def _chunk_sql(
        self,
        filters: FilterSql,
        excl: str,
        excl_params: list[object],
        cap: int,
        phrases: list[str] | None = None,
    ) -> tuple[str, list[object]]:
        """CTEs `pairs` and `chunk`: the first `cap` matching chunks, tier by tier.

        With `phrases`, a tier's chunks are found by the phrases' word pairs (`pairs`, computed
        in the statement: asking for them first was a round trip of its own, ~0.7 ms) in the
        pairs' index, and only those are checked against the query (`IS TRUE` keeps the
        planner from also building the words' bitmap to AND with: that bitmap is what the
        pairs avoid). When the phrases have no pairs (stop words between), the words' branch
        runs instead: each branch's tiers read `pairs` first, and one of them finds no row.

        Otherwise the filters' lexemes (FilterSql.chunk_lexemes) are looked up in each tier's
        index along the words, so only the chunks that pass are read. (A topic or playlist
        with at most 1,000 videos had its chunks read through the video_id index instead,
        before they were lexemes too: docs/BENCHMARKS.md, seventh pass.)"""
        params: list[object] = []
        # The filters, checked on each chunk the text index finds, on the chunk's own copies of
        # its video's attributes (looking the video up cost ~1.5 µs a chunk; migration 0014).
        chunk_filter = filters.chunk_where()
        match, match_params = "c.search_vector @@ qc.x", []
        if lexemes := filters.chunk_lexemes():
            # The filters' lexemes, looked up in the same index as the words (migration 0017):
            # only the chunks that pass are read (`talk after:2026-01-01` read 13,608 chunks of
            # a tier to keep 2,989). A superset: chunk_filter decides.
            match += " AND c.filter_vector @@ %s::tsquery"
            match_params = [lexemes]
        branches = [("", match, match_params)]
        pairs = ""
        if phrases:
            pairs = "pairs AS MATERIALIZED (SELECT videos_phrase_pairs(%s::text[]) AS p), "
            params.append(phrases)
            by_pairs = "pairs.p IS NOT NULL AND c.pair_vector @@ pairs.p"
            by_pairs += " AND (c.search_vector @@ qc.x) IS TRUE"
            branches = [
                (", pairs", by_pairs, []),
                (", pairs", f"pairs.p IS NULL AND {match}", match_params),
            ]
        unions = []
        for tables, condition, condition_params in branches:
            rows, tier_params = _tier_by_tier(
                lambda tier, tables=tables, condition=condition: (
                    f"SELECT c.video_id, {CHUNK_RANK} AS cr, {TIER_ORDER.index(tier):d} AS tp,"
                    f" c.video_published_at AS pub FROM {CHUNK_TABLE} c, qc{tables}"
                    f" WHERE c.search_tier = {tier:d} AND {condition}{chunk_filter}{excl}"
                ),
                [*condition_params, *filters.chunk_params, *excl_params],
                cap,
            )
            unions.append(f"({rows})")
            params += tier_params
        return f"{pairs}chunk AS ({' UNION ALL '.join(unions)})", params

    def _fuzzy_sql(self, query: ParsedQuery, filters: FilterSql, *, enabled: bool, depth: int):
        """The newest `depth` videos of each of the 5 channels whose names are closest to the
        query (trigram.closest_channels_sql). They score alike within a channel but for the
        recency boost, so its newest `depth` are all that pages down to `depth` can show."""
        if not enabled:
            return (
                "fuzzy AS (SELECT NULL::bigint AS id, 0.0 AS tier, NULL::timestamptz AS pub"
                " WHERE FALSE)",
                [],
            )
        closest, params = trigram.closest_channels_sql(5, query.plain_text())
        sql = f"""fuzzy AS (
            SELECT v.id, 1.0 + 0.9 * ch.sim AS tier, v.pub FROM (
                {closest}) ch,
            LATERAL (SELECT v.id, v.published_at AS pub FROM {VIDEO_TABLE} v
                     WHERE v.channel_id = ch.id{filters.where()}
                     ORDER BY v.published_at DESC NULLS LAST, v.id DESC LIMIT %s) v)"""
        return sql, [*params, *filters.params, depth]

    def _newest_matching(
        self, query: ParsedQuery, filters: FilterSql, offset: int, limit: int
    ) -> list[tuple[int, float]]:
        """Newest first for a query with too many matches to rank: walk videos by date and keep
        those matching (fast exactly because matches are common)."""
        excl_video, excl_params = self._excluded_sql(query, "v.search_vector")
        sql = f"""
            WITH q AS ({Q_CTE})
            SELECT v.id, {RECENCY} FROM {VIDEO_TABLE} v, q
            WHERE (v.search_vector @@ q.q OR EXISTS (
                SELECT 1 FROM {CHUNK_TABLE} c WHERE c.video_id = v.id AND c.search_vector @@ q.q))
              {filters.where()}{excl_video}
            ORDER BY v.published_at DESC NULLS LAST, v.id DESC LIMIT %s OFFSET %s
        """
        params = [to_tsquery_text(query), *filters.params, *excl_params, limit, offset]
        with prepared_cursor() as cursor:
            cursor.execute(sql, params)
            return [(r[0], r[1]) for r in cursor.fetchall()]

    def _filtered(
        self, query: ParsedQuery, filters: FilterSql, offset: int, limit: int
    ) -> tuple[list[tuple[int, float]], int, bool]:
        """Only filters (or only stop words): the matching videos, newest first."""
        if query.has_terms or not filters.clauses:
            return [], 0, True  # every word was a stop word, or nothing to look for at all
        excl_video, excl_params = self._excluded_sql(query, "v.search_vector")
        sql = f"""
            SELECT v.id, {RECENCY}, count(*) OVER () FROM {VIDEO_TABLE} v
            WHERE TRUE{filters.where()}{excl_video}
            ORDER BY v.published_at DESC NULLS LAST, v.id DESC LIMIT %s OFFSET %s
        """
        with prepared_cursor() as cursor:
            cursor.execute(sql, [*filters.params, *excl_params, limit, offset])
            rows = cursor.fetchall()
        total = rows[0][2] if rows else 0
        return [(r[0], r[1]) for r in rows], total, True

    def _moments_for(
        self, query: ParsedQuery, video_ids: list[int], per_video: int, *, metadata: bool = False
    ) -> tuple[dict[int, list[Moment]], dict[int, tuple[str, str, str]]]:
        """Best `per_video` moments of each video, highlighted; with `metadata`, also each
        video's title, description excerpt and tags as RawHit has them (_metadata_branch), in the
        same statement: a statement of its own cost a round trip, ~0.4 ms here.

        No search_tier predicate here, so the planner cannot use the partial GIN indexes and
        reads each video's few chunks through the (video_id, position) index instead. A plain
        text's matched positions are read from its vector and marked in Python (moments.py);
        ts_headline() runs on the other texts only (and, in a second statement, on any whose
        positions do not fit their text, which plain text should never have). In plain text a
        phrase's words are marked only where the phrase is said (moments.chunk_marks);
        ts_headline marks every occurrence of them.
        """
        if not video_ids:
            return {}, {}
        excl, excl_params = self._excluded_sql(query, "c.search_vector")
        matched = MATCHED_LEXEMES.format(v="s.search_vector")
        # The chosen chunks, marked (or their ts_headline), without their vectors: CTE `m`,
        # read again by the metadata branch (which videos have no moment).
        branch, branch_params = "", []
        # The query's words weighted C and A, to tell a description and a title that match it
        # by themselves (the metadata branch), parsed once, not once a row.
        fields, fields_params = "", []
        if metadata:
            branch, branch_params = self._metadata_branch(query, video_ids)
            fields = (
                f", qm AS MATERIALIZED (SELECT to_tsquery('{SEARCH_CONFIG}', %s) AS c,"
                f" to_tsquery('{SEARCH_CONFIG}', %s) AS a)"
            )
            fields_params = [to_tsquery_text(query, "C"), to_tsquery_text(query, "A")]
        sql = f"""
            WITH q AS ({Q_CTE}), lx AS MATERIALIZED ({QUERY_LEXEMES}),
            m AS MATERIALIZED (
                SELECT s.id, s.video_id, s.start, s.text, s.segment_starts, s.segment_offsets,
                    s.rn, k.marks, CASE WHEN k.marks IS NULL
                    THEN ts_headline('{SEARCH_CONFIG}', s.text, q.q, %s) END AS headline
                FROM (
                    SELECT c.id, c.video_id, c.start, c.text, c.segment_starts,
                        c.segment_offsets, c.search_vector, row_number() OVER (
                        PARTITION BY c.video_id
                        ORDER BY ts_rank_cd(c.search_vector, q.q) DESC, c.position) AS rn
                    FROM {CHUNK_TABLE} c, q
                    WHERE c.video_id = ANY(%s) AND c.search_vector @@ q.q{excl}
                ) s, q, lx,
                LATERAL (SELECT CASE WHEN s.text !~ %s THEN {matched} END AS marks OFFSET 0) k
                WHERE s.rn <= %s
            ){fields}
            SELECT m.id, m.video_id, v.youtube_id, m.start, m.text, m.segment_starts,
                m.segment_offsets, lx.letters, m.marks, lx.query, m.headline,
                NULL::text AS description, NULL::text AS excerpt, m.rn, NULL::text AS tags
            FROM m JOIN {VIDEO_TABLE} v ON v.id = m.video_id, lx
            {branch}
            ORDER BY 2, 14
        """
        params = [
            to_tsquery_text(query),
            TSQUERY_LEXEME,
            HEADLINE_OPTIONS,
            video_ids,
            *excl_params,
            NOT_PLAIN_TEXT,
            max(per_video, 0),
            *fields_params,
            *branch_params,
        ]
        with prepared_cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        phrases, alone = query_phrases(rows[0][9]) if rows else ((), frozenset())
        titles = [row for row in rows if row[0] is None]
        rows = [row for row in rows if row[0] is not None]
        snippets: dict[int, tuple[str, int | None]] = {}
        for chunk_id, _v, _y, _s, text, _ss, _so, letters, marks, _q, headline, *_ in rows:
            window = None
            if marks:
                positions, anchor = chunk_marks(marks, phrases, alone)
                window = marked_window(text, positions, letters, START, STOP, anchor=anchor)
            if window:
                snippets[chunk_id] = window
            elif headline is not None:
                snippets[chunk_id] = (headline, match_offset(text, headline, START, STOP))
        if unfit := [row[0] for row in rows if row[0] not in snippets]:
            for chunk_id, text, headline in self._headlines(query, unfit):
                snippets[chunk_id] = (headline, match_offset(text, headline, START, STOP))
        found: dict[int, list[Moment]] = {}
        for chunk_id, video_id, youtube_id, chunk_start, text, starts, offsets, *_ in rows:
            # (A chunk deleted since the first statement: its text, unmarked.)
            headline, offset = snippets.get(chunk_id, (text, None))
            start = moment_start(chunk_start, offset, starts, offsets)
            found.setdefault(video_id, []).append(
                Moment(start, moment_url(youtube_id, start), snippet_html(headline))
            )
        return found, self._marked_metadata(titles, phrases, alone)

    def _metadata_branch(self, query: ParsedQuery, video_ids: list[int]) -> tuple[str, list]:
        """The moments statement's rows of these videos' titles and descriptions (id NULL):
        the title (`text`) with its matched lexemes (`marks`: '' for none, NULL when it is not
        plain text, and then its ts_headline), and for a video without moments (none in CTE
        `m`) whose description matches the query by itself (its words weighted C, as the
        ranking's `qw.c`: CTE `qm`), the description and its excerpt by ts_headline. For a
        video that none of these explains (found by its tags, or by words spread over its
        fields), its tags, one a line, marked by ts_headline (`tags`):
        highlights.marked_metadata keeps those that say a word.

        A plain title is marked in Python from its positions in the video's vector, as a
        chunk's snippet is (the title's lexemes are the vector's weighted A, positions from
        1): ts_headline() cost ~38 µs a title here, 0.8 ms a page. ts_headline reads the whole
        text: ~80 µs for a description of ~30 words here."""
        title_vector = "setweight(ts_filter(v.search_vector, '{{a}}'), 'D')"
        matched = MATCHED_LEXEMES.format(v=title_vector)
        sql = f"""
            UNION ALL
            SELECT NULL, v.id, NULL, NULL, v.title, NULL, NULL, lx.letters, t.marks, lx.query,
                CASE WHEN t.marks IS NULL THEN ts_headline('{SEARCH_CONFIG}', v.title, q.q, %s) END,
                CASE WHEN d.shown THEN v.description END,
                CASE WHEN d.shown THEN ts_headline('{SEARCH_CONFIG}', v.description, q.q, %s) END,
                NULL,
                CASE WHEN d.unexplained AND cardinality(v.tags) > 0 THEN ts_headline(
                    '{SEARCH_CONFIG}', array_to_string(v.tags, E'\n'), q.q, %s) END
            FROM {VIDEO_TABLE} v, q, lx, qm,
            LATERAL (SELECT CASE WHEN v.title !~ %s THEN coalesce({matched}, '') END AS marks
                OFFSET 0) t,
            LATERAL (SELECT NOT EXISTS (SELECT FROM m WHERE m.video_id = v.id) AS unsaid,
                v.search_vector @@ qm.c AS described, v.search_vector @@ qm.a AS titled
                OFFSET 0) w,
            LATERAL (SELECT w.unsaid AND w.described AS shown,
                w.unsaid AND NOT w.described AND NOT w.titled AS unexplained OFFSET 0) d
            WHERE v.id = ANY(%s)
        """
        params = [
            TITLE_OPTIONS,
            DESCRIPTION_OPTIONS,
            TITLE_OPTIONS,
            NOT_PLAIN_TEXT,
            video_ids,
        ]
        return sql, params

    @staticmethod
    def _marked_metadata(
        rows: list[tuple], phrases: tuple, alone: frozenset[str]
    ) -> dict[int, tuple[str, str, str]]:
        """(title_html, description_html, tags_html) by video id from _metadata_branch's rows."""
        found: dict[int, tuple[str, str, str]] = {}
        for _n, video_id, _y, _s, title, _ss, _so, letters, marks, _q, headline, *rest in rows:
            description, excerpt, _rn, tags = rest
            if marks is not None:  # plain text: '' when it says none of the words
                positions, _anchor = chunk_marks(marks, phrases, alone) if marks else ((), None)
                # (None when the positions do not fit the text, which plain text never has.)
                headline = marked_text(title, positions, letters, START, STOP)
            found[video_id] = highlights.marked_metadata(
                headline, description, excerpt, START, STOP, tags=tags.split("\n") if tags else ()
            )
        return found

    def _headlines(self, query: ParsedQuery, chunk_ids: list[int]) -> list[tuple[int, str, str]]:
        """(id, text, ts_headline) of these chunks."""
        sql = f"""
            WITH q AS ({Q_CTE})
            SELECT c.id, c.text, ts_headline('{SEARCH_CONFIG}', c.text, q.q, %s)
            FROM {CHUNK_TABLE} c, q WHERE c.id = ANY(%s)
        """
        with prepared_cursor() as cursor:
            cursor.execute(sql, [to_tsquery_text(query), HEADLINE_OPTIONS, chunk_ids])
            return cursor.fetchall()
