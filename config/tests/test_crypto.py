from __future__ import annotations

import pytest
from django.db import connection

from config.crypto import decrypt, encrypt, mask
from playlists.models import GoogleAccount


def test_mask_shows_only_the_ends():
    assert mask("AIzaSyA1234567890abcdefghijk") == "AIza…hijk"
    assert mask("short") == "…"
    assert mask("") == ""


def test_encrypt_round_trip():
    assert decrypt(encrypt("ya29.token")) == "ya29.token"
    assert encrypt("ya29.token") != "ya29.token"


@pytest.mark.django_db
def test_oauth_tokens_are_encrypted_at_rest(user):
    account = GoogleAccount.objects.create(
        user=user, google_id="123", access_token="ya29.secret-access", refresh_token="1//refresh"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token, refresh_token FROM playlists_googleaccount WHERE id = %s",
            [account.pk],
        )
        raw_access, raw_refresh = cursor.fetchone()
    assert "ya29.secret-access" not in raw_access
    assert "1//refresh" not in raw_refresh
    account.refresh_from_db()
    assert account.access_token == "ya29.secret-access"
    assert account.refresh_token == "1//refresh"
