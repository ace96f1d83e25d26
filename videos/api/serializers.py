from __future__ import annotations

from rest_framework import serializers

from videos.models import Channel, Transcript, TranscriptChunk, Video


class ChannelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Channel
        fields = ["youtube_id", "title", "url"]


class TranscriptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Transcript
        fields = ["language", "is_generated", "status", "error", "fetched_at"]


class VideoSerializer(serializers.ModelSerializer):
    channel = ChannelSerializer(read_only=True)
    transcript = serializers.SerializerMethodField()
    thumbnail_url = serializers.CharField(read_only=True)

    class Meta:
        model = Video
        fields = [
            "youtube_id",
            "url",
            "title",
            "description",
            "channel",
            "published_at",
            "duration_seconds",
            "thumbnail_url",
            "view_count",
            "like_count",
            "comment_count",
            "language",
            "tags",
            "source",
            "transcript",
        ]

    def get_transcript(self, video: Video) -> dict | None:
        transcript = getattr(video, "transcript", None)
        return TranscriptSerializer(transcript).data if transcript else None


class ChunkSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = TranscriptChunk
        fields = ["position", "start", "duration", "text", "url"]

    def get_url(self, chunk: TranscriptChunk) -> str:
        return f"https://www.youtube.com/watch?v={self.context['youtube_id']}&t={int(chunk.start)}s"


class VideoDetailSerializer(VideoSerializer):
    chunks = serializers.SerializerMethodField()

    class Meta(VideoSerializer.Meta):
        fields = [*VideoSerializer.Meta.fields, "chunks"]

    def get_chunks(self, video: Video) -> list[dict]:
        chunks = video.chunks.order_by("position")
        return ChunkSerializer(chunks, many=True, context={"youtube_id": video.youtube_id}).data
