"""Your API token page: a key shown once, then only masked; replacing or deleting ends it."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from rest_framework.authtoken.models import Token

from config.crypto import mask

pytestmark = pytest.mark.django_db

PAGE = "/accounts/token/"


def new_key(client) -> str:
    answer = client.post(PAGE, {"action": "create"})
    assert answer.status_code == 200
    assert "no-store" in answer["Cache-Control"]
    (key,) = re.findall(r'id="new-token" value="([0-9a-f]{40})"', answer.content.decode())
    return key


def jobs_with(client, key: str) -> int:
    return client.get("/api/jobs/", HTTP_AUTHORIZATION=f"Token {key}").status_code


def test_a_visitor_is_sent_to_sign_in(client):
    answer = client.get(PAGE)
    assert answer.status_code == 302 and answer["Location"] == f"/accounts/login/?next={PAGE}"
    assert client.post(PAGE, {"action": "create"}).status_code == 302
    assert not Token.objects.exists()


def test_a_new_token_is_shown_once_and_works_then_only_masked(client, user):
    client.force_login(user)
    html = client.get(PAGE).content.decode()
    assert "You have no token yet." in html and "Create a token" in html
    key = new_key(client)
    assert Token.objects.get(user=user).key == key
    assert jobs_with(client.__class__(), key) == 200
    html = client.get(PAGE).content.decode()
    assert key not in html and mask(key) in html and "Replace it with a new token" in html


def test_replacing_ends_the_old_token(client, user):
    client.force_login(user)
    old = new_key(client)
    new = new_key(client)
    assert old != new and Token.objects.filter(user=user).count() == 1
    anonymous = client.__class__()
    assert jobs_with(anonymous, old) == 401 and jobs_with(anonymous, new) == 200


def test_deleting_ends_it_and_says_so(client, user):
    client.force_login(user)
    key = new_key(client)
    answer = client.post(PAGE, {"action": "delete"}, follow=True)
    assert "scripts using it get a 401" in answer.content.decode()
    assert not Token.objects.exists()
    assert jobs_with(client.__class__(), key) == 401
    # Deleting when there is none changes nothing and says nothing wrong.
    assert client.post(PAGE, {"action": "delete"}).status_code == 302


@pytest.mark.parametrize("data", [{}, {"action": "steal"}, {"action": "create\x00"}])
def test_an_unknown_action_is_a_400_that_changes_nothing(client, user, data):
    client.force_login(user)
    key = new_key(client)
    answer = client.post(PAGE, data)
    assert answer.status_code == 400 and "Choose Create or Delete." in answer.content.decode()
    assert Token.objects.get(user=user).key == key


def test_the_footer_links_to_it_for_people_signed_in(client, user):
    assert PAGE not in client.get("/").content.decode()
    client.force_login(user)
    assert f'href="{PAGE}"' in client.get("/").content.decode()


def test_the_admin_lists_tokens_masked(staff_client, user):
    token = Token.objects.create(user=user)
    html = staff_client.get(reverse("admin:accounts_apitoken_changelist")).content.decode()
    assert token.key not in html and mask(token.key) in html


def test_the_admins_pages_messages_and_log_of_a_token_mask_it(staff_client, user):
    # The admin names an object by str(), which DRF makes the key: its change, delete and
    # history pages showed it, and deleting it kept it in the admin's log (Recent actions).
    token = Token.objects.create(user=user)
    pages = [
        staff_client.get(reverse(f"admin:accounts_apitoken_{view}", args=[user.pk]))
        for view in ("change", "delete", "history")
    ]
    deleted = staff_client.post(
        reverse("admin:accounts_apitoken_delete", args=[user.pk]), {"post": "yes"}, follow=True
    )
    assert not Token.objects.exists()
    pages += [deleted, staff_client.get(reverse("admin:index"))]
    for page in pages:
        assert page.status_code == 200
        assert token.key not in page.content.decode()
    assert mask(token.key) in deleted.content.decode()
    assert [entry.object_repr for entry in LogEntry.objects.all()] == [mask(token.key)]
