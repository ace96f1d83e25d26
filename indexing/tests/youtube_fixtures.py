"""Helpers of the YouTube client, key pool and topic tests (fixtures are in conftest.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from youtube_emulator.testing import EmulatorThread

# Any key starting with AIza is valid in the emulator unless listed in invalid_keys.
VALID_KEYS = [f"AIzaSyTubeIndexTestKey{n:02d}-abcdefghij" for n in range(4)]
INVALID_KEY = "AIzaRevokedDemoKey000000000000000000"  # the emulator's default invalid key


class Clock:
    """Our side's clock, moved by hand; `sync` moves the emulator's clock with it."""

    def __init__(self, now: datetime, emulator: EmulatorThread | None = None) -> None:
        self.value = now
        self.emulator = emulator
        self.sync()

    def __call__(self) -> datetime:
        return self.value

    def sync(self) -> None:
        if self.emulator is not None:
            self.emulator.control.set_clock(self.value.strftime("%Y-%m-%dT%H:%M:%SZ"))

    def set(self, now: datetime) -> None:
        self.value = now
        self.sync()

    def advance(self, **kwargs: float) -> None:
        self.set(self.value + timedelta(**kwargs))


def account(emulator: EmulatorThread, email: str = "alice@example.com") -> dict:
    return emulator.control.dataset()["accounts"][email]


def playlist_of(emulator: EmulatorThread, size: int, email: str = "alice@example.com") -> str:
    playlists = account(emulator, email)["playlists"]
    return next(p["id"] for p in playlists if p["item_count"] == size and p["privacy"] == "public")


def requests_to(emulator: EmulatorThread, endpoint: str) -> int:
    return emulator.control.stats()["requests"].get(endpoint, 0)
