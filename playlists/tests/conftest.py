from indexing.tests.support import alice, bob, yt  # noqa: F401
from youtube_emulator.pytest_plugin import emulator, emulator_server  # noqa: F401
