"""No Docker engine runs here, so check docker-compose.yml's structure against the code."""

from __future__ import annotations

import importlib
import re
import shlex
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
SETTINGS_SOURCE = (ROOT / "config" / "settings.py").read_text()


def test_every_part_of_the_product_is_a_service():
    expected = {"web", "worker", "beat", "postgres", "redis", "elasticsearch", "emulator"}
    assert expected <= set(SERVICES)


def test_app_services_build_the_dockerfile():
    assert (ROOT / "Dockerfile").is_file()
    for name in ("web", "worker", "beat", "emulator"):
        assert SERVICES[name]["build"] == "."


def _commands(name: str) -> list[list[str]]:
    command = SERVICES[name]["command"]
    if isinstance(command, list):
        return [command]
    if command.startswith("sh -c"):
        inner = shlex.split(command)[2]
        return [shlex.split(part) for part in inner.split("&&")]
    return [shlex.split(command)]


def _check_command(argv: list[str]) -> None:
    if argv[0] == "gunicorn":
        module, attribute = argv[1].split(":")
        assert hasattr(importlib.import_module(module), attribute)
    elif argv[0] == "celery":
        assert argv[1:3] == ["-A", "config"]
        assert argv[3] in ("worker", "beat")
        if argv[3] == "worker":
            assert argv[argv.index("-P") + 1] == "gevent"
            queues = set(argv[argv.index("-Q") + 1].split(","))
            assert queues == {"interactive", "polling", "media"}
    elif argv[:2] == ["python", "manage.py"]:
        assert argv[2] in get_commands(), f"unknown management command {argv[2]}"
    elif argv[:2] == ["python", "-m"]:
        assert importlib.util.find_spec(argv[2]) is not None
    else:
        pytest.fail(f"unexpected command {argv}")


@pytest.mark.parametrize("name", ["web", "worker", "beat", "emulator"])
def test_commands_point_at_real_modules(name):
    for argv in _commands(name):
        _check_command(argv)


def test_every_variable_given_to_the_app_is_read_by_the_settings():
    environment = SERVICES["web"]["environment"]
    for variable in environment:
        assert re.search(rf'["\']{variable}["\']', SETTINGS_SOURCE), variable


def test_production_mode_needs_a_secret_key_from_the_user():
    environment = SERVICES["web"]["environment"]
    assert environment["DEBUG"] == "false"
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")


def test_data_services_have_health_checks_and_volumes():
    for name in ("postgres", "redis"):
        assert "healthcheck" in SERVICES[name]
        assert SERVICES[name]["volumes"]
    assert SERVICES["elasticsearch"]["environment"]["discovery.type"] == "single-node"


def test_web_and_worker_share_the_audio_files():
    # The worker writes the MP3s (media/services.py), web serves their downloads.
    media_root = SERVICES["web"]["environment"]["MEDIA_ROOT"]
    assert SERVICES["worker"]["environment"]["MEDIA_ROOT"] == media_root
    for name in ("web", "worker"):
        volumes = {v.split(":")[1]: v.split(":")[0] for v in SERVICES[name]["volumes"]}
        assert volumes[media_root] in COMPOSE["volumes"]
    assert f"chown tubeindex {media_root}" in (ROOT / "Dockerfile").read_text()
