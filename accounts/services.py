"""A person's API token: the one credential scripts use (`Authorization: Token <key>`).

DRF's authtoken keeps one token per user. The key is shown once, when it is made; afterwards
pages and the admin show it masked, so a token seen over someone's shoulder or in a
screenshot of the page is not one that works.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.authtoken.models import Token


@transaction.atomic
def api_token_create(*, user) -> Token:
    """A new token for `user`, replacing (and so ending) the one they had."""
    # The person's row lock orders two replacements at once (a double click): the second
    # waits, then replaces the first's token, where both deleted what they could see and the
    # second's insert broke the one-token-per-person constraint.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def api_token_delete(*, user) -> bool:
    """End `user`'s token; False when they had none."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)
