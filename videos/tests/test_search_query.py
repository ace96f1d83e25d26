"""The query language, parsed into terms and filters (pure functions)."""

from __future__ import annotations

from datetime import date

import pytest

from videos.search.query import (
    QueryError,
    Term,
    excluded_tsquery_text,
    parse_date,
    parse_duration,
    parse_query,
    prefix_with_other_words,
    to_tsquery_text,
)


def test_words_are_all_required_and_the_last_is_a_prefix():
    parsed = parse_query("Python decor")
    assert parsed.clauses == ((Term(("python",)),), (Term(("decor",), prefix=True),))
    assert to_tsquery_text(parsed) == "'python' & 'decor':*"


def test_a_trailing_space_means_the_last_word_is_complete():
    assert to_tsquery_text(parse_query("python decor ")) == "'python' & 'decor'"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("python decor", True),  # another clause
        ("well-kno", True),  # a hyphenated word is a phrase, here ending in a prefix
        ('"sour dou', False),  # an unclosed quote: a phrase, never a prefix
        ("decor", False),  # alone
        ("python or decor", False),  # an alternative, not ANDed with anything
        ("python decor ", False),  # no prefix at all
        ('python "sour dough"', False),
    ],
)
def test_a_prefix_is_with_other_words_when_another_clause_or_its_phrase_needs_them(raw, expected):
    assert prefix_with_other_words(parse_query(raw)) is expected


def test_quoted_phrases_keep_word_order_and_are_never_prefixes():
    parsed = parse_query('learn "list comprehension"')
    assert parsed.clauses[1] == (Term(("list", "comprehension")),)
    assert to_tsquery_text(parsed) == "'learn' & ('list' <-> 'comprehension')"


def test_an_unclosed_quote_runs_to_the_end():
    assert parse_query('"sour dough').clauses == ((Term(("sour", "dough")),),)


def test_minus_excludes_words_and_phrases():
    parsed = parse_query('pasta -garlic -"olive oil"')
    assert to_tsquery_text(parsed) == "'pasta':*"
    assert excluded_tsquery_text(parsed) == "'garlic' | ('olive' <-> 'oil')"


def test_or_joins_the_neighbouring_terms():
    parsed = parse_query("pasta or noodles sauce")
    assert to_tsquery_text(parsed) == "('pasta' | 'noodles') & 'sauce':*"


def test_operators_and_quotes_inside_words_cannot_reach_the_engine():
    parsed = parse_query("c++ & it's | 'x' !y <-> (z)")
    text = to_tsquery_text(parsed)
    for word in ("'c'", "('it' <-> 's')", "'x'", "'y'", "'z':*"):
        assert word in text
    assert "&&" not in text and "!" not in text


def test_a_leading_or_and_symbols_alone_are_ignored():
    assert parse_query("or").clauses == ((Term(("or",), prefix=True),),)
    assert parse_query("!!! ---").clauses == ()


def test_null_bytes_are_separators():
    assert to_tsquery_text(parse_query("py\x00thon ")) == "'py' & 'thon'"


def test_inline_filters_are_taken_out_of_the_words():
    parsed = parse_query(
        'rust channel:"Linus Tech" lang:EN after:2024-01-01 before:2025 duration:long '
        "topic:chess playlist:PL123 source:topic transcript:manual"
    )
    assert parsed.plain_text() == "rust"
    f = parsed.filters
    assert (f.channel, f.language, f.topic, f.playlist) == ("Linus Tech", "en", "chess", "PL123")
    assert (f.after, f.before) == (date(2024, 1, 1), date(2025, 12, 31))
    assert (f.min_seconds, f.max_seconds) == (1200, None)
    assert (f.source, f.transcript) == ("topic", "manual")


def test_unknown_keys_and_urls_stay_words():
    parsed = parse_query("re:invent https://example.com")
    assert "invent" in parsed.plain_text() and "https" in parsed.plain_text()


@pytest.mark.parametrize(
    "query",
    [
        "after:yesterday",
        "lang:english!",
        "duration:forever",
        "source:rss",
        "transcript:maybe",
        "before:2024-02-31",
        "duration:20-5",
    ],
)
def test_impossible_filter_values_are_errors_with_a_message(query):
    with pytest.raises(QueryError) as info:
        parse_query(f"x {query}")
    assert str(info.value)


def test_partial_dates_cover_their_whole_period():
    assert parse_date("2024-02") == date(2024, 2, 1)
    assert parse_date("2024-02", end=True) == date(2024, 2, 29)
    assert parse_date("2024-12", end=True) == date(2024, 12, 31)


def test_durations_by_name_or_minutes():
    assert parse_duration("short") == (0, 240)
    assert parse_duration("5-20") == (300, 1200)
    assert parse_duration("-10") == (None, 600)
    assert parse_duration("30-") == (1800, None)


def test_typo_corrections_become_alternatives_of_the_misspelt_word():
    from videos.search.query import correctable_words, with_alternatives

    parsed = parse_query('learaing "sour dough" pyth')
    assert correctable_words(parsed) == ["learaing", "pyth"]
    fixed = with_alternatives(parsed, {"learaing": ["learning", "leaning"]})
    assert to_tsquery_text(fixed) == (
        "('learaing' | 'learning' | 'leaning') & ('sour' <-> 'dough') & 'pyth':*"
    )


def test_weighted_tsquery_text_restricts_every_word_to_the_weight():
    query = parse_query('"garlic bread" or pasta sauc')
    assert to_tsquery_text(query, "A") == "(('garlic':A <-> 'bread':A) | 'pasta':A) & 'sauc':*A"
    assert to_tsquery_text(query) == "(('garlic' <-> 'bread') | 'pasta') & 'sauc':*"
