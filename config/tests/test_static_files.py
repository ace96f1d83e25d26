"""With DEBUG off (Docker's gunicorn) nothing but the app serves /static/: the pages need it."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def test_without_debug_the_collected_assets_of_a_page_are_served(tmp_path):
    with override_settings(DEBUG=False, STATIC_ROOT=tmp_path):
        call_command("collectstatic", "--no-input", verbosity=0)  # as the Dockerfile does
        client = Client()
        html = client.get("/").content.decode()
        assets = re.findall(rf'(?:href|src)="({settings.STATIC_URL}[^"]+)"', html)
        assert len(assets) >= 3
        for asset in assets:
            response = client.get(asset)
            assert response.status_code == 200, asset
