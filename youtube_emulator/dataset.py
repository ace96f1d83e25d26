"""The generated YouTube world: channels, videos, transcripts, demo accounts and playlists.

Everything derives from `DatasetConfig` (seed and sizes), so two processes with the same config
see the same world. Nothing large is materialised: a video is computed from its index when it is
asked for (and kept in a small LRU cache), transcripts are generated per request, and the search
index is built on the first search. `iter_videos()` / `iter_segments()` stream, so the search
benchmark can draw 100,000 videos and millions of segments from the same generator.

Index spaces: catalog videos are 0 .. n_videos-1 (published between catalog_start and
catalog_end, publish time increasing with the index); "live" uploads are LIVE_BASE + k, the k-th
published `upload_interval_s` * (k + 1) after `live_start`; videos added through the control API
are ADDED_BASE + k.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import math
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from youtube_emulator import vocab
from youtube_emulator.config import DatasetConfig
from youtube_emulator.ids import VideoIdCodec, hashed_id

LIVE_BASE = 1 << 32
ADDED_BASE = 1 << 33
MAX_LIVE = 10_000_000
_M64 = (1 << 64) - 1
_TOKEN_RE = re.compile(r"[a-z0-9]+")
# "a" before a word said with a vowel first (the vocabulary's: "advanced", "honest", "ultimate").
_AN_BEFORE = re.compile(r"\ba (?=[aeiou]|hon|hour)")

# Transcript modes: which caption tracks a video has.
FULL = "full"  # manual en + asr en + a manual second language, all translatable
ASR_ONLY = "asr_only"  # only the auto-generated English track
NON_ENGLISH = "non_english"  # manual + asr in one non-English language
DISABLED = "disabled"  # captions turned off: the player response has no "captions"
AGE_RESTRICTED = "age_restricted"  # player answers LOGIN_REQUIRED
TRANSCRIPT_MODES = (FULL, ASR_ONLY, NON_ENGLISH, DISABLED, AGE_RESTRICTED)
# Video availability.
PUBLIC, PRIVATE, DELETED = "public", "private", "deleted"


def _splitmix(value: int) -> int:
    value = (value + 0x9E3779B97F4A7C15) & _M64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _M64
    return value ^ (value >> 31)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def tokenize(text: str) -> list[str]:
    return _TOKEN_RE.findall(text.lower())


class Segment(NamedTuple):
    start: float
    duration: float
    text: str


class Track(NamedTuple):
    language: str
    kind: str  # "manual" or "asr"
    translatable: bool

    @property
    def name(self) -> str:
        base = vocab.LANGUAGE_NAMES[self.language]
        return f"{base} (auto-generated)" if self.kind == "asr" else base


class Signature(NamedTuple):
    """A phrase said once in the video's transcripts (all tracks), unique to the video."""

    phrase: str
    codeword: str
    start: float
    segment_index: int


@dataclass(frozen=True, slots=True)
class Channel:
    index: int
    id: str
    title: str
    description: str
    published_at: float
    custom_url: str
    country: str = "US"
    owner_email: str | None = None

    @property
    def uploads_playlist_id(self) -> str:
        return "UU" + self.id[2:]


@dataclass(frozen=True, slots=True)
class Video:
    index: int
    id: str
    channel_index: int
    published_at: float
    title: str
    description: str
    tags: tuple[str, ...]
    topic: str
    duration_s: int
    category_id: str
    language: str
    second_language: str
    views: int
    likes: int
    comments: int
    status: str
    transcript_mode: str
    definition: str

    @property
    def published_iso(self) -> str:
        return _iso(self.published_at)

    @property
    def iso_duration(self) -> str:
        hours, rest = divmod(self.duration_s, 3600)
        minutes, seconds = divmod(rest, 60)
        out = "PT"
        if hours:
            out += f"{hours}H"
        if minutes:
            out += f"{minutes}M"
        if seconds or out == "PT":
            out += f"{seconds}S"
        return out


@dataclass(slots=True)
class Playlist:
    id: str
    title: str
    description: str
    channel_index: int
    privacy: str  # public | private | unlisted
    published_at: float
    video_indexes: list[int] = field(default_factory=list)
    kind: str = "regular"  # regular | likes


@dataclass(frozen=True, slots=True)
class Account:
    email: str
    name: str
    given_name: str
    family_name: str
    sub: str
    channel_index: int
    picture: str


