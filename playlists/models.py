"""Google identities, their stored credentials, and the playlists people index."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from config.crypto import EncryptedTextField
from config.display import related_str

LIKED_ID = "LL"


class GoogleAccount(models.Model):
    """The Google identity of a user, keyed by Google's stable account id (`sub`)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="google_account"
    )
    google_id = models.CharField(max_length=64, unique=True)
    email = models.EmailField(blank=True)
    name = models.CharField(max_length=200, blank=True)
    picture = models.URLField(max_length=500, blank=True)
    # Tokens are encrypted at rest (config.crypto); never logged or shown.
    access_token = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    token_expiry = models.DateTimeField(null=True, blank=True)
    scopes = models.TextField(blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.email or self.google_id


class Playlist(models.Model):
    youtube_id = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    channel_youtube_id = models.CharField(max_length=64, blank=True)
    channel_title = models.CharField(max_length=500, blank=True)
    thumbnails = models.JSONField(default=dict, blank=True)
    item_count = models.PositiveIntegerField(default=0)
    privacy_status = models.CharField(max_length=16, blank=True)
    owners = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="playlists")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title or self.youtube_id

    @property
    def api_id(self) -> str:
        """The id to send to YouTube. Every account's Liked videos list is called "LL", so we
        store it as "LL:<channel id>" to keep youtube_id unique across people."""
        return LIKED_ID if self.youtube_id.startswith(f"{LIKED_ID}:") else self.youtube_id

    @property
    def is_liked(self) -> bool:
        return self.api_id == LIKED_ID

    @property
    def url(self) -> str:
        return f"https://www.youtube.com/playlist?list={self.api_id}"


class PlaylistItem(models.Model):
    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="items")
    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="in_playlists")
    youtube_id = models.CharField(max_length=128, unique=True, help_text="playlistItem id")
    position = models.PositiveIntegerField(default=0)
    added_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["playlist_id", "position"]
        indexes = [models.Index(fields=["playlist", "position"], name="item_playlist_pos_idx")]

    def __str__(self) -> str:
        # The admin selects the playlist and the video with the rows (list_select_related).
        playlist, video = related_str(self, "playlist"), related_str(self, "video")
        return f"{playlist}, position {self.position}: {video}"


class PlaylistFollow(models.Model):
    """A user's "Keep up to date" for one of their playlists: beat indexes it again once its
    last job for them ended PLAYLIST_REFRESH_HOURS ago (indexing/follows.py). Turning it off
    deletes the row. Its own model rather than a field on Playlist.owners' rows: the follow has
    state of its own (the schedule's claim, why it started nothing), and the schedule reads only
    followed playlists."""

    GRANT_PAUSED = (
        "Paused: your Google access was revoked or has expired. "
        "Sign in with Google again and it resumes."
    )

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playlist_follows"
    )
    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(auto_now_add=True)
    # The schedule's claim: it sets this when it looks at the follow, only if it still holds
    # the value it read, so two runs at once start one job.
    checked_at = models.DateTimeField(null=True, blank=True)
    # Why the schedule's last look started no job (e.g. the Google grant is revoked); cleared
    # when it starts one. A job's own failure is on the job.
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "playlist"], name="one_follow_per_playlist")
        ]

    def __str__(self) -> str:
        # The admin selects the user and the playlist with the rows (list_select_related).
        user, playlist = related_str(self, "user"), related_str(self, "playlist")
        return f"{user} keeps {playlist} up to date"
