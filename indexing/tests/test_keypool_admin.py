"""The API key admin: masked keys, today's usage, exhausted marks, re-enabling."""

from __future__ import annotations

import pytest
from django.urls import reverse

from indexing.models import ApiKey
from indexing.youtube.keypool import SEARCH, UNITS, KeyPool

pytestmark = pytest.mark.django_db

SECRET = "AIzaSyAdminSecret-0123456789abcdefXYZ"


@pytest.fixture
def key(redis_client) -> ApiKey:
    return ApiKey.objects.create(name="main", key=SECRET)


def test_the_list_shows_usage_and_exhaustion_but_never_the_full_key(staff_client, key, settings):
    settings.YOUTUBE_QUOTA_DAILY_SEARCH_CALLS = 2
    pool = KeyPool()
    for _ in range(2):
        pool.reserve(SEARCH)
    pool.reserve(UNITS)
    pool.mark_exhausted(key.pk, SEARCH)

    page = staff_client.get(reverse("admin:indexing_apikey_changelist")).content.decode()

    assert SECRET not in page
    assert key.masked in page
    assert "1 / 10,000" in page
    assert "2 / 2" in page
    assert "search: " in page


def test_the_change_page_never_renders_the_key(staff_client, key):
    page = staff_client.get(reverse("admin:indexing_apikey_change", args=[key.pk]))
    assert page.status_code == 200
    assert SECRET not in page.content.decode()


def test_saving_without_typing_a_key_keeps_the_stored_one(staff_client, key):
    url = reverse("admin:indexing_apikey_change", args=[key.pk])
    response = staff_client.post(url, {"name": "renamed", "key": "", "is_active": "on"})
    assert response.status_code == 302
    key.refresh_from_db()
    assert (key.name, key.key) == ("renamed", SECRET)


def test_adding_a_key_requires_the_key(staff_client, redis_client):
    url = reverse("admin:indexing_apikey_add")
    response = staff_client.post(url, {"name": "new", "key": "", "is_active": "on"})
    assert response.status_code == 200
    assert "An API key is required." in response.content.decode()
    assert not ApiKey.objects.exists()


def test_the_re_enable_action_puts_disabled_keys_back(staff_client, key):
    pool = KeyPool()
    pool.disable(key.pk, "400 keyInvalid: Bad Request")
    pool.mark_exhausted(key.pk, UNITS)
    response = staff_client.post(
        reverse("admin:indexing_apikey_changelist"),
        {"action": "reenable_keys", "_selected_action": [key.pk]},
    )
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.is_active and not key.disabled_reason and key.disabled_at is None
    assert pool.usage(key).units.exhausted_until is None
