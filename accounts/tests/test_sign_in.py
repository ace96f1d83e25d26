"""Signing in with a password: a wrong one is a 400 that says so, and nothing is lost."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

PAGE = "/accounts/login/"


def test_a_wrong_password_is_a_400_saying_so_with_the_username_kept(client, user):
    answer = client.post(PAGE, {"username": "alice", "password": "not-it", "next": "/audio/"})
    assert answer.status_code == 400
    html = answer.content.decode()
    assert 'role="alert"' in html and "didn't match" in html
    # Told where to go instead when the account is a Google one (it has no password here).
    assert "Use <strong>Sign in with Google</strong>" in html
    assert 'name="username" value="alice"' in html and 'aria-invalid="true"' in html
    assert 'name="next" value="/audio/"' in html  # still coming back to the page after
    assert "not-it" not in html
    assert not answer.wsgi_request.user.is_authenticated


def test_a_google_account_has_no_password_to_sign_in_with(client, django_user_model):
    google = django_user_model(username="carol@example.com", email="carol@example.com")
    google.set_unusable_password()
    google.save()
    answer = client.post(PAGE, {"username": "carol@example.com", "password": ""})
    assert answer.status_code == 400
    assert "Sign in with Google" in answer.content.decode()


@pytest.mark.parametrize(
    "fields",
    [{}, {"username": "a" * 5000, "password": "x"}, {"username": "alice\x00", "password": "x"}],
    ids=["empty", "long", "nul"],
)
def test_odd_input_is_a_400_with_the_message(client, user, fields):
    answer = client.post(PAGE, fields)
    assert answer.status_code == 400
    assert 'role="alert"' in answer.content.decode()


def test_the_right_password_still_signs_in(client, user):
    answer = client.post(PAGE, {"username": "alice", "password": "pw-alice-123"})
    assert answer.status_code == 302
