"""The index itself: channels, videos, transcripts and their timed chunks.

YouTube's own ids are unique indexed CharFields used in URLs and the API; our ids are BigAutoField.
All writes that come from YouTube go through services.py upserts keyed on the YouTube id.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models

from config.display import related_str
from videos.search.types import format_timestamp

# Search vectors are GENERATED columns, so every write path (bulk upserts, chunk inserts) keeps
# them current without a step of its own. videos_tags_text() is an IMMUTABLE wrapper of
# array_to_string, created in migration 0002, because generated columns need immutable functions.
SEARCH_CONFIG = "english"


# The most a search GIN index keeps in its pending list (kB) before the inserting statement
# merges it into the index: a search reads the whole list for its words, so with PostgreSQL's
# 4 MB searches paid for live indexing (a rare word 1.6x as slow with 350 new videos' chunks
# pending, a misspelt one 1.2x); at 1 MB a rare word paid 1.16x at most and the rest nothing,
# for 6.5 % more write time (256 kB: nothing, for 21 %). docs/BENCHMARKS.md, "Search during
# indexing"; migration 0019.
SEARCH_GIN_PENDING_KB = 1024


class SearchTier(models.IntegerChoices):
    """Where a video's transcript chunks are searched: peak, top, hot, warm, cool, then cold
    (TIER_ORDER), each about three times the one before (videos.search.tiers).

    A common word must find its first 1,000 matches in a small index (SEARCH-NOTES.md: the GIN
    bitmap is built whole before LIMIT stops anything), so the first tiers are small (peak: a
    filler word's 1,000 matches from a bitmap a third of the top tier's). A query stops in the
    first tier that completes its 1,000, and that tier's whole bitmap is built: with each tier
    ~3x the one before, that costs at most ~3x the rows it needed (the hot tier used to be 11x
    the top one: "often never" built all of it, and a warm tier of 2.5x that, for 14 rows).
    Values are stored, so a tier added later takes the next number: read in TIER_ORDER.
    """

    COLD = 0, "Cold"
    HOT = 1, "Hot"
    TOP = 2, "Top"
    WARM = 3, "Warm"
    PEAK = 4, "Peak"
    COOL = 5, "Cool"


TIER_ORDER = (
    SearchTier.PEAK,
    SearchTier.TOP,
    SearchTier.HOT,
    SearchTier.WARM,
    SearchTier.COOL,
    SearchTier.COLD,
)


def _video_search_expression() -> SearchVector:
    tags = models.Func("tags", function="videos_tags_text", output_field=models.TextField())
    return (
        SearchVector("title", config=SEARCH_CONFIG, weight="A")
        + SearchVector(tags, config=SEARCH_CONFIG, weight="B")
        + SearchVector("description", config=SEARCH_CONFIG, weight="C")
    )


def search_vector_fields(model: type[models.Model]) -> list[str]:
    """The model's tsvector columns (stored or generated): large, and only the database reads
    them."""
    return [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, SearchVectorField)
        or isinstance(getattr(f, "output_field", None), SearchVectorField)
    ]


class WithoutSearchVectorManager(models.Manager):
    """Leaves the (large) search vectors unread unless a query asks for them."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().defer(*search_vector_fields(self.model))


class Channel(models.Model):
    youtube_id = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    thumbnails = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title or self.youtube_id

    @property
    def url(self) -> str:
        return f"https://www.youtube.com/channel/{self.youtube_id}"


