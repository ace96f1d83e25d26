"""Place a match at the second it is said, not at the start of its ~30 s chunk; mark it.

A snippet is marked here, in Python, from the positions PostgreSQL stored in the chunk's vector
(`marked_window`), not by ts_headline(), which parses and stems the chunk's whole text again:
31 µs a snippet, 1.9 ms of a common word's 60, against ~1 µs for reading the positions and
~6.5 µs for marking them here (docs/BENCHMARKS.md, ninth pass). PostgreSQL's parser gives
every token but blanks a position, stop words included; in plain text (see NOT_PLAIN_TEXT:
ASCII letters, digits, simple punctuation, no hyphenated words, decimals, hosts, tags or
entities, which it parses as compound tokens) a token is exactly a run of letters and digits,
so the n-th run is position n. Texts that are not plain keep ts_headline().

Which words, and where the moment starts (`chunk_marks`): a phrase's words only where the
phrase is said, as Elasticsearch's highlighter marks a phrase (ts_headline marks every
occurrence), and the moment at the shortest stretch holding every marked word, as ts_headline
picks its fragment, not at an earlier stray word. `window_of_marked` cuts a text marked
elsewhere (Elasticsearch's highlight) to the same window.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator, Sequence

CONTEXT_WORDS = 3
# Plain text, as PostgreSQL's regular expressions read it (moments statement) and Python's:
# a text matching this is NOT plain. Kept to one syntax both engines read alike (\uXXXX is a
# character in both). Typographic quotes, dashes and the ellipsis (\u2018 \u2019 \u201c \u201d
# \u2013 \u2014 \u2026, common in manual captions) are blanks to PostgreSQL's parser, as
# spaces are: "rock\u2019n\u2019roll" is three words to it, "a\u2013b" two.
NOT_PLAIN_TEXT = (
    r"[^A-Za-z0-9 ,.!?;:'\"()\[\]\u2018\u2019\u201c\u201d\u2013\u2014\u2026-]"
    r"|[A-Za-z0-9][-.:][A-Za-z0-9]"
)
WINDOW_WORDS = 30  # as ts_headline's MaxWords
WORDS_BEFORE = 4  # words shown before the first match
_POSITIONS = re.compile(r"[:,]([0-9]+)")  # in a tsvector's text form: 'peopl':12A,40A
# A lexeme as tsquery and tsvector text forms quote it ('it''s'), the lexeme in group 1.
QUOTED_LEXEME = r"'((?:[^']|'')*)'"
_QUOTED = re.compile(QUOTED_LEXEME)
# In a tsquery's text form: a phrase is lexemes joined by <-> or <N> ('knight' <-> 'castl').
_PHRASE = re.compile(rf"{QUOTED_LEXEME}(?:\s*<(?:[0-9]+|-)>\s*{QUOTED_LEXEME})+")
_PHRASE_PART = re.compile(rf"{QUOTED_LEXEME}|<([0-9]+|-)>")
_LEXEME_POSITIONS = re.compile(rf"{QUOTED_LEXEME}:([0-9A-D,]+)")


def match_offset(text: str, headline: str, start_sel: str, stop_sel: str) -> int | None:
    """Character offset in `text` of the first highlighted word of `headline`, or None.

    ts_headline copies the original text between the markers, so the first marked word, with
    the few words before it for context, is a substring of the chunk's text.
    """
    begin = headline.find(start_sel)
    end = headline.find(stop_sel, begin + 1)
    if begin < 0 or end < 0:
        return None
    word = headline[begin + len(start_sel) : end]
    before = headline[:begin].replace(start_sel, "").replace(stop_sel, "")
    context = " ".join(before.split()[-CONTEXT_WORDS:])
    if context:
        found = text.find(f"{context} {word}")
        if found >= 0:
            return found + len(context) + 1
    found = text.find(word)
    if found < 0:
        found = text.lower().find(word.lower())
    return found if found >= 0 else None


def moment_start(
    chunk_start: float,
    offset: int | None,
    segment_starts: Sequence[float] | None,
    segment_offsets: Sequence[int] | None,
) -> float:
    """The start of the caption line holding character `offset`; the chunk's start otherwise."""
    if offset is None or not segment_starts or not segment_offsets:
        return chunk_start
    index = bisect.bisect_right(segment_offsets, offset) - 1
    return segment_starts[max(index, 0)]


@functools.lru_cache(maxsize=256)
def _words(least: int, most: int) -> re.Pattern[str]:
    """`least` to `most` more words (whole runs of letters and digits) and what is between."""
    return re.compile(rf"(?:[^A-Za-z0-9]*[A-Za-z0-9]+(?![A-Za-z0-9])){{{least},{most}}}")


