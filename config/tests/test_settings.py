"""Settings are read from the environment, and bad values stop the app at start with a reason."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_check(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in env}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_development_defaults_work_with_nothing_set():
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_it_refuses_production_without_a_real_secret_key():
    result = run_check(DEBUG="false", SECRET_KEY="")
    assert result.returncode != 0
    assert "DEBUG=false needs a real SECRET_KEY" in result.stderr


def test_it_refuses_a_short_secret_key_in_production():
    result = run_check(DEBUG="false", SECRET_KEY="short")
    assert "DEBUG=false needs a real SECRET_KEY" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = run_check(DEBUG="false", SECRET_KEY="x" * 50, ALLOWED_HOSTS="example.org")
    assert result.returncode == 0, result.stderr


def test_secret_key_can_come_from_a_file(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("y" * 50 + "\n")
    result = run_check(DEBUG="false", SECRET_KEY_FILE=str(secret_file), ALLOWED_HOSTS="a.org")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be true or false, got 'maybe'"),
        ({"DB_POOL_MAX_SIZE": "ten"}, "DB_POOL_MAX_SIZE must be a whole number, got 'ten'"),
        ({"DB_POOL_MAX_SIZE": "0"}, "DB_POOL_MAX_SIZE must be at least 1"),
        ({"SEARCH_BACKEND": "solr"}, "SEARCH_BACKEND must be one of postgres, elasticsearch"),
        (
            {"SEARCH_BACKEND": "elasticsearch"},
            "SEARCH_BACKEND=elasticsearch needs ELASTICSEARCH_URL",
        ),
        ({"YOUTUBE_API_URL": "youtube.com"}, "YOUTUBE_API_URL must be an http(s) URL"),
        ({"SECRET_KEY_FILE": "/nonexistent/secret"}, "SECRET_KEY_FILE='/nonexistent/secret'"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL must be one of"),
    ],
)
def test_bad_values_stop_the_app_with_a_clear_error(env, message):
    result = run_check(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_urls_from_the_environment_reach_settings():
    code = "from django.conf import settings; print(settings.YOUTUBE_API_URL)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**os.environ, "YOUTUBE_API_URL": "https://www.googleapis.com/"},
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "https://www.googleapis.com"
