"""A match lands at the second its caption line starts, not at the start of its chunk."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from videos.search import postgres
from videos.search.moments import (
    NOT_PLAIN_TEXT,
    chunk_marks,
    marked_window,
    match_offset,
    moment_start,
    query_phrases,
    vector_positions,
    window_of_marked,
)
from videos.services import Segment, chunk_segments

START, STOP = "\x02", "\x03"


def test_chunks_remember_where_each_line_starts():
    segments = [Segment(0.0, 4.0, "hello there"), Segment(4.5, 4.0, "general  kenobi")]
    (chunk,) = chunk_segments(segments)
    assert chunk.text == "hello there general kenobi"
    assert chunk.segment_starts == (0.0, 4.5)
    assert chunk.segment_offsets == (0, 12)
    assert chunk.text[chunk.segment_offsets[1] :].startswith("general")


@given(st.lists(st.text(alphabet="abc xyz", min_size=1, max_size=12), min_size=1, max_size=40))
def test_every_offset_points_at_the_start_of_its_line(texts):
    segments = [Segment(i * 2.0, 2.0, t) for i, t in enumerate(texts)]
    kept = [" ".join(t.split()) for t in texts if t.split()]
    lines = iter(kept)
    for chunk in chunk_segments(segments):
        for offset in chunk.segment_offsets:
            assert chunk.text[offset:].startswith(next(lines))


def test_the_first_highlighted_word_is_found_with_its_context():
    text = "the canyon is deep and the canyon is wide"
    headline = f"is deep and the {START}canyon{STOP} is wide"
    assert match_offset(text, headline, START, STOP) == text.rindex("canyon")


def test_a_headline_without_a_highlight_has_no_offset():
    assert match_offset("some text", "some text", START, STOP) is None


@pytest.mark.parametrize(
    ("offset", "expected"), [(None, 30.0), (0, 30.0), (11, 30.0), (12, 34.5), (40, 41.0)]
)
def test_the_moment_is_the_start_of_the_line_holding_the_match(offset, expected):
    assert moment_start(30.0, offset, [30.0, 34.5, 41.0], [0, 12, 30]) == expected


def test_chunks_stored_before_line_positions_existed_keep_their_start():
    assert moment_start(30.0, 15, [], []) == 30.0


# --- marking a plain text from its vector's positions, against ts_headline -----------------

WORDS = [
    "the", "people", "know", "don't", "it's", "making", "made", "cities", "city", "try",
    "tries", "happily", "3", "2024", "mp3", "a", "is", "flux", "capacitor", "running", "ran",
    "don\u2019t", "rock\u2019n\u2019roll", "\u201cso\u201d", "one\u2013two",
]  # fmt: skip
PUNCTUATION = ["", "", "", ",", ".", "?", "!", ";", ":", '"', "(", ")", "'"]
# Typographic marks of manual captions: blanks to PostgreSQL's parser, so plain text too.
PUNCTUATION += ["\u2019", "\u2018", "\u201c", "\u201d", "\u2013", "\u2014", "\u2026"]


def _headline_all(cursor, text: str, typed: str) -> tuple[str | None, str, str]:
    """(the engine's matched lexemes of `text` for the query `typed`, the query's first
    letters, PostgreSQL's ts_headline marking every match)."""
    cursor.execute(
        f"""WITH q AS (SELECT to_tsquery('english', %s) AS q), lx AS ({postgres.QUERY_LEXEMES})
        SELECT {postgres.MATCHED_LEXEMES.format(v="to_tsvector('english', %s)")}, lx.letters,
            ts_headline('english', %s, q.q, 'HighlightAll=true, StartSel=\x02, StopSel=\x03')
        FROM q, lx""",
        [typed, postgres.TSQUERY_LEXEME, text, text, text],
    )
    return cursor.fetchone()


@pytest.mark.django_db
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(PUNCTUATION)), min_size=1),
    st.data(),
)
def test_plain_text_is_marked_as_ts_headline_marks_it(said, data):
    text = " ".join(word + mark for word, mark in said)
    assert not re.search(NOT_PLAIN_TEXT, text)
    word = data.draw(st.sampled_from([w for w, _ in said]))
    typed = data.draw(st.sampled_from([word, f"{word[:3]}:*", f"{word} | flux"]))
    with connection.cursor() as cursor:
        matched, letters, headline = _headline_all(cursor, text, typed.replace("'", "''"))
    if matched is None:  # a stop word: nothing to mark
        assert START not in headline
        return
    marked = marked_window(
        text, vector_positions(matched), letters, START, STOP, words=10**6, before=10**6
    )
    assert marked is not None
    snippet, offset = marked
    # The window starts at a word and ends at one: the text around it is punctuation only.
    assert snippet == headline.strip(" ,.?!;:\"()'" + "".join(PUNCTUATION))
    assert offset == match_offset(text, headline, START, STOP)


