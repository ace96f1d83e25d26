from __future__ import annotations

import shutil

import pytest

from indexing.tests.support import alice, bob, yt  # noqa: F401 -- fixtures
from videos.models import Video
from youtube_emulator.pytest_plugin import emulator, emulator_server  # noqa: F401

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://tubeindex.example"
    return settings.MEDIA_ROOT


def stored(emulator_video) -> Video:
    """The emulator's video as an indexed row."""
    return Video.objects.create(
        youtube_id=emulator_video.id,
        title=emulator_video.title,
        duration_seconds=emulator_video.duration_s,
    )


@pytest.fixture
def video(yt, transactional_db) -> Video:  # noqa: F811
    return stored(yt.dataset.find_video("full"))
