"""A video's transcript as a file to download: its caption lines as text, SRT or WebVTT.

Pure functions over the stored chunks (videos.models.TranscriptChunk); the selector
`transcript_file_get` reads the chunks and the views send what these build.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate, pairwise
from typing import Protocol

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from videos.search.types import format_timestamp

# A title's UTF-8 bytes kept in a file name: with " [id].ext" the name stays under the 255
# bytes most file systems allow, whatever the script (a CJK title is 3 bytes a character).
MAX_TITLE_BYTES = 180
# What Windows, macOS or Linux refuse in a file name, or what would read as a path.
_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|]')


class ChunkLike(Protocol):
    start: float
    duration: float
    text: str
    segment_starts: Sequence[float]
    segment_offsets: Sequence[int]


@dataclass(frozen=True, slots=True)
class Line:
    """One caption line, and the second it is said."""

    start: float
    text: str


@dataclass(frozen=True, slots=True)
class Cue:
    """A caption line with the time it is shown, in whole milliseconds."""

    start_ms: int
    end_ms: int
    text: str


def chunk_lines(chunk: ChunkLike) -> list[Line]:
    """The chunk's caption lines, cut at `segment_offsets`, each at its `segment_starts`.

    A chunk whose offsets do not describe its text (none, as chunks stored before lines were
    kept; or edited by hand in the admin) is one line at the chunk's start.
    """
    text, starts, offsets = chunk.text, chunk.segment_starts, chunk.segment_offsets
    if not _offsets_fit(text, starts, offsets):
        return _non_empty([Line(chunk.start, text)])
    ends = [*offsets[1:], len(text)]
    # The first line takes anything before its offset, so no word of the chunk is lost.
    bounds = zip([0, *offsets[1:]], ends, strict=True)
    return _non_empty([Line(s, text[a:b]) for s, (a, b) in zip(starts, bounds, strict=True)])


def _offsets_fit(text: str, starts: Sequence[float], offsets: Sequence[int]) -> bool:
    return (
        bool(offsets)
        and len(starts) == len(offsets)
        and all(a <= b for a, b in pairwise(offsets))
        and offsets[-1] <= len(text)
    )


def _non_empty(lines: list[Line]) -> list[Line]:
    # One line a line in every format: a caption line never holds a line break of its own.
    cleaned = (Line(line.start, " ".join(line.text.split())) for line in lines)
    return [line for line in cleaned if line.text]


def transcript_cues(chunks: Sequence[ChunkLike]) -> list[Cue]:
    """Every caption line of the chunks (in position order) with its start and end.

    A line ends where the next one starts. The last line of a chunk ends where the chunk ends
    (start + duration: when its last caption stops), or where the next chunk's first line
    starts if that is sooner, so a line is not shown through the silence after it, and never
    over the next one. Starts never go back (a line out of order starts with the line before
    it: WebVTT requires cues in start order, and the text keeps YouTube's order), and an end is
    never before its start.
    """
    timed: list[tuple[int, str, int | None]] = []  # (start, text, its chunk's end if last)
    for chunk in chunks:
        lines = chunk_lines(chunk)
        chunk_end = _ms(chunk.start + chunk.duration)
        timed += [
            (_ms(line.start), line.text, chunk_end if i == len(lines) - 1 else None)
            for i, line in enumerate(lines)
        ]
    # Each start at least the one before it (and 0): a running maximum.
    starts = list(accumulate((start for start, _text, _end in timed), max, initial=0))[1:]
    cues = []
    for i, (start, (_said, text, chunk_end)) in enumerate(zip(starts, timed, strict=True)):
        after = starts[i + 1] if i + 1 < len(starts) else chunk_end
        end = after if chunk_end is None else min(chunk_end, after)
        cues.append(Cue(start, max(end, start), text))
    return cues


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000)) if math.isfinite(seconds) else 0


def _clock(ms: int, separator: str) -> str:
    """3_723_500 -> 01:02:03,500 (SRT) or 01:02:03.500 (WebVTT)."""
    seconds, ms = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{ms:03d}"


def as_txt(cues: Sequence[Cue]) -> str:
    """One caption line a line, after its timestamp as the video's page shows it:
    "[1:02] and then we add the garlic".

    Timestamped rather than plain because finding the moment something is said is what this
    index is for: a line quoted from the file says where to jump to in the video, as the page
    does, and timing cannot be recovered from plain text, while the prefix is easy to strip
    (SRT and WebVTT are there for players and subtitle editors).
    """
    return "".join(f"[{format_timestamp(c.start_ms / 1000)}] {c.text}\n" for c in cues)


def as_srt(cues: Sequence[Cue]) -> str:
    """SubRip: a cue's number, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, its text, a blank line."""
    return "".join(
        f"{n}\n{_clock(c.start_ms, ',')} --> {_clock(c.end_ms, ',')}\n{c.text}\n\n"
        for n, c in enumerate(cues, start=1)
    )


def as_vtt(cues: Sequence[Cue]) -> str:
    """WebVTT: the `WEBVTT` header, then `HH:MM:SS.mmm --> HH:MM:SS.mmm` and the text per cue.
    The text is escaped (&, <, >): WebVTT reads markup in cue text, and "-->" ends a cue."""
    body = "".join(
        f"{_clock(c.start_ms, '.')} --> {_clock(c.end_ms, '.')}\n"
        f"{html.escape(c.text, quote=False)}\n\n"
        for c in cues
    )
    return f"WEBVTT\n\n{body}"


@dataclass(frozen=True, slots=True)
class Format:
    content_type: str
    render: Callable[[Sequence[Cue]], str]


FORMATS: dict[str, Format] = {
    "txt": Format("text/plain; charset=utf-8", as_txt),
    "srt": Format("application/x-subrip; charset=utf-8", as_srt),
    "vtt": Format("text/vtt; charset=utf-8", as_vtt),
}


def transcript_filename(*, title: str, youtube_id: str, ext: str) -> str:
    """`<title> [<youtube_id>].<ext>`, as yt-dlp names its files; the title without what file
    systems refuse, control and invisible characters (a right-to-left override would disguise
    the extension), or leading dots; the id alone stands for a title with nothing left."""
    kept = "".join(map(_filename_char, _UNSAFE_IN_FILENAME.sub(" ", title)))
    name = " ".join(kept.split()).lstrip(". ")
    name = name.encode()[:MAX_TITLE_BYTES].decode("utf-8", "ignore").rstrip()
    return f"{name or youtube_id} [{youtube_id}].{ext}"


def _filename_char(ch: str) -> str:
    category = unicodedata.category(ch)
    if category == "Cc":  # tabs, line breaks
        return " "
    return "" if category.startswith("C") else ch


@dataclass(frozen=True, slots=True)
class TranscriptFile:
    body: str
    content_type: str
    filename: str


def transcript_response(file: TranscriptFile) -> HttpResponse:
    response = HttpResponse(file.body, content_type=file.content_type)
    response["Content-Disposition"] = content_disposition_header(True, file.filename)
    return response
