"""A result's title and description with the query's words marked, the same for both engines.

A video found by its title or description (all a topic's videos are, until a playlist brings
their transcripts) has no moment to show why it was found: its title shows the words marked,
and an excerpt of its description around them when the description matches the query. A
video with moments shows those instead of an excerpt: they say where in the video the words
are, and the page stays one snippet per reason.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

ELLIPSIS = "…"


def marked_html(marked: str, start_sel: str, stop_sel: str) -> str:
    """Escape the text, then turn the engine's markers into <mark>."""
    return html.escape(marked).replace(start_sel, "<mark>").replace(stop_sel, "</mark>")


def marked_metadata(
    marked_title: str | None,
    description: str | None,
    excerpt: str | None,
    start_sel: str,
    stop_sel: str,
    *,
    tags: Sequence[str] = (),
) -> tuple[str, str, str]:
    """(title_html, description_html, tags_html) of RawHit from an engine's marked title (the
    whole title), marked `excerpt` of `description` and marked `tags`: "" for a title without
    a marked word and for no excerpt or one without a marked word. The excerpt gets an
    ellipsis on each side where it cuts the description. tags_html lists the tags that have
    a marked word, comma-separated (those without one say nothing of why it was found)."""
    title_html = ""
    if marked_title and start_sel in marked_title:
        title_html = marked_html(marked_title, start_sel, stop_sel)
    tags_html = ", ".join(
        marked_html(t.strip(), start_sel, stop_sel) for t in tags if start_sel in t
    )
    if not excerpt or start_sel not in excerpt:
        return title_html, "", tags_html
    plain = excerpt.replace(start_sel, "").replace(stop_sel, "").strip()
    text = (description or "").strip()
    at = text.find(plain)
    before = after = ELLIPSIS
    if at >= 0:
        # What the excerpt leaves out on each side, shown as is when it holds no word (the
        # "!" after the last one): an ellipsis there would say something was cut.
        before, after = _cut(text[:at]), _cut(text[at + len(plain) :])
    body = " ".join(marked_html(excerpt, start_sel, stop_sel).split())
    return title_html, f"{before}{body}{after}", tags_html


def _cut(left_out: str) -> str:
    return html.escape(left_out) if not any(c.isalnum() for c in left_out) else ELLIPSIS
