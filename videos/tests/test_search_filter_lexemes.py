"""Filter lexemes (migration 0017): the lexemes a filter looks for in filter_vector select every
chunk the filter passes, and no more than their months and buckets hold."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection

from videos.search.filters import (
    DURATION_BUCKETS,
    LEXEME_YEARS,
    date_lexemes,
    duration_lexemes,
    filter_sql,
)
from videos.search.types import SearchFilters

pytestmark = pytest.mark.django_db


def _lexemes_of(published=None, duration=None) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT videos_filter_lexemes(%s, %s, '', '', '', NULL, NULL)::text",
            [published, duration],
        )
        return cursor.fetchone()[0]


def _matching(column: str, values: list, tsquery: str) -> list:
    """The values whose videos_filter_lexemes() match `tsquery` (published or duration)."""
    args = "v, NULL" if column == "published" else "NULL, v"
    cast = "timestamptz" if column == "published" else "integer"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v FROM unnest(%s::{cast}[]) AS v WHERE"
            f" videos_filter_lexemes({args}, '', '', '', NULL, NULL) @@ %s::tsquery ORDER BY v",
            [values, tsquery],
        )
        return [row[0] for row in cursor.fetchall()]


def _query(lexemes: list[str]) -> str:
    return " | ".join(f"'{lexeme}'" for lexeme in lexemes)


def _moments() -> list[datetime]:
    """Both sides of every month boundary in and around the years that have lexemes."""
    moments = [datetime(1850, 3, 3, tzinfo=UTC), datetime(2250, 3, 3, tzinfo=UTC)]
    for year in (*range(1898, 1902), *range(2005, 2031), *range(2197, 2202)):
        for month in range(1, 13):
            start = datetime(year, month, 1, tzinfo=UTC)
            moments += [start - timedelta(microseconds=1), start, start + timedelta(days=14)]
    return sorted(moments)


RANGES = [
    (datetime(2026, 1, 1, tzinfo=UTC), None),
    (None, datetime(2024, 7, 1, tzinfo=UTC)),
    (datetime(2020, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC)),  # one decade
    (datetime(2019, 11, 1, tzinfo=UTC), datetime(2031, 2, 1, tzinfo=UTC)),
    (datetime(2024, 1, 15, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC)),
    (datetime(2024, 1, 15, 13, tzinfo=UTC), datetime(2024, 1, 15, 14, tzinfo=UTC)),
    (datetime(1899, 12, 1, tzinfo=UTC), datetime(1900, 2, 1, tzinfo=UTC)),
    (datetime(2199, 12, 1, tzinfo=UTC), datetime(2200, 2, 1, tzinfo=UTC)),
    (datetime(1850, 1, 1, tzinfo=UTC), datetime(2250, 1, 1, tzinfo=UTC)),
]


@pytest.mark.parametrize(("start", "end"), RANGES)
def test_date_lexemes_select_every_moment_in_the_range_and_only_its_months(start, end):
    moments = _moments()
    found = _matching("published", moments, _query(date_lexemes(start, end)))
    inside = [m for m in moments if (start is None or m >= start) and (end is None or m < end)]
    assert set(inside) <= set(found)

    def month(moment):
        return (moment.year, moment.month)

    # Beyond the range only the months it starts and ends in, or dates without lexemes.
    edges = {month(m) for m in (start, end - timedelta(microseconds=1) if end else None) if m}
    lexeme_years = range(*LEXEME_YEARS)
    extra = [m for m in found if m not in inside]
    assert all(month(m) in edges or m.year not in lexeme_years for m in extra), extra


def test_date_lexemes_are_decades_years_then_months():
    after = date_lexemes(datetime(2026, 1, 1, tzinfo=UTC), None)
    assert after[:6] == ["dx", "y2026", "y2027", "y2028", "y2029", "d203"]
    before = date_lexemes(None, datetime(2024, 7, 1, tzinfo=UTC))
    months = [f"m20240{n}" for n in range(1, 7)]
    assert before[:2] == ["dx", "d190"]
    assert before[-12:] == ["d200", "d201", "y2020", "y2021", "y2022", "y2023", *months]
    assert _lexemes_of(datetime(2024, 6, 30, 23, tzinfo=UTC)) == "'d202' 'm202406' 'y2024'"
    assert _lexemes_of(datetime(1850, 1, 1, tzinfo=UTC)) == "'dx'"
    assert _lexemes_of() == ""


def test_the_duration_buckets_are_the_databases():
    for bucket, seconds in enumerate(DURATION_BUCKETS):
        assert _lexemes_of(duration=seconds - 1) == f"'u{bucket}'"
        assert _lexemes_of(duration=seconds) == f"'u{bucket + 1}'"


@pytest.mark.parametrize(
    ("low", "high"), [(None, 240), (240, 1200), (1200, None), (300, 1200), (0, 61), (7199, 7200)]
)
def test_duration_lexemes_select_every_duration_in_the_range_and_only_its_buckets(low, high):
    durations = sorted({0, 1, 30000, *(b + d for b in DURATION_BUCKETS for d in (-1, 0, 1))})
    found = _matching("duration", durations, _query(duration_lexemes(low, high)))
    inside = [s for s in durations if (low is None or s >= low) and (high is None or s < high)]
    assert set(inside) <= set(found)
    starts = (0, *DURATION_BUCKETS)

    def bucket(seconds):
        return sum(seconds >= start for start in starts)

    assert {bucket(s) for s in found} == {bucket(s) for s in inside}


def test_a_duration_range_that_holds_every_bucket_looks_for_no_lexeme():
    assert duration_lexemes(None, None) is None
    assert duration_lexemes(0, 10**9) is None


def test_a_filter_looks_for_the_lexemes_of_each_of_its_parts():
    filters = SearchFilters(
        after=date(2024, 6, 1),
        before=date(2024, 7, 31),
        min_seconds=1200,
        language="pt-br",
        transcript="manual",
        source="topic",
    )
    assert filter_sql(filters).chunk_lexemes() == (
        "( 'm202406' | 'm202407' ) & ( 'u4' | 'u5' | 'u6' | 'u7' ) & ( 'stopic' )"
        " & ( 'lpt' ) & ( 'tmanual' )"
    )
    assert filter_sql(SearchFilters(transcript="has")).chunk_lexemes() is None
    assert filter_sql(SearchFilters()).chunk_lexemes() is None
