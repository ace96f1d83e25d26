"""A match lands at the second its caption line starts, not at the start of its chunk."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from videos.search.moments import match_offset, moment_start
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
