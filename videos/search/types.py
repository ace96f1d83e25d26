"""Result and request types shared by both engines, the selector, the API and the pages."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

SORTS = ("relevance", "date")
DURATIONS = {"short": (0, 4 * 60), "medium": (4 * 60, 20 * 60), "long": (20 * 60, None)}
TRANSCRIPT_KINDS = ("manual", "auto", "has", "none")
SOURCES = ("topic", "playlist")
MAX_QUERY_LENGTH = 500
MAX_PAGE_SIZE = 100
MOMENTS_PER_HIT = 3
MAX_MORE_MOMENTS = 50


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Filters from form fields/API parameters or inline in the query; empty means any."""

    channel: str = ""
    topic: str = ""
    playlist: str = ""
    after: date | None = None
    before: date | None = None
    min_seconds: int | None = None
    max_seconds: int | None = None
    language: str = ""
    transcript: str = ""
    source: str = ""

    def merged(self, override: SearchFilters) -> SearchFilters:
        """These filters with every value set in `override` taking precedence."""
        changes = {
            name: getattr(override, name)
            for name in self.__slots__
            if getattr(override, name) not in ("", None)
        }
        if "min_seconds" in changes or "max_seconds" in changes:
            # A duration is one filter: its two ends come from the same place.
            changes.update(min_seconds=override.min_seconds, max_seconds=override.max_seconds)
        return replace(self, **changes)

    def is_empty(self) -> bool:
        return all(getattr(self, name) in ("", None) for name in self.__slots__)

    def as_key(self) -> dict[str, Any]:
        return {name: str(getattr(self, name) or "") for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class Moment:
    """A transcript chunk that matches: where it starts and its highlighted snippet (safe HTML)."""

    start: float
    url: str
    snippet_html: str

    def __reduce__(self):
        # The search cache pickles pages: a constructor call is ~2.5x faster both ways than
        # a slotted dataclass's __getstate__/__setstate__.
        return (Moment, (self.start, self.url, self.snippet_html))

    @property
    def seconds(self) -> int:
        return int(self.start)

    @property
    def timestamp(self) -> str:
        return format_timestamp(self.start)


@dataclass(frozen=True, slots=True)
class RawHit:
    """What an engine returns per video, before the video row is loaded: cacheable."""

    video_id: int
    score: float
    moments: tuple[Moment, ...] = ()
    # The title with the query's words marked (safe HTML), "" when it has none of them; and a
    # short excerpt of the description around them when the description matches the query.
    title_html: str = ""
    description_html: str = ""
    # The tags that say the query's words, marked, when nothing above says why it was found.
    tags_html: str = ""

    def __reduce__(self):
        fields = (self.video_id, self.score, self.moments, self.title_html, self.description_html)
        return (RawHit, (*fields, self.tags_html))


@dataclass(frozen=True, slots=True)
class RawPage:
    hits: tuple[RawHit, ...]
    total: int
    total_exact: bool
    has_next: bool
    # Typo tolerance: each misspelt word and the words it also matched ((word, (fix, ...)), ...).
    corrections: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def __reduce__(self):
        fields = (self.hits, self.total, self.total_exact, self.has_next, self.corrections)
        return (RawPage, fields)


@dataclass(frozen=True, slots=True)
class ResolvedNames:
    """What a search's name filters mean, looked up once (videos.search.filters.resolve_names)
    and read by the engine and the page alike: the channels as (id, youtube_id, title), the
    closest first, and whether they are only the closest names; the topics' and playlists'
    ids. A filter given that matches nothing leaves its tuple empty."""

    channels: tuple[tuple[int, str, str], ...] = ()
    channels_closest: bool = False
    topic_ids: tuple[int, ...] = ()
    playlist_ids: tuple[int, ...] = ()

    @property
    def channel_ids(self) -> tuple[int, ...]:
        return tuple(pk for pk, _youtube_id, _title in self.channels)


@dataclass
class SearchHit:
    video: Any  # videos.models.Video
    score: float
    moments: list[Moment] = field(default_factory=list)
    title_html: str = ""  # RawHit's: "" when the title has none of the query's words
    description_html: str = ""
    tags_html: str = ""


@dataclass(frozen=True)
class ChannelFilter:
    """What a channel filter was taken to mean: the channels (as (youtube_id, title), at most
    MAX_SHOWN_CHANNELS of `count`), and whether they are only the names closest to what was
    typed (no channel has that name or a name containing it)."""

    typed: str
    channels: tuple[tuple[str, str], ...]
    count: int
    closest: bool


MAX_SHOWN_CHANNELS = 10


@dataclass
class SearchPage:
    hits: list[SearchHit]
    total: int
    total_exact: bool
    page: int
    page_size: int
    has_next: bool
    sort: str
    cached: bool = False
    channel_filter: ChannelFilter | None = None
    # Misspelt words and the title and channel-name words they also matched (RawPage's).
    corrections: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # The topic and playlist filters that name nothing, as (filter, what was typed): the page
    # and the API say so, instead of an empty result that looks like "nothing is said".
    unknown_names: tuple[tuple[str, str], ...] = ()

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def last_page(self) -> int:
        """The last page with results (as far as `total` knows: more when it is a lower bound)."""
        return max(1, -(-self.total // self.page_size))

    @property
    def past_the_end(self) -> bool:
        """An empty page after the results (a hand-edited or outdated page number)."""
        return not self.hits and self.page > 1 and self.total > 0


def format_timestamp(seconds: float) -> str:
    """1:02:03 or 2:03, as YouTube shows times."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def moment_url(youtube_id: str, start: float) -> str:
    return f"https://www.youtube.com/watch?v={youtube_id}&t={int(start)}s"