@pytest.mark.parametrize(
    "text",
    [
        "a well-known fact",
        "version 3.5 is out",
        "see example.com today",
        "<b>bold</b> words",
        "caf\u00e9 au lait",
        "at 10:30 sharp",
    ],
)
def test_text_that_postgresql_parses_into_compound_tokens_is_not_plain(text):
    assert re.search(NOT_PLAIN_TEXT, text)


def test_typographic_quotes_dashes_and_ellipses_of_manual_captions_are_plain():
    assert not re.search(
        NOT_PLAIN_TEXT, "I don\u2019t \u2018know\u2019 \u201cwhy\u201d \u2013 so\u2026"
    )
    assert not re.search(NOT_PLAIN_TEXT, "rock\u2019n\u2019roll, one\u2013two\u2014three")


def test_the_window_starts_a_few_words_before_the_first_match():
    text = " ".join(f"w{i}" for i in range(1, 101))
    snippet, offset = marked_window(text, [50, 52, 90], "w", START, STOP)
    words = snippet.replace(START, "").replace(STOP, "").split()
    assert words[0] == "w46" and len(words) == 30
    assert f"{START}w50{STOP} w51 {START}w52{STOP}" in snippet
    assert "w90" not in snippet
    assert offset == text.index("w50")


def test_positions_that_do_not_fit_the_text_are_left_to_ts_headline():
    assert marked_window("only three words", [4], "o", START, STOP) is None
    assert marked_window("only three words", [2], "x", START, STOP) is None
    assert marked_window("only three words", [], "o", START, STOP) is None
    assert vector_positions("'peopl':12A,40A 'know':3A") == [3, 12, 40]


def test_a_word_at_two_lexemes_positions_is_marked_once():
    assert marked_window("say it twice", [3, 3], "t", START, STOP) == (
        f"say it {START}twice{STOP}",
        7,
    )


def test_a_tsquerys_phrases_and_the_lexemes_that_stand_alone():
    phrases, alone = query_phrases("'knight' <-> 'castl' <2> 'hous' & 'big' & 'castl'")
    assert phrases == ((("knight", 0), ("castl", 1), ("hous", 3)),)
    assert alone == {"big", "castl"}
    assert query_phrases("'peopl' & 'know':*") == ((), {"peopl", "know"})
    # Among alternatives in parentheses: not read as a phrase, every word stands alone.
    assert query_phrases("( 'a' | 'b' ) <-> 'c'") == ((), {"a", "b", "c"})
    assert query_phrases("'it''s' <-> 'fine'")[0] == ((("it's", 0), ("fine", 1)),)


