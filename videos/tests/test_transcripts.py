"""A transcript's chunks as caption lines, cues and files (pure functions, no database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from videos.services import Segment, chunk_segments
from videos.transcripts import (
    Cue,
    Line,
    as_srt,
    as_txt,
    as_vtt,
    chunk_lines,
    transcript_cues,
    transcript_filename,
)


@dataclass
class Chunk:
    start: float
    duration: float
    text: str
    segment_starts: list[float] = field(default_factory=list)
    segment_offsets: list[int] = field(default_factory=list)


def test_a_chunk_is_cut_into_its_caption_lines_at_their_offsets():
    [chunk] = chunk_segments([Segment(0.0, 4.0, "hello  there"), Segment(4.5, 3.0, "general")])
    assert chunk_lines(chunk) == [Line(0.0, "hello there"), Line(4.5, "general")]


def test_a_chunk_without_line_offsets_is_one_line_at_its_start():
    assert chunk_lines(Chunk(30.0, 12.0, "said before lines were kept")) == [
        Line(30.0, "said before lines were kept")
    ]


def test_offsets_that_do_not_fit_the_text_make_one_line_not_lost_words():
    # As a chunk edited in the admin may have them: out of order, past the end, one missing.
    for starts, offsets in (([0.0, 2.0], [5, 1]), ([0.0, 2.0], [0, 99]), ([0.0, 2.0], [0])):
        chunk = Chunk(0.0, 4.0, "one two\nthree", starts, offsets)
        assert chunk_lines(chunk) == [Line(0.0, "one two three")]


def test_text_before_the_first_offset_stays_in_the_first_line():
    chunk = Chunk(0.0, 4.0, "so hello there", [1.0, 2.0], [3, 9])
    assert chunk_lines(chunk) == [Line(1.0, "so hello"), Line(2.0, "there")]


def test_a_line_ends_where_the_next_starts_and_a_chunks_last_where_the_chunk_ends():
    chunks = [
        Chunk(0.0, 14.0, "a b c", [0.0, 3.25, 10.0], [0, 2, 4]),
        Chunk(31.0, 4.0, "d", [31.0], [0]),
    ]
    assert transcript_cues(chunks) == [
        Cue(0, 3250, "a"),
        Cue(3250, 10000, "b"),
        Cue(10000, 14000, "c"),  # not through the silence until 31 s
        Cue(31000, 35000, "d"),
    ]


def test_a_chunks_last_line_ends_at_the_next_chunks_first_if_that_is_sooner():
    chunks = [Chunk(0.0, 33.0, "a", [0.0], [0]), Chunk(30.0, 4.0, "b", [30.0], [0])]
    assert transcript_cues(chunks) == [Cue(0, 30000, "a"), Cue(30000, 34000, "b")]


def test_a_line_out_of_order_starts_with_the_one_before_and_no_end_is_before_its_start():
    chunks = [Chunk(2.0, 0.0, "late early", [2.0, 1.5], [0, 5])]
    assert transcript_cues(chunks) == [Cue(2000, 2000, "late"), Cue(2000, 2000, "early")]


def test_times_before_zero_or_not_finite_are_zero():
    chunks = [Chunk(float("nan"), -3.0, "x", [-1.0], [0])]
    assert transcript_cues(chunks) == [Cue(0, 0, "x")]


def test_srt_numbers_each_cue_with_hours_and_milliseconds():
    cues = [Cue(0, 1500, "hi"), Cue(3_723_456, 360_000_000, "late")]
    assert as_srt(cues) == (
        "1\n00:00:00,000 --> 00:00:01,500\nhi\n\n2\n01:02:03,456 --> 100:00:00,000\nlate\n\n"
    )


def test_vtt_has_its_header_and_escapes_what_it_would_read_as_markup():
    cues = [Cue(61_000, 62_005, "a <b> & c --> d")]
    assert as_vtt(cues) == (
        "WEBVTT\n\n00:01:01.000 --> 00:01:02.005\na &lt;b&gt; &amp; c --&gt; d\n\n"
    )


def test_txt_prefixes_each_line_with_its_timestamp_as_the_page_shows_it():
    cues = [Cue(62_900, 64_000, "and then"), Cue(3_723_000, 3_724_000, "the end")]
    assert as_txt(cues) == "[1:02] and then\n[1:02:03] the end\n"


def test_a_filename_is_the_title_and_the_id():
    assert (
        transcript_filename(title="Café: «niño» / 東京?", youtube_id="abc123", ext="srt")
        == "Café «niño» 東京 [abc123].srt"
    )


def test_a_filename_drops_what_file_systems_and_headers_refuse():
    title = '..\\evil\r\n"name"\x00*|<>\u202egpj.exe\t'
    assert transcript_filename(title=title, youtube_id="x1", ext="txt") == (
        "evil name gpj.exe [x1].txt"
    )


def test_a_title_with_nothing_usable_left_is_the_id():
    assert transcript_filename(title=" ?? ", youtube_id="x1", ext="vtt") == "x1 [x1].vtt"


def test_a_long_title_is_cut_to_whole_characters_within_the_byte_limit():
    name = transcript_filename(title="東" * 200, youtube_id="x1", ext="vtt")
    assert name == "東" * 60 + " [x1].vtt"
    assert len(name.encode()) < 255


_texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
_lines = st.lists(st.tuples(st.floats(-5, 1e5), _texts), min_size=1, max_size=6)


@st.composite
def _chunks(draw) -> list[Chunk]:
    chunks = []
    for lines in draw(st.lists(_lines, max_size=5)):
        texts = [text for _start, text in lines]
        offsets = [sum(len(t) + 1 for t in texts[:i]) for i in range(len(texts))]
        starts = [start for start, _text in lines]
        chunks.append(Chunk(starts[0], draw(st.floats(-5, 1e5)), " ".join(texts), starts, offsets))
    return chunks


@given(_chunks())
def test_cues_keep_every_word_in_order_in_time_order_never_overlapping(chunks):
    cues = transcript_cues(chunks)
    assert " ".join(c.text for c in cues).split() == " ".join(c.text for c in chunks).split()
    for cue, after in pairwise(cues):
        assert cue.start_ms <= cue.end_ms <= after.start_ms
    assert all(0 <= c.start_ms <= c.end_ms for c in cues)
    assert all("\n" not in c.text and c.text for c in cues)
