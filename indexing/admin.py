from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from indexing.models import ApiKey, IndexJob, JobVideo, Topic
from indexing.selectors import job_live_counts
from indexing.youtube.keypool import KeyPool, KeyUsage, api_key_enable


class ApiKeyForm(forms.ModelForm):
    """The key is typed once and never shown again: the field stays empty on edit."""

    key = forms.CharField(
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the current key. Stored keys are only shown masked.",
    )

    class Meta:
        model = ApiKey
        fields = ["name", "key", "is_active"]

    def clean_key(self) -> str:
        key = self.cleaned_data["key"].strip()
        if not key and not self.instance.pk:
            raise forms.ValidationError("An API key is required.")
        return key or self.instance.key


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = [
        "name",
        "masked",
        "is_active",
        "units_today",
        "search_calls_today",
        "exhausted_until",
        "disabled_reason",
        "disabled_at",
    ]
    list_filter = ["is_active"]
    search_fields = ["name"]
    readonly_fields = [
        "masked",
        "units_today",
        "search_calls_today",
        "exhausted_until",
        "disabled_reason",
        "disabled_at",
        "created_at",
    ]
    actions = ["reenable_keys"]

    def _usage(self, obj: ApiKey) -> KeyUsage | None:
        # One Redis round trip per row, cached on the object for the row's other columns.
        if not obj.pk:
            return None
        if not hasattr(obj, "_quota_usage"):
            obj._quota_usage = KeyPool().usage(obj)
        return obj._quota_usage

    @admin.display(description="units today")
    def units_today(self, obj: ApiKey) -> str:
        usage = self._usage(obj)
        return f"{usage.units.used:,} / {usage.units.budget:,}" if usage else "-"

    @admin.display(description="search calls today")
    def search_calls_today(self, obj: ApiKey) -> str:
        usage = self._usage(obj)
        return f"{usage.search.used:,} / {usage.search.budget:,}" if usage else "-"

    @admin.display(description="exhausted until (UTC)")
    def exhausted_until(self, obj: ApiKey) -> str:
        usage = self._usage(obj)
        if not usage:
            return "-"
        spent = [
            f"{name}: {bucket.exhausted_until:%Y-%m-%d %H:%M}"
            for name, bucket in usage.buckets.items()
            if bucket.exhausted_until
        ]
        return ", ".join(spent) or "-"

    @admin.action(description="Re-enable selected keys (and clear today's exhausted marks)")
    def reenable_keys(self, request, queryset) -> None:
        pool = KeyPool()
        count = sum(
            api_key_enable(key_id=pk, pool=pool) for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(request, f"Re-enabled {count} key(s).", messages.SUCCESS)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "query",
        "is_active",
        "poll_interval_minutes",
        "last_polled_at",
        "next_poll_at",
        "last_error",
    ]
    list_filter = ["is_active"]
    search_fields = ["name", "query"]
    filter_horizontal = []
    raw_id_fields = ["videos"]
    readonly_fields = ["last_polled_at", "last_error", "created_at"]
    actions = ["poll_soon"]

    @admin.action(description="Poll selected topics at the next dispatch (within a minute)")
    def poll_soon(self, request, queryset) -> None:
        # Only makes them due: the dispatcher's atomic claim stays the one way polls start.
        count = queryset.filter(is_active=True).update(next_poll_at=timezone.now())
        self.message_user(request, f"{count} topic(s) will be polled within a minute.")


class JobVideoInline(admin.TabularInline):
    model = JobVideo
    extra = 0
    can_delete = False
    raw_id_fields = ["video"]
    readonly_fields = ["video", "outcome", "reason", "attempts", "updated_at"]
    verbose_name_plural = "videos still pending or failed (indexed ones are counted above)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        # A job has up to 5,000 videos: show the ones worth a look, not every success.
        return (
            super()
            .get_queryset(request)
            .filter(outcome__in=[JobVideo.Outcome.PENDING, JobVideo.Outcome.FAILED])
            .select_related("video")
        )


def _live_figure(name: str):
    """A list column for the job's `name` count: as it stands now while the job runs (its row
    holds the counts only once it ends), as stored after."""

    @admin.display(description=name.replace("_", " "), ordering=name)
    def figure(self, job: IndexJob) -> int:
        if not hasattr(job, "_live_counts"):
            job._live_counts = job_live_counts(job=job)  # one Redis read a row, not a column
        return (job._live_counts or {}).get(name, getattr(job, name))

    return figure


@admin.register(IndexJob)
class IndexJobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "playlist",
        "user",
        "status",
        "started_by",
        "total_now",
        "indexed_now",
        "no_transcript_now",
        "unavailable_now",
        "failed_now",
        "skipped_now",
        "hidden",
        "retries_now",
        "duration",
        "created_at",
        "finished_at",
    ]
    total_now = _live_figure("total")
    indexed_now = _live_figure("indexed")
    no_transcript_now = _live_figure("no_transcript")
    unavailable_now = _live_figure("unavailable")
    failed_now = _live_figure("failed")
    skipped_now = _live_figure("skipped")
    retries_now = _live_figure("retries")
    list_filter = ["status", "started_by", "reindex"]
    search_fields = ["playlist__title", "playlist__youtube_id", "user__username"]
    list_select_related = ["playlist", "user"]
    readonly_fields = [f.name for f in IndexJob._meta.fields] + ["duration"]
    inlines = [JobVideoInline]
    date_hierarchy = "created_at"

    @admin.display(description="duration (s)")
    def duration(self, job: IndexJob) -> float | None:
        return job.duration_seconds

    # Read-only: jobs change through their tasks and the Cancel/Retry actions, never by hand.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
