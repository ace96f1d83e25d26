"""Register TubeIndex's periodic tasks with django-celery-beat (idempotent; run after migrate).

update_or_create by name: a deploy updates the task and schedule but keeps what an admin
toggled (enabled), unlike delete-and-recreate.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django_celery_beat.models import IntervalSchedule, PeriodicTask

# name -> (task, every N seconds, queue)
PERIODIC_TASKS = {
    "Dispatch due topics": ("indexing.tasks.dispatch_due_topics", 60, "polling"),
    # Playlist jobs: re-queue videos lost with a killed worker, resume jobs after a quota reset.
    "Sweep indexing jobs": ("indexing.tasks.sweep_jobs", 60, "interactive"),
    # Keep up to date: followed playlists indexed again PLAYLIST_REFRESH_HOURS after their last
    # job (indexing/follows.py); their jobs run on the interactive queue like anyone's.
    "Keep playlists up to date": ("indexing.tasks.refresh_followed_playlists", 3600, "polling"),
    # Search: videos whose views changed rank move to their tier (videos/search/tiers.py).
    "Re-tier search": ("videos.tasks.search_retier", 86400, "polling"),
    # Audio: extractions a killed worker or a lost message left behind (media/services.py).
    "Sweep audio extractions": ("media.tasks.sweep_audio", 300, "media"),
}


def beat_schedule_sync() -> list[str]:
    names = []
    for name, (task, seconds, queue) in PERIODIC_TASKS.items():
        every, _ = IntervalSchedule.objects.get_or_create(
            every=seconds, period=IntervalSchedule.SECONDS
        )
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "interval": every, "queue": queue}
        )
        names.append(name)
    return names


class Command(BaseCommand):
    help = "Create or update the Celery beat schedule (every periodic task) in the database."

    def handle(self, *args, **options) -> None:
        for name in beat_schedule_sync():
            self.stdout.write(f"scheduled: {name}")
