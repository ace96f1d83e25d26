"""Encryption at rest for stored secrets (OAuth tokens), with Fernet.

The key comes from FIELD_ENCRYPTION_KEY, or is derived from SECRET_KEY when that is unset, so a
database dump alone never reveals a token.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models


@cache
def _fernet() -> Fernet:
    configured = settings.FIELD_ENCRYPTION_KEY
    if configured:
        return Fernet(configured.encode())
    digest = hashlib.sha256(("tubeindex-field-key:" + settings.SECRET_KEY).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    try:
        return _fernet().decrypt(value.encode()).decode()
    except InvalidToken:
        raise ValueError("stored secret cannot be decrypted with the current key") from None


def mask(secret: str, keep: int = 4) -> str:
    """'AIzaSyD...' -> 'AIza…x9Qk': enough to recognise a key, never enough to use it."""
    if not secret:
        return ""
    if len(secret) <= keep * 2:
        return "…"
    return f"{secret[:keep]}…{secret[-keep:]}"


class EncryptedTextField(models.TextField):
    """A TextField stored encrypted; Python code sees plain text."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
