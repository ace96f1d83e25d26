"""A request for a video's audio as an MP3: one row per person and request, and its outcome."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import get_valid_filename

from config.display import related_str


class AudioExtraction(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Extracting"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="audio_extractions"
    )
    video = models.ForeignKey(
        "videos.Video", on_delete=models.CASCADE, related_name="audio_extractions"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    # One file per video (MEDIA_ROOT/audio/<youtube_id>.mp3), shared by every request for it.
    file = models.FileField(upload_to="audio/", blank=True)
    size_bytes = models.BigIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # When its latest task message was sent: the sweep's clock for a queued request.
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["video", "status"], name="audio_video_status")]
        constraints = [
            # Pressing the button twice while it runs asks once (services.audio_extraction_request).
            models.UniqueConstraint(
                fields=["user", "video"],
                condition=Q(status__in=["queued", "running"]),
                name="audio_one_active_per_user_video",
            )
        ]

    def __str__(self) -> str:
        # The admin selects the video and the user with the rows (list_select_related).
        who = related_str(self, "user", lambda user: user.email or user.get_username())
        video = related_str(self, "video")
        return f"audio of {video} for {who}: {self.get_status_display()}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def is_ready(self) -> bool:
        """Done, and its MP3 still stored (an operator may have removed old files)."""
        return (
            self.status == self.Status.DONE
            and bool(self.file)
            and self.file.storage.exists(self.file.name)
        )

    @property
    def filename(self) -> str:
        """What the download is saved as: the video's title, made safe for file systems."""
        try:
            name = get_valid_filename(self.video.title or "")[:120]
        except SuspiciousFileOperation:  # nothing usable left of the title
            name = ""
        return f"{name or self.video.youtube_id}.mp3"
