"""Every page and admin screen loads for the people who may see it."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from videos.services import video_upsert_many
from videos.tests.factories import video_data

pytestmark = pytest.mark.django_db


def test_home_page_shows_the_index(client):
    video_upsert_many(videos=[video_data(1)])
    response = client.get("/")
    assert response.status_code == 200
    assert b"Video number 1" in response.content
    assert b"htmx.min.js" in response.content


def test_sign_in_page_offers_google_and_password(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert b"Sign in with Google" in response.content


def test_password_sign_in_and_out(client, user):
    response = client.post(
        reverse("accounts:login"), {"username": "alice", "password": "pw-alice-123"}
    )
    assert response.status_code == 302
    assert client.get("/").context["user"].is_authenticated
    client.post(reverse("accounts:logout"))
    assert not client.get("/").context["user"].is_authenticated


def test_static_assets_are_vendored(client):
    from django.contrib.staticfiles import finders

    assert finders.find("js/htmx.min.js")
    assert finders.find("css/app.css")


def test_admin_needs_staff(client, user):
    client.force_login(user)
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_every_admin_changelist_and_add_page_loads(staff_client, model):
    video_upsert_many(videos=[video_data(i) for i in range(3)])
    info = model._meta.app_label, model._meta.model_name
    assert staff_client.get(reverse("admin:{}_{}_changelist".format(*info))).status_code == 200
    add = staff_client.get(reverse("admin:{}_{}_add".format(*info)))
    assert add.status_code in (200, 403)  # 403: read-only models (jobs) refuse adding


def test_video_change_page_shows_the_transcript_inline(staff_client):
    from videos.models import Video

    video_upsert_many(videos=[video_data(1)])
    video = Video.objects.get()
    response = staff_client.get(reverse("admin:videos_video_change", args=[video.pk]))
    assert response.status_code == 200
    assert b"Transcript" in response.content
