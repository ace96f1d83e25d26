"""Offline stand-in for YouTube and Google: Data API v3, OAuth 2.0 and the transcript endpoints.

See youtube_emulator/README.md. Entry points: `python -m youtube_emulator`,
`youtube_emulator.server.create_app(config)`, `youtube_emulator.testing.EmulatorThread` and the
pytest fixtures in `youtube_emulator.pytest_plugin`.
"""

from youtube_emulator.config import DatasetConfig, EmulatorConfig

__all__ = ["DatasetConfig", "EmulatorConfig"]
