"""Under gevent (the worker's pool) each greenlet gets its own Http object and the calls really
run side by side. Runs in a subprocess because monkeypatching must happen before any import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from indexing.tests.youtube_fixtures import playlist_of

SCRIPT = r"""
from gevent import monkey
monkey.patch_all()
import json, os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
import gevent
from google.oauth2.credentials import Credentials
from indexing.youtube.data_api import YouTubeClient

token, playlist_id, greenlets = sys.argv[1], sys.argv[2], int(sys.argv[3])
client = YouTubeClient(credentials=Credentials(token=token), retries=0)
https = set()

def work():
    items = list(client.iter_playlist_items(playlist_id))
    https.add(id(client._local.services[None]._http))
    return len(items)

jobs = [gevent.spawn(work) for _ in range(greenlets)]
gevent.joinall(jobs, raise_error=True)
print(json.dumps({"counts": [j.value for j in jobs], "http_objects": len(https)}))
"""


@pytest.mark.django_db
def test_greenlets_each_use_their_own_http_and_run_concurrently(youtube_settings, emulator):
    emulator.control.set_faults(data={"latency": {"kind": "fixed", "ms": 20}})
    token = emulator.control.issue_token("alice@example.com")["access_token"]
    env = {**os.environ, "YOUTUBE_API_URL": emulator.base_url}
    root = Path(settings.BASE_DIR)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, token, playlist_of(emulator, 50), "20"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"counts": [50] * 20, "http_objects": 20}
    assert emulator.control.stats()["peak_concurrent_requests"] >= 10
