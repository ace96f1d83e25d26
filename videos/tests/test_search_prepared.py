"""Search statements are prepared on the server; their results are the same every time."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from videos.search.prepared import numbered, prepared_cursor
from videos.search.types import SearchFilters
from videos.selectors import video_search
from videos.tests.search_helpers import add_video

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis_client")]


def page_of(q: str, **kwargs) -> list[tuple[str, float, list[tuple[float, str]]]]:
    page = video_search(q=q, use_cache=False, **kwargs)
    return [
        (h.video.youtube_id, h.score, [(m.start, m.snippet_html) for m in h.moments])
        for h in page.hits
    ]


def prepared_statements() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def test_a_search_is_prepared_once_and_answers_alike_with_a_generic_plan():
    """PostgreSQL plans a prepared statement's first five runs for their parameters, then may
    switch to one generic plan: the answers must not move when it does."""
    add_video("titlematch1", title="Sourdough for beginners")
    add_video("transcript1", title="Weekly vlog", said=[(10.0, "we tried a sourdough starter")])
    add_video("other000001", title="Chess openings", said=[(5.0, "the queen's gambit")])
    first = page_of("sourdough ")
    assert [hit[0] for hit in first] == ["titlematch1", "transcript1"]
    assert any("videos_transcriptchunk" in sql for sql in prepared_statements())
    for _ in range(8):
        assert page_of("sourdough ") == first
    # Other words, same statement: its parameters, not the first query's, decide the answer.
    assert [hit[0] for hit in page_of("gambit ")] == ["other000001"]


def test_prepared_filters_bind_lists_dates_and_numbers_as_the_client_did():
    add_video("short000001", title="Knots", duration=90, channel="Baker Street")
    add_video("long0000001", title="Knots", duration=3600, channel="Other Place")
    for _ in range(7):
        assert [h[0] for h in page_of("knots duration:short")] == ["short000001"]
        assert [h[0] for h in page_of("knots channel:baker")] == ["short000001"]
        assert [h[0] for h in page_of("knots after:2024-01-01", sort="date")] == [
            "long0000001",
            "short000001",
        ]
    assert page_of("knots", filters=SearchFilters(min_seconds=1200))[0][0] == "long0000001"


def test_a_failing_prepared_statement_raises_the_django_error_and_the_connection_recovers():
    with pytest.raises(DatabaseError), transaction.atomic(), prepared_cursor() as cursor:
        cursor.execute("SELECT 1 / %s", [0])
    add_video("titlematch1", title="Sourdough for beginners")
    assert [hit[0] for hit in page_of("sourdough")] == ["titlematch1"]


def test_placeholders_are_numbered_once_per_statement_and_percent_signs_kept():
    sql = "SELECT %s, 'a%%b', x %% y FROM t WHERE a = %s AND b = ANY(%s)"
    assert numbered(sql) == "SELECT $1, 'a%b', x % y FROM t WHERE a = $2 AND b = ANY($3)"
    assert numbered(sql) is numbered(sql)  # cached: ranking statements are over psycopg's limit
    with pytest.raises(ValueError, match="lone %"):
        numbered("SELECT 5 % %s")


def test_a_statement_longer_than_psycopgs_cache_limit_binds_every_parameter():
    """Ranking statements are ~5 kB, beyond the 4,096 bytes psycopg caches conversions for."""
    sql = "SELECT %s::int + %s::int, '%%' WHERE TRUE" + " AND 1 = 1" * 600
    assert len(sql) > 4096
    with prepared_cursor() as cursor:
        for value in (3, 4):
            cursor.execute(sql, [value, 1])
            assert cursor.fetchone() == (value + 1, "%")
