from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A redis-server of our own, so a test can stop it without touching anyone else's."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(tmp),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@pytest.fixture
def private_redis(tmp_path, settings):
    server = PrivateRedis(tmp_path)
    settings.REDIS_URL = server.url
    settings.CELERY_BROKER_URL = server.url
    # Django's setting_changed handler rebuilds the cache connections for the new CACHES.
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": server.url},
    }
    yield server
    server.stop()


@pytest.fixture
def celery_worker_process(private_redis, tmp_path):
    """A real worker on the private broker; yields once it answers a ping."""
    env = {
        **os.environ,
        "REDIS_URL": private_redis.url,
        "CELERY_BROKER_URL": private_redis.url,
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-P",
            "solo",
            "--without-mingle",
            "--without-gossip",
            "-n",
            f"health{private_redis.port}@%h",
            "-Q",
            "interactive",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=open(tmp_path / "worker.log", "w"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )
    from config.health import check_celery

    deadline = time.monotonic() + 180  # a busy 2-core machine can be slow to boot a worker
    while True:
        try:
            check_celery()
            break
        except RuntimeError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError((tmp_path / "worker.log").read_text()) from None
            time.sleep(0.3)
    yield proc
    proc.terminate()
    proc.wait(20)
