from __future__ import annotations

from rest_framework import serializers
from rest_framework.reverse import reverse

from indexing.models import IndexJob
from indexing.selectors import JobProgress, job_live_counts


class JobStartSerializer(serializers.Serializer):
    playlist_id = serializers.CharField(max_length=500, help_text="playlist id or YouTube URL")
    reindex = serializers.BooleanField(default=False)


class JobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    playlist_id = serializers.CharField(source="playlist.youtube_id")
    playlist_title = serializers.CharField(source="playlist.title")
    duration_seconds = serializers.FloatField(
        read_only=True, allow_null=True, help_text="null until the job starts"
    )

    class Meta:
        model = IndexJob
        fields = [
            "id",
            "url",
            "playlist_id",
            "playlist_title",
            "status",
            "message",
            "reindex",
            "started_by",
            "total",
            "skipped",
            "indexed",
            "no_transcript",
            "unavailable",
            "failed",
            "hidden",
            "retries",
            "created_at",
            "started_at",
            "finished_at",
            "resume_at",
            "duration_seconds",
        ]

    def get_url(self, job: IndexJob) -> str:
        return reverse("job-detail-api", args=[job.pk], request=self.context.get("request"))

    def to_representation(self, job: IndexJob) -> dict:
        # A running job's counts as they are now (its row is written when it ends): a client
        # following its jobs from the list saw 0 of everything until then.
        data = super().to_representation(job)
        known = self.context.get("live", {})  # a job's figures read already (its progress)
        data.update((known[job.pk] if job.pk in known else job_live_counts(job=job)) or {})
        return data


class FailureSerializer(serializers.Serializer):
    video = serializers.CharField()
    title = serializers.CharField()
    reason = serializers.CharField()


class ProgressSerializer(serializers.Serializer):
    listing = serializers.BooleanField(
        help_text="the playlist is still being listed: total counts the videos found so far"
    )
    total = serializers.IntegerField(
        help_text="the videos to index; for a job cancelled or failed while listing, the "
        "playlist's size"
    )
    unlisted = serializers.IntegerField(
        help_text="a job cancelled or failed while listing: the playlist's videos never listed "
        "(in total)"
    )
    done = serializers.IntegerField()
    percent = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField())
    rate = serializers.FloatField(help_text="videos per second")
    eta_seconds = serializers.FloatField(allow_null=True)
    retries = serializers.IntegerField()
    failures = FailureSerializer(many=True)


class JobWithProgressSerializer(JobSerializer):
    """A job as its own address answers (detail, cancel, retry): with its live progress.
    For the schema; job_with_progress builds it."""

    progress = ProgressSerializer(read_only=True)

    class Meta(JobSerializer.Meta):
        fields = [*JobSerializer.Meta.fields, "progress"]


def job_with_progress(progress: JobProgress, request) -> dict:
    context = {"request": request, "live": {progress.job.pk: progress.live}}
    data = JobSerializer(progress.job, context=context).data
    data["progress"] = ProgressSerializer(progress).data
    return data