DEMO_ACCOUNTS = (
    ("alice@example.com", "Alice", "Anderson"),
    ("bob@example.com", "Bob", "Brown"),
    ("carol@example.com", "Carol", "Chen"),
)


class Dataset:
    """Deterministic YouTube world for one DatasetConfig."""

    def __init__(self, config: DatasetConfig, live_start: datetime | None = None) -> None:
        self.config = config
        self.seed = config.seed
        self.codec = VideoIdCodec(config.seed)
        start = config.live_start or live_start or datetime.now(UTC)
        self.live_start = start.replace(microsecond=0).timestamp()
        self._t0 = config.catalog_start.timestamp()
        self._span = config.catalog_end.timestamp() - self._t0
        self._cum_common = list(_zipf_cum(len(vocab.COMMON_WORDS)))
        self._pools: dict[str, tuple[list[str], list[float]]] = {}
        self._salts: dict[int, int] = {}
        self._topic_names = list(vocab.TOPICS)
        self._build_channels()
        self._channel_cum = list(_zipf_cum(config.n_channels, exponent=0.8))
        self._build_accounts_and_playlists()
        self._added: dict[int, Video] = {}
        self._added_to_playlists: dict[str, list[int]] = {}
        # Playlists their owner deleted (control API): gone from every listing, 404 by id.
        self._deleted_playlists: set[str] = set()
        self._search_index: dict[str, list[int]] | None = None
        self._live_indexed = 0
        self._popular: list[int] | None = None
        self._uploads: dict[int, list[int]] | None = None
        self.video = functools.lru_cache(maxsize=65536)(self._make_video)  # type: ignore[method-assign]
        self.base_segments = functools.lru_cache(maxsize=2048)(self._make_base_segments)  # type: ignore[method-assign]

    # ----------------------------------------------------------------- hashing helpers
    def _u(self, index: int, salt: int) -> float:
        """Uniform [0, 1) from (seed, index, salt): cheap structural randomness."""
        key = self._salts.get(salt)
        if key is None:
            key = self._salts[salt] = _splitmix(self.seed * 1_000_003 + salt)
        return _splitmix(key ^ index) / 2.0**64

    def _rng(self, *parts: object) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.seed, *parts)))

    # ----------------------------------------------------------------- channels, accounts
    def _build_channels(self) -> None:
        self.channels: list[Channel] = []
        for i in range(self.config.n_channels):
            rng = self._rng("channel", i)
            topic = self._topic_names[i % len(self._topic_names)]
            word = rng.choice(vocab.CHANNEL_WORDS)
            owner = rng.choice(vocab.FIRST_NAMES)
            title = f"{owner}'s {topic.title()} {word}" if i % 3 else f"{topic.title()} {word}"
            handle = "@" + re.sub(r"[^a-z0-9]", "", title.lower()) + str(i)
            desc = (
                f"Videos about {topic} every week. {rng.choice(vocab.ADJECTIVES).title()} "
                f"tutorials, deep dives and live Q&As."
            )
            published = self._t0 - 86400 * (200 + rng.randrange(2000))
            self.channels.append(
                Channel(
                    i, hashed_id("UC", 22, self.seed, "channel", i), title, desc, published, handle
                )
            )
        self.channel_by_id: dict[str, Channel] = {c.id: c for c in self.channels}

    def _build_accounts_and_playlists(self) -> None:
        cfg = self.config
        self.accounts: dict[str, Account] = {}
        self.playlists: dict[str, Playlist] = {}
        self.likes: dict[str, Playlist] = {}
        for offset, (email, given, family) in enumerate(DEMO_ACCOUNTS):
            index = cfg.n_channels + offset
            name = f"{given} {family}"
            channel = Channel(
                index,
                hashed_id("UC", 22, self.seed, "account", email),
                name,
                f"{given}'s personal channel.",
                self._t0 - 86400 * 900,
                "@" + given.lower() + family.lower(),
                owner_email=email,
            )
            self.channels.append(channel)
            self.channel_by_id[channel.id] = channel
            sub = str(
                100_000_000_000_000_000_000
                + int(hashlib.sha256(email.encode()).hexdigest()[:15], 16)
            )
            self.accounts[email] = Account(
                email,
                name,
                given,
                family,
                sub[:21],
                index,
                f"https://lh3.googleusercontent.com/a/ACg8oc{hashed_id('', 20, email)}=s96-c",
            )
            self._account_playlists(email, given, index, with_content=offset < 2)
        for channel in self.channels[: cfg.n_channels]:
            rng = self._rng("public-playlist", channel.index)
            size = min(cfg.public_playlist_size, cfg.n_videos)
            self._add_playlist(
                f"Best of {channel.title}",
                "Hand-picked favourites.",
                channel.index,
                "public",
                rng.sample(range(cfg.n_videos), size),
                "public",
            )
        self.public_playlist_ids = [
            p.id
            for p in self.playlists.values()
            if p.privacy == "public" and self.channels[p.channel_index].owner_email is None
        ]

    def _account_playlists(self, email: str, given: str, channel: int, with_content: bool) -> None:
        cfg = self.config
        rng = self._rng("account-playlists", email)
        catalog = range(cfg.n_videos)
        likes = Playlist("LL", "Liked videos", "", channel, "private", self._t0, [], "likes")
        if with_content:
            likes.video_indexes = rng.sample(catalog, min(cfg.liked_size, cfg.n_videos))
            for size in cfg.playlist_sizes:
                self._add_playlist(
                    f"{given}'s mix ({size} videos)",
                    f"A playlist of {size} videos.",
                    channel,
                    "public",
                    rng.sample(catalog, min(size, cfg.n_videos)),
                    email,
                    size,
                )
            self._add_playlist(
                f"{given}'s private notes",
                "Only visible to the owner.",
                channel,
                "private",
                rng.sample(catalog, min(cfg.private_playlist_size, cfg.n_videos)),
                email,
                "private",
            )
            self._add_playlist(
                f"{given}'s empty playlist",
                "Nothing here yet.",
                channel,
                "public",
                [],
                email,
                "empty",
            )
        self.likes[email] = likes

    def _add_playlist(
        self, title: str, desc: str, channel: int, privacy: str, items: list[int], *key: object
    ) -> Playlist:
        playlist = Playlist(
            hashed_id("PL", 32, self.seed, "playlist", channel, *key),
            title,
            desc,
            channel,
            privacy,
            self._t0 + self._u(channel, 77) * self._span,
            items,
        )
        self.playlists[playlist.id] = playlist
        return playlist

    def account_playlists(self, email: str) -> list[Playlist]:
        """Playlists an account owns (not counting Liked videos), in creation order."""
        channel = self.accounts[email].channel_index
        return [p for p in self.live_playlists() if p.channel_index == channel]

    def live_playlists(self) -> list[Playlist]:
        """Every generated playlist but those deleted through the control API."""
        return [p for p in self.playlists.values() if p.id not in self._deleted_playlists]

    def playlist_by_id(self, playlist_id: str) -> Playlist | None:
        """A generated playlist by id; None once it was deleted (YouTube's 404 from then on)."""
        if playlist_id in self._deleted_playlists:
            return None
        return self.playlists.get(playlist_id)

    def delete_playlist(self, playlist: Playlist) -> None:
        self._deleted_playlists.add(playlist.id)

    def playlist_items(self, playlist: Playlist) -> list[int]:
        return playlist.video_indexes + self._added_to_playlists.get(
            self._overlay_key(playlist), []
        )

    @staticmethod
    def _overlay_key(playlist: Playlist) -> str:
        # Every account's Liked playlist is called "LL": key additions by owner channel.
        return f"LL:{playlist.channel_index}" if playlist.kind == "likes" else playlist.id

    # ----------------------------------------------------------------- videos
    def channel_of(self, index: int) -> int:
        """Channel of a video; a hash for generated videos (no need to build the video)."""
        if index >= ADDED_BASE:
            return self._added[index].channel_index
        return bisect.bisect_right(self._channel_cum, self._u(index, 1) * self._channel_cum[-1])

    def most_popular(self) -> list[int]:
        """Public catalog videos by view count (videos.list chart=mostPopular), cached."""
        if self._popular is None:
            public = [i for i in range(self.config.n_videos) if self.status_of(i) == PUBLIC]
            self._popular = sorted(public, key=self.views_of, reverse=True)[:200]
        return self._popular

    def published_of(self, index: int) -> float:
        if index < LIVE_BASE:
            step = self._span / max(self.config.n_videos, 1)
            return self._t0 + step * index + self._u(index, 2) * step * 0.9
        if index < ADDED_BASE:
            return self.live_start + self.config.upload_interval_s * (index - LIVE_BASE + 1)
        return self._added[index].published_at

    def status_of(self, index: int) -> str:
        if index >= ADDED_BASE:
            return self._added[index].status
        if index >= LIVE_BASE:
            return PUBLIC
        roll = self._u(index, 3)
        return DELETED if roll < 0.015 else PRIVATE if roll < 0.03 else PUBLIC

    def views_of(self, index: int) -> int:
        # Heavy-tailed view counts: most videos have hundreds, a few have millions.
        return int(50 * math.exp(self._u(index, 4) * 11.0))

    def transcript_mode_of(self, index: int) -> str:
        if index >= ADDED_BASE:
            return self._added[index].transcript_mode
        roll = self._u(index, 5)
        if roll < 0.04:
            return DISABLED
        if roll < 0.06:
            return AGE_RESTRICTED
        if roll < 0.21:
            return ASR_ONLY
        if roll < 0.29:
            return NON_ENGLISH
        return FULL

    def _make_video(self, index: int) -> Video:
        if index >= ADDED_BASE:
            return self._added[index]
        rng = self._rng("video", index)
        channel_index = self.channel_of(index)  # a hash: uploads() needs no video generation
        channel = self.channels[channel_index]
        # Channels lean to one topic, with some variety.
        topic = (
            self._topic_names[channel_index % len(self._topic_names)]
            if rng.random() < 0.7
            else rng.choice(self._topic_names)
        )
        mode = self.transcript_mode_of(index)
        language = rng.choice(vocab.FOREIGN_LANGUAGES) if mode == NON_ENGLISH else "en"
        second = rng.choice([x for x in vocab.FOREIGN_LANGUAGES if x != language])
        title = self._title(rng, topic)
        description = self._description(rng, topic, channel)
        words = vocab.TOPICS[topic]
        tags = (topic, *rng.sample(words, min(4, len(words))), rng.choice(vocab.ADJECTIVES))
        duration = int(min(3 * 3600, max(45, rng.lognormvariate(math.log(540), 0.8))))
        views = self.views_of(index)
        return Video(
            index=index,
            id=self.codec.encode(index),
            channel_index=channel_index,
            published_at=self.published_of(index),
            title=title,
            description=description,
            tags=tags,
            topic=topic,
            duration_s=duration,
            category_id=rng.choice(["22", "26", "27", "28", "10", "24"]),
            language=language,
            second_language=second,
            views=views,
            likes=int(views * rng.uniform(0.01, 0.06)),
            comments=int(views * rng.uniform(0.0005, 0.004)),
            status=self.status_of(index),
            transcript_mode=mode,
            definition="hd" if rng.random() < 0.85 else "sd",
        )

    def _title(self, rng: random.Random, topic: str) -> str:
        words = vocab.TOPICS[topic]
        noun, noun2 = rng.sample(words, 2)
        adj = rng.choice(vocab.ADJECTIVES)
        title = rng.choice(vocab.TITLE_TEMPLATES).format(
            verb=rng.choice(vocab.VERBS),
            noun=noun,
            noun2=noun2,
            n=rng.choice([3, 5, 7, 10, 30]),
            Topic=topic.title(),
            topic=topic,
            adj=adj,
            adj_cap=adj.title(),
            year=rng.choice([2024, 2025, 2026]),
        )
        return _AN_BEFORE.sub("an ", title)  # "an advanced", "an honest", not "a advanced"

    def _description(self, rng: random.Random, topic: str, channel: Channel) -> str:
        words = vocab.TOPICS[topic]
        sentence = " ".join(rng.choices(vocab.COMMON_WORDS, cum_weights=self._cum_common, k=9))
        return (
            f"In this video we look at {rng.choice(words)} and {rng.choice(words)}. "
            f"{sentence.capitalize()}.\n\n"
            f"Chapters:\n0:00 Intro\n1:{rng.randrange(10, 59)} {rng.choice(words).title()}\n\n"
            f"Subscribe to {channel.title} for more {topic}!"
        )

    def fingerprint(self, index: int) -> str:
        """Identity of a video's content (for etags): catalog and live videos are fixed by their
        id; runtime-added ones also by what was given for them (ids are reused after a reset)."""
        if index < ADDED_BASE:
            return self.codec.encode(index)
        v = self._added[index]
        return f"{v.id}:{v.published_at}:{v.title}:{v.status}:{v.transcript_mode}:{v.channel_index}"

    def video_by_id(self, video_id: str, now: float) -> Video | None:
        """The video with this id if it exists and is published at `now` (any status)."""
        index = self.codec.decode(video_id)
        if index is None or not self.exists(index, now):
            return None
        return self.video(index)

    def exists(self, index: int, now: float) -> bool:
        if index < self.config.n_videos:
            return True
        if LIVE_BASE <= index < LIVE_BASE + MAX_LIVE:
            return self.published_of(index) <= now
        return index in self._added and self._added[index].published_at <= now

    def live_count(self, now: float) -> int:
        """How many live uploads are published at `now`."""
        elapsed = now - self.live_start
        return max(0, min(MAX_LIVE, int(elapsed // self.config.upload_interval_s)))

    def iter_videos(self, n: int | None = None, start: int = 0) -> Iterator[Video]:
        """Catalog videos in index (= publish) order, generated one at a time."""
        stop = self.config.n_videos if n is None else start + n
        for index in range(start, stop):
            yield self._make_video(index)

    def find_video(
        self,
        transcript_mode: str | None = None,
        status: str = PUBLIC,
        language: str | None = None,
        skip: int = 0,
    ) -> Video:
        """First catalog video (after `skip` matches) with these properties, for tests."""
        for index in range(self.config.n_videos):
            if self.status_of(index) != status:
                continue
            if transcript_mode and self.transcript_mode_of(index) != transcript_mode:
                continue
            video = self.video(index)
            if language and video.language != language:
                continue
            if skip == 0:
                return video
            skip -= 1
        raise LookupError("no such video in this dataset")

    def add_video(
        self,
        *,
        now: float,
        channel_index: int | None = None,
        title: str | None = None,
        description: str | None = None,
        published_at: float | None = None,
        transcript_mode: str = FULL,
        status: str = PUBLIC,
    ) -> Video:
        """A new upload (control API); shows up in search, uploads and videos.list."""
        index = ADDED_BASE + len(self._added)
        template = self._make_video(LIVE_BASE + MAX_LIVE + len(self._added))
        channel = template.channel_index if channel_index is None else channel_index
        video = Video(
            **{
                **{f: getattr(template, f) for f in Video.__slots__},
                "index": index,
                "id": self.codec.encode(index),
                "channel_index": channel,
                "published_at": now if published_at is None else published_at,
                "title": title or template.title,
                "description": description or template.description,
                "transcript_mode": transcript_mode,
                "status": status,
                "language": "en" if transcript_mode != NON_ENGLISH else template.second_language,
            }
        )
        self._added[index] = video
        if self._uploads is not None:
            self._uploads.setdefault(channel, []).append(index)
        return video

    def add_to_playlist(self, playlist: Playlist, indexes: Iterable[int]) -> None:
        self._added_to_playlists.setdefault(self._overlay_key(playlist), []).extend(indexes)

    def reset_overlay(self) -> None:
        """Forget videos and playlist items added, and playlists deleted, at runtime."""
        if self._uploads is not None:
            for index in self._added:
                self._uploads[self._added[index].channel_index].remove(index)
        self._added.clear()
        self._added_to_playlists.clear()
        self._deleted_playlists.clear()
        self.video.cache_clear()
        self.base_segments.cache_clear()

    def added_videos(self) -> list[Video]:
        return list(self._added.values())

    # ----------------------------------------------------------------- uploads and search
    def uploads(self, channel_index: int, now: float) -> list[int]:
        """Published uploads of a channel, newest first."""
        if self._uploads is None:
            table: dict[int, list[int]] = {}
            for index in range(self.config.n_videos):
                table.setdefault(self.channel_of(index), []).append(index)
            for index, video in self._added.items():
                table.setdefault(video.channel_index, []).append(index)
            self._uploads = table
        live = [
            LIVE_BASE + k
            for k in range(self.live_count(now))
            if self.channel_of(LIVE_BASE + k) == channel_index
        ]
        found = [i for i in self._uploads.get(channel_index, []) if self.exists(i, now)]
        found += live
        found.sort(key=self.published_of, reverse=True)
        return found

    def search_candidates(self, terms: list[str], now: float) -> list[int]:
        """Indexes of published videos whose title, tags or description hold every term."""
        if self._search_index is None:
            self._search_index = self._build_search_index()
        live = self.live_count(now)
        self._index_live_uploads(live)
        extra = [i for i, v in self._added.items() if v.published_at <= now]
        if not terms:
            return [*range(self.config.n_videos), *range(LIVE_BASE, LIVE_BASE + live), *extra]
        postings = [self._search_index.get(t, []) for t in terms]
        postings.sort(key=len)
        result = set(postings[0])
        for plist in postings[1:]:
            result.intersection_update(plist)
        # The clock may have been set back: drop live uploads not yet published at `now`.
        result = {i for i in result if i < LIVE_BASE + live}
        wanted = set(terms)
        for index in extra:
            if wanted <= self.search_tokens(self.video(index)):
                result.add(index)
        return sorted(result)

    def search_tokens(self, video: Video) -> set[str]:
        return set(tokenize(f"{video.title} {video.description} {' '.join(video.tags)}"))

    def _index_live_uploads(self, count: int) -> None:
        """Add live uploads up to `count` to the search index (once each, as time passes)."""
        assert self._search_index is not None
        for k in range(self._live_indexed, count):
            video = self.video(LIVE_BASE + k)
            for token in self.search_tokens(video):
                self._search_index.setdefault(token, []).append(video.index)
        self._live_indexed = max(self._live_indexed, count)

    def _build_search_index(self) -> dict[str, list[int]]:
        index: dict[str, list[int]] = {}
        for video in self.iter_videos():
            for token in self.search_tokens(video):
                index.setdefault(token, []).append(video.index)
        return index

    # ----------------------------------------------------------------- transcripts
    def tracks(self, video: Video) -> list[Track]:
        mode = video.transcript_mode
        if mode in (DISABLED, AGE_RESTRICTED) or video.status != PUBLIC:
            return []
        if mode == ASR_ONLY:
            return [Track("en", "asr", True)]
        if mode == NON_ENGLISH:
            return [Track(video.language, "manual", True), Track(video.language, "asr", True)]
        return [
            Track("en", "manual", True),
            Track(video.second_language, "manual", True),
            Track("en", "asr", True),
        ]

    def codeword(self, index: int) -> str:
        """A made-up word unique to the video (the heart of its signature phrase)."""
        space = 70**4
        if index >= ADDED_BASE:
            number = 23_000_000 + (index - ADDED_BASE)
        elif index >= LIVE_BASE:
            number = 12_000_000 + (index - LIVE_BASE)
        else:
            number = index
        # An affine permutation of the number space spreads neighbours apart.
        number = (number * 7_919_777 + self.seed * 104_729) % space
        syllables = []
        for _ in range(4):
            number, digit = divmod(number, 70)
            consonant, vowel = divmod(digit, 5)
            syllables.append(vocab.SYLLABLE_CONSONANTS[consonant] + vocab.SYLLABLE_VOWELS[vowel])
        return "".join(syllables) + "x"

    def _make_base_segments(self, index: int) -> tuple[tuple[float, float, tuple[str, ...]], ...]:
        """English word segments of a video's speech; every track is derived from these.

        Built with a handful of bulk `random` calls per video (not per word), because the
        search benchmark draws millions of segments from here.
        """
        video = self.video(index)
        rng = random.Random(_splitmix(self.seed * 7_777_777 + index))
        words_pool, cum = self._topic_pool(video.topic)
        limit = min(self.config.max_segments, int(video.duration_s / 2.0) + 1)
        rand = rng.random
        durations = []
        total = 0.0
        while total < video.duration_s and len(durations) < limit:
            dur = round(2.0 + 4.0 * rand(), 3)
            durations.append(dur)
            total += dur
        counts = [max(2, int(d * 2.6)) for d in durations]
        drawn = rng.choices(words_pool, cum_weights=cum, k=sum(counts))
        fillers = vocab.FILLERS
        sig_at = 1 + int(self._u(index, 6) * 6)
        segments = []
        t = 0.0
        pos = 0
        for number, (dur, count) in enumerate(zip(durations, counts, strict=True)):
            words = drawn[pos : pos + count]
            pos += count
            roll = rand()
            if roll < 0.2:  # with the vocabulary's own "like"/"know", ~25 % of segments
                words.insert(int(roll * 5 * len(words)), fillers[int(roll * 40) % len(fillers)])
            if number == sig_at:
                words[1:1] = self.signature_words(index)
            segments.append((round(t, 3), dur, tuple(words)))
            t += dur
        return tuple(segments)

    def _topic_pool(self, topic: str) -> tuple[list[str], list[float]]:
        """Common words with Zipf weights plus the topic's words (about 18 % of draws)."""
        pool = self._pools.get(topic)
        if pool is None:
            words = list(vocab.COMMON_WORDS) + vocab.TOPICS[topic]
            common_total = self._cum_common[-1]
            topic_each = common_total * 0.22 / len(vocab.TOPICS[topic])
            cum = list(self._cum_common)
            for _ in vocab.TOPICS[topic]:
                cum.append(cum[-1] + topic_each)
            pool = self._pools[topic] = (words, cum)
        return pool

    def signature_words(self, index: int) -> list[str]:
        noun = vocab.SIGNATURE_NOUNS[int(self._u(index, 7) * len(vocab.SIGNATURE_NOUNS))]
        return ["the", self.codeword(index), noun]

    def signature(self, video_id: str) -> Signature:
        """The unique phrase said in `video_id` and when it is said."""
        index = self.codec.decode(video_id)
        if index is None:
            raise KeyError(video_id)
        words = self.signature_words(index)
        for position, (start, _dur, seg_words) in enumerate(self.base_segments(index)):
            if words[1] in seg_words:
                return Signature(" ".join(words[1:]), words[1], start, position)
        raise KeyError(video_id)

    def signature_phrase(self, video_id: str) -> str:
        return self.signature(video_id).phrase

    def iter_segments(
        self,
        video: Video,
        language: str | None = None,
        kind: str = "manual",
        translate_to: str | None = None,
    ) -> Iterator[Segment]:
        """Timed segments of one track (language defaults to the video's language).

        Manual tracks are capitalised and punctuated, ASR tracks are lower case without
        punctuation, as YouTube's are. Other languages are a deterministic pseudo-translation
        of the English words that keeps the signature codeword, so it stays searchable.
        """
        target = translate_to or language or video.language
        for start, dur, words in self.base_segments(video.index):
            out = words if target == "en" else [translate_word(w, target) for w in words]
            text = " ".join(out)
            if kind == "manual":
                text = text.replace(" i ", " I ")
                text = text[:1].upper() + text[1:] + "."
            yield Segment(start, dur, text)

    def transcript_text(self, video: Video) -> str:
        return " ".join(s.text for s in self.iter_segments(video, kind="asr"))


_KEEP = frozenset(vocab.SIGNATURE_NOUNS)


@functools.lru_cache(maxsize=65536)
def translate_word(word: str, language: str) -> str:
    """Deterministic stand-in for a translation of one English word."""
    if " " in word:
        return " ".join(translate_word(part, language) for part in word.split())
    if (word.endswith("x") and len(word) == 9) or not word.isalpha() or word in _KEEP:
        return word  # signature phrases (codeword + noun) and numbers pass through
    digest = hashlib.md5(f"{language}:{word}".encode()).digest()  # noqa: S324
    consonants, vowels = vocab.SYLLABLE_CONSONANTS, vocab.SYLLABLE_VOWELS
    count = 1 + min(3, len(word) // 3)
    out = "".join(
        consonants[digest[i] % len(consonants)] + vowels[digest[i + 4] % len(vowels)]
        for i in range(count)
    )
    return out + {"de": "en", "es": "o", "fr": "e", "pt": "ao", "ja": "u"}.get(language, "a")


def _zipf_cum(n: int, exponent: float = 1.0) -> Iterator[float]:
    total = 0.0
    for rank in range(n):
        total += 1.0 / (rank + 2.7) ** exponent
        yield total


def iso(ts: float) -> str:
    return _iso(ts)


def parse_rfc3339(value: str) -> float:
    """Seconds since the epoch for an RFC 3339 timestamp ("Z" or an offset)."""
    text = value.strip().replace("z", "Z")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError("timestamp needs a time zone")
    return parsed.timestamp()


def pacific_day_start(ts: float) -> datetime:
    """Midnight America/Los_Angeles at or before `ts` (quota days are Pacific days)."""
    from zoneinfo import ZoneInfo

    local = datetime.fromtimestamp(ts, ZoneInfo("America/Los_Angeles"))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def next_pacific_midnight(ts: float) -> datetime:
    start = pacific_day_start(ts)
    # Adding a day in local time and normalising handles DST days of 23 or 25 hours.
    from zoneinfo import ZoneInfo

    nxt = (start + timedelta(days=1, hours=3)).replace(hour=0)
    return nxt.astimezone(ZoneInfo("America/Los_Angeles"))
