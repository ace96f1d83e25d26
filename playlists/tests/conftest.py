from indexing.tests.support import alice, api, bob, bob_api, yt  # noqa: F401
from youtube_emulator.pytest_plugin import emulator, emulator_server  # noqa: F401
