"""Two replacements of one person's API token at once (a double click on Replace, two tabs)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from rest_framework.authtoken.models import Token

from accounts.services import api_token_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_second_of_two_replacements_at_once_waits_and_replaces_the_first(user):
    # Each deleted the token it could see, then both inserted one: the second broke the
    # one-token-per-person constraint, an IntegrityError (a 500 on the page).
    made: dict = {}

    def replace() -> None:
        try:
            made["second"] = api_token_create(user=user).key
        except Exception as exc:
            made["error"] = exc
        finally:
            connection.close()

    with transaction.atomic():
        first = api_token_create(user=user).key
        second = threading.Thread(target=replace)
        second.start()
        second.join(0.5)
        assert second.is_alive()  # waiting for the first to commit
    second.join(10)
    assert "error" not in made, made.get("error")
    assert list(Token.objects.values_list("key", flat=True)) == [made["second"]] != [first]
