"""`manage.py load_demo`, which `make run` calls on every start: what a new machine gets."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from config.crypto import mask
from indexing.models import ApiKey, Topic

pytestmark = pytest.mark.django_db


def test_the_demo_is_an_admin_two_keys_three_topics_and_the_schedule_and_a_rerun_adds_nothing(
    settings, tmp_path, django_user_model
):
    settings.BASE_DIR = tmp_path
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    password = (tmp_path / ".data" / "demo-admin-password").read_text().strip()
    assert f"admin / {password}" in out.getvalue()
    admin = django_user_model.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password)
    keys = list(ApiKey.objects.values_list("key", flat=True))
    # Told apart in the admin, which shows a key's first and last four characters only.
    assert len(keys) == 2 and len({mask(key) for key in keys}) == 2
    assert set(Topic.objects.values_list("name", flat=True)) == {
        "Baking",
        "Astronomy",
        "Woodworking",
    }
    tasks = PeriodicTask.objects.count()
    assert tasks > 0

    call_command("load_demo", stdout=io.StringIO())
    assert (ApiKey.objects.count(), Topic.objects.count()) == (2, 3)
    assert PeriodicTask.objects.count() == tasks
    admin.refresh_from_db()
    assert admin.check_password(password)  # kept: the file is read again, not replaced


def test_pointed_at_google_the_demo_adds_no_emulator_keys(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    settings.YOUTUBE_API_URL = "https://www.googleapis.com"
    call_command("load_demo", stdout=io.StringIO())
    assert not ApiKey.objects.exists() and Topic.objects.count() == 3


def test_an_admin_older_than_the_password_file_is_not_printed_a_wrong_password(
    settings, tmp_path, django_user_model
):
    # `make clean` removed .data/ but the database kept its admin: a new file is made, and its
    # password would not sign in.
    django_user_model.objects.create_superuser("admin", "admin@example.com", "the-old-one")
    settings.BASE_DIR = tmp_path
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    password = (tmp_path / ".data" / "demo-admin-password").read_text().strip()
    assert password not in out.getvalue()
    assert "manage.py changepassword admin" in out.getvalue()
    assert django_user_model.objects.get(username="admin").check_password("the-old-one")
