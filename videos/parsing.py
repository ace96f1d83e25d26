"""YouTube Data API resources -> our typed records, parsed once, at the edge.

Durations arrive as ISO 8601 ("PT1H2M3S") and counts as strings; both become ints here and are
never stored as strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import isodate
from django.utils.dateparse import parse_datetime


@dataclass(frozen=True, slots=True)
class ChannelData:
    youtube_id: str
    title: str = ""
    description: str = ""
    thumbnails: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class VideoData:
    youtube_id: str
    title: str = ""
    description: str = ""
    channel_id: str = ""
    channel_title: str = ""
    published_at: datetime | None = None
    duration_seconds: int | None = None
    thumbnails: dict = field(default_factory=dict)
    view_count: int | None = None
    like_count: int | None = None
    comment_count: int | None = None
    language: str = ""
    tags: list[str] = field(default_factory=list)


def parse_duration(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(isodate.parse_duration(value).total_seconds())
    except (isodate.ISO8601Error, ValueError):
        return None


def parse_timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def video_from_resource(resource: dict) -> VideoData:
    """A `youtube#video` (videos.list) or `youtube#searchResult` resource."""
    raw_id = resource.get("id")
    youtube_id = raw_id.get("videoId", "") if isinstance(raw_id, dict) else raw_id or ""
    snippet = resource.get("snippet") or {}
    details = resource.get("contentDetails") or {}
    stats = resource.get("statistics") or {}
    return VideoData(
        youtube_id=youtube_id,
        title=snippet.get("title", ""),
        description=snippet.get("description", ""),
        channel_id=snippet.get("channelId", ""),
        channel_title=snippet.get("channelTitle", ""),
        published_at=parse_timestamp(snippet.get("publishedAt")),
        duration_seconds=parse_duration(details.get("duration")),
        thumbnails=snippet.get("thumbnails") or {},
        view_count=_int(stats.get("viewCount")),
        like_count=_int(stats.get("likeCount")),
        comment_count=_int(stats.get("commentCount")),
        language=(snippet.get("defaultAudioLanguage") or snippet.get("defaultLanguage") or "")[:16],
        tags=list(snippet.get("tags") or []),
    )


def video_from_playlist_item(resource: dict) -> VideoData | None:
    """A `youtube#playlistItem`; None for deleted or private videos (no owner channel)."""
    snippet = resource.get("snippet") or {}
    details = resource.get("contentDetails") or {}
    video_id = details.get("videoId") or (snippet.get("resourceId") or {}).get("videoId")
    if not video_id or not snippet.get("videoOwnerChannelId"):
        return None
    return VideoData(
        youtube_id=video_id,
        title=snippet.get("title", ""),
        description=snippet.get("description", ""),
        channel_id=snippet.get("videoOwnerChannelId", ""),
        channel_title=snippet.get("videoOwnerChannelTitle", ""),
        published_at=parse_timestamp(details.get("videoPublishedAt")),
        thumbnails=snippet.get("thumbnails") or {},
    )