_NEXT_WORD = re.compile(r"[^A-Za-z0-9]*([A-Za-z0-9]+)")


def _word(text: str, n: int, at: int, done: int) -> tuple[int, int] | None:
    """(start, end) of word n of `text`, looking from `at`, the end of word `done` (< n); None
    when the text has fewer words. A regular expression skips the words between, so no word
    becomes a Python object (splitting the text into words cost 4-7 µs a snippet)."""
    if n - 1 > done:
        skipped = _words(n - 1 - done, n - 1 - done).match(text, at)
        if skipped is None:
            return None
        at = skipped.end()
    word = _NEXT_WORD.match(text, at)
    return None if word is None else word.span(1)


def _marked_words(
    text: str, positions: Sequence[int], first_letters: str, at: int, done: int, end: int
) -> Iterator[tuple[int, int, int] | None]:
    """(position, start, stop) of each word at `positions` (ascending; a repeat once, none
    past `end`), read from `at`, the end of word `done`; then None and no more if one does not
    fit the text (a word past its end, or one whose first letter is none of the query's
    lexemes' `first_letters`)."""
    for position in positions:
        if position > end:
            return
        if position <= done:
            continue  # the same word twice
        found = _word(text, position, at, done)
        if found is None or text[found[0]].lower() not in first_letters:
            yield None
            return
        at, done = found[1], position
        yield position, *found


def marked_window(
    text: str,
    positions: Sequence[int],
    first_letters: str,
    start_sel: str,
    stop_sel: str,
    *,
    anchor: int | None = None,
    words: int = WINDOW_WORDS,
    before: int = WORDS_BEFORE,
) -> tuple[str, int] | None:
    """The snippet of plain `text` around the match at position `anchor` (default: the first),
    the words at `positions` (1-based, ascending, from the chunk's vector) between the markers,
    and the character offset of the anchor's word; None when the positions do not fit the text
    (_marked_words), which ts_headline() then marks instead. The window is `words` long, from
    `before` words before the anchor."""
    if not positions:
        return None
    anchor = positions[0] if anchor is None else anchor
    begin = max(1, anchor - before)
    end = begin + words - 1
    positions = positions[bisect.bisect_left(positions, begin) :]
    found = _word(text, begin, 0, 0)
    if found is None:
        return None
    window_start = found[0]
    # From the start of word `begin`, as if word begin - 1 ended there.
    at, done = window_start, begin - 1
    pieces: list[str] = []
    last, offset = window_start, -1
    for word in _marked_words(text, positions, first_letters, at, done, end):
        if word is None:
            return None
        done, start, at = word
        pieces += (text[last:start], start_sel, text[start:at], stop_sel)
        last = at
        if offset < 0 and done >= anchor:
            offset = start
    rest = _words(0, end - done).match(text, at)
    pieces.append(text[last : rest.end() if rest else at])
    return "".join(pieces), offset


def marked_text(
    text: str, positions: Sequence[int], first_letters: str, start_sel: str, stop_sel: str
) -> str | None:
    """All of plain `text` (a title) with the words at `positions` (1-based, ascending)
    between the markers; None when the positions do not fit it, as marked_window()."""
    pieces: list[str] = []
    last = 0
    for word in _marked_words(text, positions, first_letters, 0, 0, len(text)):
        if word is None:
            return None
        _position, start, stop = word
        pieces += (text[last:start], start_sel, text[start:stop], stop_sel)
        last = stop
    pieces.append(text[last:])
    return "".join(pieces)


def vector_positions(vector_text: str) -> list[int]:
    """The positions in a tsvector's text form ('peopl':12A,40A 'know':3A), ascending. Plain
    text's lexemes are letters and digits only, so a colon or comma starts a position."""
    return sorted(map(int, _POSITIONS.findall(vector_text)))


Phrase = tuple[tuple[str, int], ...]  # (lexeme, distance from the phrase's first word)


@functools.lru_cache(maxsize=256)
def query_phrases(tsquery_text: str) -> tuple[tuple[Phrase, ...], frozenset[str]]:
    """The phrases of a tsquery in its text form (`'knight' <-> 'castl' <2> 'hous' & 'big'`:
    a stop word left the gap of 2), and the lexemes that also stand alone in it ('big').
    A phrase among alternatives in parentheses is not read as one: its words then count as
    standing alone, so they are marked wherever they are, as before."""
    phrases = []
    for found in _PHRASE.finditer(tsquery_text):
        distance, words = 0, []
        for lexeme, gap in _PHRASE_PART.findall(found[0]):
            if gap:
                distance += 1 if gap == "-" else int(gap)
            else:
                words.append((_unquoted(lexeme), distance))
        phrases.append(tuple(words))
    rest = _PHRASE.sub(" ", tsquery_text)
    alone = frozenset(map(_unquoted, _QUOTED.findall(rest)))
    return tuple(phrases), alone


