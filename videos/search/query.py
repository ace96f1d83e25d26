"""The query language people type, parsed once into a structure both engines translate.

    words in any order      python decorators
    "quoted phrases"        "list comprehension"
    exclusion               -java  -"hello world"
    or                      pasta or noodles
    prefix while typing     the last word matches as a prefix: "pyth" finds "python"
    inline filters          channel:name lang:en after:2024-01-01 before:2025 topic:chess
                            playlist:PL... duration:short|medium|long|5-20 source:topic|playlist
                            transcript:manual|auto|has|none

Parsing never fails on the words themselves (anything is searchable); only an inline filter
with an impossible value raises QueryError, which the API turns into a 400.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from videos.search.types import (
    DURATIONS,
    SOURCES,
    TRANSCRIPT_KINDS,
    ResolvedNames,
    SearchFilters,
)

# Letters and digits of any script; everything else separates words, so the parts of a query
# handed to the engines never contain their operators or quotes.
_WORD_RE = re.compile(r"[^\W_]+")
_FILTER_RE = re.compile(r'(?P<key>[A-Za-z]+):(?P<value>"[^"]*"?|\S+)')
_TOKEN_RE = re.compile(r'-?"[^"]*"?|\S+')
LAST_YEAR = 9998
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")
_DURATION_RE = re.compile(r"^(\d{0,4})-(\d{0,4})$")
_LANG_RE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})?$")
FILTER_KEYS = frozenset(
    {"channel", "topic", "playlist", "after", "before", "duration", "lang", "transcript", "source"}
)


class QueryError(ValueError):
    """A query or filter value we cannot honour; the message is shown to the user."""


@dataclass(frozen=True, slots=True)
class Term:
    """One word, or a phrase when it has several words (they must be adjacent, in order)."""

    words: tuple[str, ...]
    prefix: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """All clauses must match; a clause matches when any of its terms does (`or`)."""

    clauses: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()
    filters: SearchFilters = field(default_factory=SearchFilters)
    # The name filters resolved (the selector does it once per search); None: the engine
    # resolves them itself.
    names: ResolvedNames | None = None

    @property
    def has_terms(self) -> bool:
        return bool(self.clauses)

    def plain_text(self) -> str:
        """The positive words, as typed: what typo tolerance compares with titles and names."""
        return " ".join(term.text for clause in self.clauses for term in clause)


def parse_query(raw: str) -> ParsedQuery:
    text = raw.replace("\x00", " ")
    filters, text = _extract_filters(text)
    clauses: list[list[Term]] = []
    excluded: list[Term] = []
    join_next = last_quoted = False
    for token in _TOKEN_RE.findall(text):
        if token.lower() == "or" and clauses:
            join_next = True
            continue
        negated = token.startswith("-") and len(token) > 1
        quoted = token.lstrip("-").startswith('"')
        words = tuple(w.lower() for w in _WORD_RE.findall(token))
        if not words:
            continue
        term = Term(words)
        if negated:
            excluded.append(term)
        elif join_next:
            clauses[-1].append(term)
        else:
            clauses.append([term])
        join_next = False
        if not negated:
            last_quoted = quoted
    if clauses and not last_quoted and text[-1:] and not text[-1].isspace():
        last = clauses[-1][-1]
        clauses[-1][-1] = Term(last.words, prefix=True)
    return ParsedQuery(
        clauses=tuple(tuple(c) for c in clauses), excluded=tuple(excluded), filters=filters
    )


def _extract_filters(text: str) -> tuple[SearchFilters, str]:
    values: dict[str, object] = {}
    kept: list[str] = []
    position = 0
    for match in _FILTER_RE.finditer(text):
        key = match["key"].lower()
        if key not in FILTER_KEYS or (match.start() and not text[match.start() - 1].isspace()):
            continue
        kept.append(text[position : match.start()])
        position = match.end()
        try:
            values.update(filter_value(key, match["value"].strip('"')))
        except QueryError as exc:
            raise QueryError(f"{key}: {exc}") from exc
    kept.append(text[position:])
    return SearchFilters(**values), "".join(kept)


def filter_value(key: str, value: str) -> dict[str, object]:
    """One filter as SearchFilters fields; raises QueryError for values that mean nothing
    (its message does not name the filter: the caller does, once)."""
    value = value.strip()
    if key in ("channel", "topic", "playlist"):
        return {key: value[:200]}
    if key in ("after", "before"):
        return {key: parse_date(value, end=(key == "before"))}
    if key == "lang":
        if not _LANG_RE.match(value):
            raise QueryError(f"expects a language code such as en or pt-BR, not {value!r}")
        return {"language": value.lower()}
    if key == "duration":
        low, high = parse_duration(value)
        return {"min_seconds": low, "max_seconds": high}
    if key == "transcript":
        return {"transcript": _choice(key, value, TRANSCRIPT_KINDS)}
    if key == "source":
        return {"source": _choice(key, value, SOURCES)}
    raise QueryError(f"unknown filter {key}:")


def _choice(key: str, value: str, allowed: tuple[str, ...]) -> str:
    if value.lower() not in allowed:
        raise QueryError(f"expects one of {', '.join(allowed)}, not {value!r}")
    return value.lower()


def parse_date(value: str, *, end: bool = False) -> date:
    """2024, 2024-05 or 2024-05-17; a partial date means its first day (its last for `end`)."""
    match = _DATE_RE.match(value.strip())
    if not match:
        raise QueryError(f"dates are written 2024, 2024-05 or 2024-05-17, not {value!r}")
    year, month, day = int(match[1]), int(match[2] or 0), int(match[3] or 0)
    if year > LAST_YEAR:  # a range ends the day after its last: 9999-12-31 has none
        raise QueryError(f"dates go up to {LAST_YEAR}, not {value!r}")
    try:
        if not month:
            return date(year, 12, 31) if end else date(year, 1, 1)
        if not day:
            if end:
                following = date(year + month // 12, month % 12 + 1, 1)
                return date.fromordinal(following.toordinal() - 1)
            return date(year, month, 1)
        return date(year, month, day)
    except ValueError as exc:
        raise QueryError(f"{value!r} is not a date") from exc


def parse_duration(value: str) -> tuple[int | None, int | None]:
    """short (< 4 min), medium (4-20), long (> 20), or a range in minutes: 5-20, -10, 30-."""
    named = DURATIONS.get(value.lower())
    if named:
        return named
    match = _DURATION_RE.match(value)
    if not match or not (match[1] or match[2]):
        raise QueryError(f"expects short, medium, long or minutes like 5-20, not {value!r}")
    low = int(match[1]) * 60 if match[1] else None
    high = int(match[2]) * 60 if match[2] else None
    if low is not None and high is not None and low > high:
        raise QueryError(f"{value!r} ends before it starts")
    return low, high


def _lexeme(word: str) -> str:
    # _WORD_RE admits no quote or backslash, so quoting cannot be broken out of.
    return f"'{word}'"


def _term_tsquery(term: Term, weight: str = "") -> str:
    parts = [_lexeme(w) + (f":{weight}" if weight else "") for w in term.words]
    if term.prefix:
        parts[-1] = _lexeme(term.words[-1]) + f":*{weight}"
    return parts[0] if len(parts) == 1 else "(" + " <-> ".join(parts) + ")"


def to_tsquery_text(query: ParsedQuery, weight: str = "") -> str:
    """Input for PostgreSQL to_tsquery(config, ...): stemming and stop words are applied there.
    With a `weight` (A-D), every word matches only where the vector gives it that weight."""
    clauses = []
    for clause in query.clauses:
        alternatives = [_term_tsquery(t, weight) for t in clause]
        clauses.append(
            alternatives[0] if len(alternatives) == 1 else f"({' | '.join(alternatives)})"
        )
    return " & ".join(clauses)


def excluded_tsquery_text(query: ParsedQuery) -> str:
    """Any excluded term: a document matching this is left out."""
    return " | ".join(_term_tsquery(t) for t in query.excluded)


def correctable_words(query: ParsedQuery, min_length: int = 4) -> list[str]:
    """Single words (not phrases) long enough for a typo to be told from another word."""
    return sorted(
        {
            term.words[0]
            for clause in query.clauses
            for term in clause
            if not term.is_phrase and len(term.words[0]) >= min_length
        }
    )


def prefix_with_other_words(query: ParsedQuery) -> bool:
    """Must a typed prefix match together with other words: another clause, or the words of
    the phrase it ends? (Then the index can skip through the prefix's lexemes along them.)"""
    return any(
        term.prefix and (len(query.clauses) > 1 or term.is_phrase)
        for clause in query.clauses
        for term in clause
    )


def has_prefix(query: ParsedQuery) -> bool:
    """Does the query end in a typed prefix?"""
    return any(term.prefix for clause in query.clauses for term in clause)


def required_phrases(query: ParsedQuery) -> list[str]:
    """The phrases every match must contain: each alone in its clause (not one of `or`'s
    alternatives) and typed to the end (a prefix's last word is not a whole word yet)."""
    return [
        clause[0].text
        for clause in query.clauses
        if len(clause) == 1 and clause[0].is_phrase and not clause[0].prefix
    ]


def with_alternatives(query: ParsedQuery, corrections: dict[str, list[str]]) -> ParsedQuery:
    """The query with each corrected word also matching its corrections (`word or fix`)."""
    clauses = []
    for clause in query.clauses:
        terms = list(clause)
        for term in clause:
            if not term.is_phrase:
                terms += [Term((fix,)) for fix in corrections.get(term.words[0], ())]
        clauses.append(tuple(dict.fromkeys(terms)))
    return replace(query, clauses=tuple(clauses))
