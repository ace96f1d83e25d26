"""Where work comes from and how it went: topics, API keys, index jobs and per-video outcomes."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from config.crypto import mask
from config.display import related_str


class ApiKey(models.Model):
    """A YouTube Data API key of the pool. Usage per day lives in Redis (indexing/youtube)."""

    name = models.CharField(max_length=100, unique=True)
    key = models.CharField(max_length=200, unique=True)
    is_active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=500, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.masked})"

    @property
    def masked(self) -> str:
        return mask(self.key)


class Topic(models.Model):
    """An admin-defined search term polled for new videos by Celery beat."""

    name = models.CharField(max_length=200, unique=True)
    query = models.CharField(
        max_length=500,
        validators=[RegexValidator(r"\w", "Type the words to search YouTube for.")],
        help_text="what YouTube is searched for, as in its search box",
    )
    is_active = models.BooleanField(default=True)
    language = models.CharField(
        max_length=16,
        blank=True,
        validators=[
            RegexValidator(
                r"^[a-z]{2,3}(-[A-Za-z]{2,4})?\Z",
                "A language code, such as en, pt or zh-Hans (YouTube's relevanceLanguage).",
            )
        ],
        help_text="YouTube's relevanceLanguage: a code such as en, pt or zh-Hans; empty for any",
    )
    poll_interval_minutes = models.PositiveIntegerField(
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)],
        help_text="minutes between polls (1 to 10,080, a week); stretched when the keys' daily "
        "quota cannot pay for every active topic at its own pace",
    )
    published_after = models.DateTimeField(
        null=True, blank=True, help_text="watermark: newest publish time already seen"
    )
    next_poll_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    videos = models.ManyToManyField("videos.Video", blank=True, related_name="topics")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IndexJob(models.Model):
    """One run of indexing a playlist for a user."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        WAITING_QUOTA = "waiting_quota", "Waiting for quota"
        DONE = "done", "Done"
        DONE_WITH_FAILURES = "done_with_failures", "Done with failures"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class StartedBy(models.TextChoices):
        USER = "user", "User"
        SCHEDULE = "schedule", "Schedule (keep up to date)"

    ACTIVE = (Status.QUEUED, Status.RUNNING, Status.WAITING_QUOTA)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="index_jobs"
    )
    playlist = models.ForeignKey(
        "playlists.Playlist", on_delete=models.CASCADE, related_name="jobs"
    )
    status = models.CharField(
        max_length=24, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    reindex = models.BooleanField(default=False)
    started_by = models.CharField(max_length=16, choices=StartedBy.choices, default=StartedBy.USER)
    message = models.CharField(max_length=500, blank=True)
    total = models.PositiveIntegerField(default=0)
    retries = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    indexed = models.PositiveIntegerField(default=0)
    no_transcript = models.PositiveIntegerField(default=0)
    unavailable = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    # Entries of the playlist that YouTube lists as "Private video" or "Deleted video": no
    # details, nothing to index, and not in `total` (set when the listing ends).
    hidden = models.PositiveIntegerField(
        default=0, help_text="playlist entries that are private or deleted videos (not in total)"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Set when the per-video tasks are published: from then on the sweeper watches the job.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # waiting_quota: when YouTube's quota resets and the job picks up again.
    resume_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # The atomic claim: at most one active job per playlist and user.
            models.UniqueConstraint(
                fields=["user", "playlist"],
                condition=models.Q(status__in=["queued", "running", "waiting_quota"]),
                name="one_active_job_per_playlist",
            )
        ]

    def __str__(self) -> str:
        return f"job {self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def duration_seconds(self) -> float | None:
        if not self.started_at:
            return None
        end = self.finished_at or timezone.now()
        return round((end - self.started_at).total_seconds(), 1)


class JobVideo(models.Model):
    """The outcome of one video in one job: nothing is lost, every video ends with a reason."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Pending"
        INDEXED = "indexed", "Indexed"
        NO_TRANSCRIPT = "no_transcript", "No transcript"
        UNAVAILABLE = "unavailable", "Unavailable"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    job = models.ForeignKey(IndexJob, on_delete=models.CASCADE, related_name="videos")
    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="job_entries")
    outcome = models.CharField(
        max_length=16, choices=Outcome.choices, default=Outcome.PENDING, db_index=True
    )
    reason = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "video"], name="job_video_uniq"),
        ]
        # Counts by outcome and "pending videos of this job" are the sweeper's and page's reads.
        indexes = [models.Index(fields=["job", "outcome"], name="jobvideo_job_outcome_idx")]

    def __str__(self) -> str:
        # The job's inline in the admin selects the video with the rows.
        video = related_str(self, "video")
        return f"{video} in job {self.job_id}: {self.get_outcome_display()}"