def _unquoted(lexeme: str) -> str:
    return lexeme.replace("''", "'")


def chunk_marks(
    vector_text: str, phrases: Sequence[Phrase] = (), alone: frozenset[str] = frozenset()
) -> tuple[list[int], int]:
    """The positions to mark in a chunk's matched vector (`'castl':2A,7A 'hous':8A`) and the
    one its moment starts at.

    Marked: a phrase's words only where the whole phrase is said, every other lexeme's
    everywhere (all of them when no phrase is said whole: the chunk matched otherwise). The
    anchor is where the shortest stretch holding every marked lexeme begins, as ts_headline
    picks its fragment by cover: "knight castle house" starts where the three are said
    together, not at a lone "castle" before them.
    """
    if not phrases and vector_text.count("':") == 1:  # one word (most snippets): no cover
        positions = vector_positions(vector_text)
        return positions, positions[0]
    at = {
        _unquoted(lexeme): {int(p) for p in re.findall(r"[0-9]+", positions)}
        for lexeme, positions in _LEXEME_POSITIONS.findall(vector_text)
    }
    if not at:
        return [], 0
    if phrases:
        in_phrases = {lexeme for phrase in phrases for lexeme, _ in phrase} - alone
        kept = {lexeme: found for lexeme, found in at.items() if lexeme not in in_phrases}
        for phrase in phrases:
            for start in at.get(phrase[0][0], ()):
                if all(start + distance in at.get(lexeme, ()) for lexeme, distance in phrase):
                    for lexeme, distance in phrase:
                        kept.setdefault(lexeme, set()).add(start + distance)
        at = kept or at
    return sorted({p for found in at.values() for p in found}), _cover_start(at)


def _cover_start(at: dict[str, set[int]]) -> int:
    """Where the shortest stretch holding a position of every lexeme of `at` begins (the
    earliest such stretch)."""
    marks = sorted((p, lexeme) for lexeme, found in at.items() for p in found)
    if len(at) == 1:
        return marks[0][0]
    held: dict[str, int] = {}
    best = (marks[-1][0] - marks[0][0], marks[0][0])
    left = 0
    for position, lexeme in marks:
        held[lexeme] = held.get(lexeme, 0) + 1
        while len(held) == len(at):
            first, first_lexeme = marks[left]
            best = min(best, (position - first, first))
            held[first_lexeme] -= 1
            if not held[first_lexeme]:
                del held[first_lexeme]
            left += 1
    return best[1]


_ANY_WORD = re.compile(r"[^\W_]+")


def window_of_marked(
    marked: str,
    start_sel: str,
    stop_sel: str,
    *,
    words: int = WINDOW_WORDS,
    before: int = WORDS_BEFORE,
) -> tuple[str, int | None]:
    """A whole text with its matches already marked (Elasticsearch's highlight of a chunk) cut
    to the window marked_window() shows: `words` words from `before` words before the
    shortest stretch holding every marked word; with the character offset, in the unmarked
    text, of that stretch's first mark. Without a mark: the text as it is, and None."""
    pieces = marked.split(start_sel)
    text_parts, spans, at = [pieces[0]], [], len(pieces[0])
    for piece in pieces[1:]:
        word, _, rest = piece.partition(stop_sel)
        spans.append((at, at + len(word)))
        text_parts += (word, rest)
        at += len(word) + len(rest)
    if not spans:
        return marked, None
    text = "".join(text_parts)
    word_spans = [m.span() for m in _ANY_WORD.finditer(text)]
    if not word_spans:  # only punctuation marked: nothing to count words by
        return marked, spans[0][0]
    starts = [begin for begin, _ in word_spans]
    index_of = [max(bisect.bisect_right(starts, begin) - 1, 0) for begin, _ in spans]
    at_words: dict[str, set[int]] = {}
    for (begin, end), index in zip(spans, index_of, strict=True):
        at_words.setdefault(text[begin:end].lower(), set()).add(index)
    anchor = _cover_start(at_words)
    first = max(0, anchor - before)
    last = min(len(word_spans), first + words) - 1
    window_start, window_end = word_spans[first][0], word_spans[last][1]
    out, cursor = [], window_start
    for begin, end in spans:
        if begin < window_start or end > window_end:
            continue
        out += (text[cursor:begin], start_sel, text[begin:end], stop_sel)
        cursor = end
    out.append(text[cursor:window_end])
    offset = spans[index_of.index(anchor)][0]
    return "".join(out), offset
