"""Demo data for `make run`: an admin, API keys the emulator accepts, topics, the beat schedule.

Idempotent: running it again keeps what exists (and the admin's password).
"""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from indexing.models import ApiKey, Topic

DEMO_KEYS = {
    "emulator key 1": "AIzaDemoKeyOne00000000000000000000DemoOne1",
    "emulator key 2": "AIzaDemoKeyTwo00000000000000000000DemoTwo2",
}
DEMO_TOPICS = {"Baking": "baking", "Astronomy": "astronomy", "Woodworking": "woodworking"}


def demo_admin_password(path: Path) -> str:
    """A random password made once and kept under .data/, never a fixed one."""
    if path.is_file():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    path.write_text(password + "\n")
    path.chmod(0o600)
    return password


class Command(BaseCommand):
    help = "Create the demo admin, API keys for the emulator, topics and the beat schedule."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--keys", action="store_true", default=None, help="add emulator keys")
        parser.add_argument("--no-keys", dest="keys", action="store_false")

    def handle(self, *args, keys: bool | None = None, **options) -> None:
        password = demo_admin_password(Path(settings.BASE_DIR) / ".data" / "demo-admin-password")
        user_model = get_user_model()
        admin, created = user_model.objects.get_or_create(
            username="admin", defaults={"email": "admin@example.com", "is_staff": True}
        )
        if created or not admin.has_usable_password():
            admin.is_staff = admin.is_superuser = True
            admin.set_password(password)
            admin.save()
        # Emulator keys only make sense while the settings point at the emulator.
        use_keys = keys if keys is not None else "googleapis.com" not in settings.YOUTUBE_API_URL
        if use_keys:
            for name, key in DEMO_KEYS.items():
                ApiKey.objects.get_or_create(name=name, defaults={"key": key})
        for name, query in DEMO_TOPICS.items():
            Topic.objects.get_or_create(name=name, defaults={"query": query, "language": "en"})
        call_command("setup_beat", stdout=self.stdout)
        if created or admin.check_password(password):
            self.stdout.write(self.style.SUCCESS(f"Demo admin: admin / {password}"))
        else:
            # The database outlived the file (`make clean` removes .data/, or another checkout
            # made the admin): printing the file's password would print a wrong one.
            self.stdout.write(
                self.style.WARNING(
                    "Demo admin: admin, whose password is not the one in "
                    ".data/demo-admin-password (it was set before that file was made, or "
                    "changed since); `manage.py changepassword admin` sets a new one."
                )
            )
