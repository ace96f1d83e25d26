"""Pytest fixtures for the YouTube emulator.

Enable them in a conftest.py with `pytest_plugins = ["youtube_emulator.pytest_plugin"]` (root
conftest only), or import the fixtures: `from youtube_emulator.pytest_plugin import emulator,
emulator_server  # noqa: F401`.

- `emulator_server` (session scope): one EmulatorThread with the demo dataset on a free port.
- `emulator` (function scope): the same server, reset before the test (quota, tokens, clock,
  faults, added videos, statistics), so every test starts clean.

Both yield an EmulatorThread: `.base_url`, `.control` (ControlClient), `.dataset`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from youtube_emulator.testing import EmulatorThread


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorThread]:
    with EmulatorThread() as server:
        yield server


@pytest.fixture
def emulator(emulator_server: EmulatorThread) -> Iterator[EmulatorThread]:
    emulator_server.control.reset()
    yield emulator_server