def test_a_phrases_words_are_marked_only_where_the_phrase_is_said():
    phrases, alone = query_phrases("'knight' <-> 'castl' <-> 'hous'")
    vector = "'castl':2A,7A,10A 'hous':8A 'knight':6A"
    assert chunk_marks(vector, phrases, alone) == ([6, 7, 8], 6)
    # A word the query also has alone is marked everywhere; a chunk that does not say the
    # phrase whole (it matched otherwise) keeps every mark.
    both = query_phrases("'knight' <-> 'castl' & 'castl'")
    assert chunk_marks("'castl':2A,7A 'knight':6A", *both) == ([2, 6, 7], 6)
    assert chunk_marks("'castl':2A 'knight':6A", phrases, alone) == ([2, 6], 2)


def test_the_moment_starts_where_every_word_is_said_together():
    # "castle" alone at 2, the three together at 7-9: the shortest stretch with all of them.
    vector = "'castl':2A,8A,12A 'hous':9A 'knight':7A"
    assert chunk_marks(vector) == ([2, 7, 8, 9, 12], 7)
    assert chunk_marks("'peopl':5A,9A") == ([5, 9], 5)  # one word: its first place
    assert chunk_marks("'a':1A,30A 'b':20A,31A") == ([1, 20, 30, 31], 30)
    assert chunk_marks("") == ([], 0)
    text = " ".join(f"w{i}" for i in range(1, 41))
    snippet, offset = marked_window(text, [2, 20, 21], "w", START, STOP, anchor=20)
    assert snippet.startswith(f"w16 w17 w18 w19 {START}w20{STOP} {START}w21{STOP}")
    assert "w2 " not in snippet and offset == text.index("w20")


def test_a_text_marked_elsewhere_is_cut_to_the_same_window():
    # Elasticsearch's highlight: the chunk's whole text, every match marked.
    words = [f"w{i}" for i in range(1, 81)]
    words[9], words[39], words[40] = f"{START}knight{STOP}", f"{START}knight{STOP}", "castle"
    words[41] = f"{START}house{STOP}"
    marked = " ".join(words)
    text = marked.replace(START, "").replace(STOP, "")
    snippet, offset = window_of_marked(marked, START, STOP)
    # The shortest stretch holding both marked words starts at the second "knight".
    assert snippet.startswith(f"w36 w37 w38 w39 {START}knight{STOP} castle {START}house{STOP}")
    assert len(snippet.replace(START, "").replace(STOP, "").split()) == 30
    assert snippet.count(START) == 2  # the first "knight" is outside the window
    assert offset == text.index("knight castle")
    assert window_of_marked("nothing marked here", START, STOP) == ("nothing marked here", None)
    short = f"just {START}one{STOP} word"
    assert window_of_marked(short, START, STOP) == (short, 5)
    assert window_of_marked(f"{START}...{STOP}", START, STOP) == (f"{START}...{STOP}", 0)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["knight", "Castle", "house", "it's", "a", "x1", "on"]), min_size=1),
    st.data(),
)
def test_a_text_marked_elsewhere_gets_the_window_and_moment_of_one_marked_here(said, data):
    # The same marks, given as a vector's positions (PostgreSQL) or inside the text
    # (Elasticsearch's highlight): the same snippet and the same moment.
    text = " ".join(said)
    words = re.findall(r"[A-Za-z0-9]+", text)
    chosen = data.draw(st.sets(st.integers(1, len(words)), min_size=1))
    at: dict[str, list[int]] = {}
    for position in sorted(chosen):
        at.setdefault(words[position - 1].lower(), []).append(position)
    vector = " ".join(f"'{word}':" + ",".join(map(str, ps)) for word, ps in sorted(at.items()))
    positions, anchor = chunk_marks(vector)
    letters = "".join({word[0] for word in at})
    here = marked_window(text, positions, letters, START, STOP, anchor=anchor)
    spans = [m.span() for m in re.finditer(r"[A-Za-z0-9]+", text)]
    marked, last = [], 0
    for position in sorted(chosen):
        begin, end = spans[position - 1]
        marked += (text[last:begin], START, text[begin:end], STOP)
        last = end
    marked.append(text[last:])
    assert window_of_marked("".join(marked), START, STOP) == here
