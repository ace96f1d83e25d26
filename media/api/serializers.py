from __future__ import annotations

from rest_framework import serializers
from rest_framework.reverse import reverse

from media.models import AudioExtraction


class AudioExtractionSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField(
        help_text="the MP3 (signed in as the requester) once status is done; else null"
    )
    video_id = serializers.CharField(source="video.youtube_id")
    video_title = serializers.CharField(source="video.title")

    class Meta:
        model = AudioExtraction
        fields = [
            "id",
            "url",
            "video_id",
            "video_title",
            "status",
            "error",
            "size_bytes",
            "download_url",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_url(self, obj: AudioExtraction) -> str:
        return reverse("audio-detail-api", args=[obj.pk], request=self.context.get("request"))

    def get_download_url(self, obj: AudioExtraction) -> str | None:
        if obj.status != AudioExtraction.Status.DONE:
            return None
        return reverse("media:download", args=[obj.pk], request=self.context.get("request"))
