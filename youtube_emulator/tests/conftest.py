"""Emulator tests use the plugin's fixtures; they need no database."""

from __future__ import annotations

import pytest
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build

from youtube_emulator.pytest_plugin import emulator, emulator_server  # noqa: F401
from youtube_emulator.testing import EmulatorThread

API_KEY = "AIzaSyTestKey0000000000000000000000000"


@pytest.fixture
def youtube(emulator: EmulatorThread):  # noqa: F811
    """google-api-python-client's service with an API key, pointed at the emulator."""
    return build(
        "youtube",
        "v3",
        developerKey=API_KEY,
        static_discovery=True,
        client_options={"api_endpoint": emulator.base_url},
        cache_discovery=False,
    )


def youtube_as(emulator: EmulatorThread, email: str, scopes: list[str] | None = None):  # noqa: F811
    """The service with a Bearer token of a demo account (tokens from the control API)."""
    tokens = emulator.control.issue_token(email, scopes)
    creds = Credentials(tokens["access_token"])
    return build(
        "youtube",
        "v3",
        credentials=creds,
        static_discovery=True,
        client_options={"api_endpoint": emulator.base_url},
        cache_discovery=False,
    )
