"""Place a match at the second it is said, not at the start of its ~30 s chunk."""

from __future__ import annotations

import bisect
from collections.abc import Sequence

CONTEXT_WORDS = 3


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