class Video(models.Model):
    class Source(models.TextChoices):
        TOPIC = "topic", "Topic"
        PLAYLIST = "playlist", "Playlist"

    youtube_id = models.CharField(max_length=32, unique=True)
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.SET_NULL, related_name="videos"
    )
    title = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    thumbnails = models.JSONField(default=dict, blank=True)
    view_count = models.BigIntegerField(null=True, blank=True)
    like_count = models.BigIntegerField(null=True, blank=True)
    comment_count = models.BigIntegerField(null=True, blank=True)
    language = models.CharField(max_length=16, blank=True)
    tags = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.PLAYLIST)
    details_fetched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    search_vector = models.GeneratedField(
        expression=_video_search_expression(), output_field=SearchVectorField(), db_persist=True
    )
    # Search tier by popularity: the video and the chunks of each tier sit in their own partial
    # GIN indexes, read in TIER_ORDER (SEARCH-NOTES.md). Set by `manage.py rebuild_search_index`.
    search_tier = models.PositiveSmallIntegerField(
        choices=SearchTier.choices, default=SearchTier.COLD, db_default=SearchTier.COLD
    )
    # The ids of the topics and playlists the video is in, in order: written by triggers on any
    # change to a topic's videos or a playlist's items (migration 0018); never set them
    # yourself. As lexemes (tp12, pl34) in group_vector, indexed along the words in each tier's
    # GIN index, so a topic or playlist filter gets only its own videos from the index.
    topic_ids = ArrayField(models.BigIntegerField(), default=list, db_default=[], editable=False)
    playlist_ids = ArrayField(models.BigIntegerField(), default=list, db_default=[], editable=False)
    group_vector = models.GeneratedField(
        expression=models.Func(
            models.F("topic_ids"),
            models.F("playlist_ids"),
            function="videos_group_lexemes",
            output_field=SearchVectorField(),
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = WithoutSearchVectorManager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["-published_at", "-id"], name="video_newest_idx"),
            # A channel's newest videos: the typo pass ranks a misspelt channel name's videos
            # newest first, and reads only as many of each close channel as the page needs.
            models.Index(
                models.F("channel"),
                models.F("published_at").desc(nulls_last=True),
                models.F("id").desc(),
                name="video_channel_newest_idx",
            ),
            # A topic's or playlist's videos, for a filter without words (newest first, counted):
            # the videos' tier indexes hold them too, but only along the words.
            GinIndex(
                fields=["topic_ids", "playlist_ids"],
                name="video_groups_gin",
                gin_pending_list_limit=SEARCH_GIN_PENDING_KB,
            ),
            # Per tier, as for chunks: a title word that 20,000 videos have found its first 1,000
            # in a bitmap of the first tiers instead of all 20,000 (~2.5 ms, BENCHMARKS.md).
            *(
                GinIndex(
                    fields=["search_vector", "group_vector"],
                    condition=models.Q(search_tier=tier.value),
                    name=f"video_search_{tier.label.lower()}_gin",
                    gin_pending_list_limit=SEARCH_GIN_PENDING_KB,
                )
                for tier in SearchTier
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.youtube_id

    @property
    def url(self) -> str:
        return f"https://www.youtube.com/watch?v={self.youtube_id}"

    def url_at(self, seconds: float) -> str:
        return f"{self.url}&t={int(seconds)}s"

    @property
    def duration_display(self) -> str:
        """975 -> "16:15", 4638 -> "1:17:18", as YouTube shows durations."""
        if self.duration_seconds is None:
            return ""
        hours, rest = divmod(self.duration_seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"

    @property
    def thumbnail_url(self) -> str:
        for size in ("medium", "high", "default"):
            if url := (self.thumbnails.get(size) or {}).get("url"):
                return url
        return f"https://i.ytimg.com/vi/{self.youtube_id}/mqdefault.jpg"


class Transcript(models.Model):
    """The transcript state of a video, and the track we chose (manual before generated).

    A row exists once we tried: "nothing found" is never confused with "never tried".
    """

    class Status(models.TextChoices):
        FETCHED = "fetched", "Fetched"
        NONE = "none", "No transcript"
        DISABLED = "disabled", "Transcripts disabled"
        UNAVAILABLE = "unavailable", "Video unavailable"
        FAILED = "failed", "Failed"

    video = models.OneToOneField(Video, on_delete=models.CASCADE, related_name="transcript")
    language = models.CharField(max_length=16, blank=True)
    is_generated = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.FETCHED)
    error = models.TextField(blank=True)
    fetched_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        kind = "auto" if self.is_generated else "manual"
        return f"{related_str(self, 'video')} {self.language} ({kind})"


# A transcript chunk's copies of what search filters on, in videos_filter_lexemes()'s order.
CHUNK_FILTER_COPIES = (
    "video_published_at",
    "video_duration_seconds",
    "video_source",
    "video_language",
    "transcript_language",
    "transcript_is_generated",
    "video_channel_id",
    "video_topic_ids",
    "video_playlist_ids",
)


class TranscriptChunk(models.Model):
    """About 30 seconds of what is said, with the second it starts at."""

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="chunks")
    # Denormalised so search can join chunks to videos without passing through transcripts.
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="chunks")
    position = models.PositiveIntegerField()
    start = models.FloatField(help_text="seconds from the start of the video")
    duration = models.FloatField()
    text = models.TextField()
    # Where each caption line of the chunk starts: in seconds, and as a character offset into
    # `text`. A match is then placed at the second its line is said, not at the chunk's start.
    segment_starts = ArrayField(models.FloatField(), default=list, db_default=[], blank=True)
    segment_offsets = ArrayField(
        models.PositiveIntegerField(), default=list, db_default=[], blank=True
    )
    # The words, and every pair of adjacent words ("back around"): a quoted phrase is looked up
    # by its pairs instead of rechecking every chunk that has both words somewhere (a phrase of
    # two common words read ~20,000 such chunks of the cold tier: ~45-90 ms, BENCHMARKS.md).
    # Both are written by a trigger on INSERT and on UPDATE of text (migration 0011), which
    # parses the text once (generated columns parsed it once each); never set them yourself.
    search_vector = SearchVectorField(null=True, editable=False)
    pair_vector = SearchVectorField(null=True, editable=False)
    # The video's search tier, written with the chunk rows (videos.services); a row inserted
    # without one gets it from a trigger (migration 0005), which runs only then (WHEN ... IS NULL).
    search_tier = models.PositiveSmallIntegerField(
        choices=SearchTier.choices, null=True, blank=True, default=None
    )
    # Copies of what search filters on (published, duration, source, languages, manual/auto),
    # so a filtered search checks each candidate chunk's own row instead of looking its video
    # up (~1.5 µs a chunk, thousands per query: docs/BENCHMARKS.md, fifth pass). Written with
    # the chunks (videos.services), else by a trigger on INSERT, and kept current by triggers
    # on the video's and the transcript's UPDATE (migration 0014); never set them yourself.
    # Languages lower-cased, as the filter compares them.
    video_published_at = models.DateTimeField(null=True, editable=False)
    video_duration_seconds = models.IntegerField(null=True, editable=False)
    video_source = models.CharField(max_length=16, editable=False, db_default="")
    video_language = models.CharField(max_length=16, editable=False, db_default="")
    transcript_language = models.CharField(max_length=16, editable=False, db_default="")
    transcript_is_generated = models.BooleanField(null=True, editable=False)
    video_channel_id = models.BigIntegerField(null=True, editable=False)  # (migration 0017)
    # The video's topic_ids and playlist_ids (migration 0018), copied as the others are.
    video_topic_ids = ArrayField(
        models.BigIntegerField(), default=list, db_default=[], editable=False
    )
    video_playlist_ids = ArrayField(
        models.BigIntegerField(), default=list, db_default=[], editable=False
    )
    # The copies as lexemes (published decade, year and month, duration bucket, languages,
    # manual/auto, source, channel, topics, playlists), indexed along the words in each tier's
    # GIN index: a filtered search gets only the chunks that pass from the index, instead of
    # reading every chunk that says the words to check it (videos.search.filters, migrations
    # 0017 and 0018).
    filter_vector = models.GeneratedField(
        expression=models.Func(
            *(models.F(name) for name in CHUNK_FILTER_COPIES),
            function="videos_filter_lexemes",
            output_field=SearchVectorField(),
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = WithoutSearchVectorManager()

    class Meta:
        ordering = ["video_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["video", "position"], name="chunk_video_position_uniq")
        ]
        indexes = [
            *(
                GinIndex(
                    fields=["search_vector", "filter_vector"],
                    condition=models.Q(search_tier=tier.value),
                    name=f"chunk_search_{tier.label.lower()}_gin",
                    gin_pending_list_limit=SEARCH_GIN_PENDING_KB,
                )
                for tier in SearchTier
            ),
            *(
                GinIndex(
                    fields=["pair_vector"],
                    condition=models.Q(search_tier=tier.value),
                    name=f"chunk_pairs_{tier.label.lower()}_gin",
                    gin_pending_list_limit=SEARCH_GIN_PENDING_KB,
                )
                for tier in SearchTier
            ),
        ]

    def __str__(self) -> str:
        # The admin selects the video with the rows (list_select_related).
        video = related_str(self, "video")
        return f"{video} at {format_timestamp(self.start)} (chunk {self.position})"
