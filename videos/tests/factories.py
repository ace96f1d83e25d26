"""Small builders for test data (plain functions; no factory library needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from videos.parsing import VideoData

BASE_TIME = datetime(2025, 1, 1, tzinfo=UTC)


def video_data(n: int, **overrides) -> VideoData:
    fields = {
        "youtube_id": f"vid{n:08d}",
        "title": f"Video number {n}",
        "description": f"Description of video {n}",
        "channel_id": f"UCchan{n % 3}",
        "channel_title": f"Channel {n % 3}",
        "published_at": BASE_TIME + timedelta(hours=n),
        "duration_seconds": 60 + n,
        "view_count": n * 10,
        "language": "en",
        "tags": ["tag", f"t{n}"],
    }
    return VideoData(**{**fields, **overrides})
