from __future__ import annotations

import socket
import subprocess
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
        self.tmp = tmp
        self.start()

    def start(self) -> None:
        tmp = self.tmp
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

    def restart(self) -> None:
        """Stopped and started again on its port, empty (no persistence), as `make run`'s."""
        self.stop()
        self.start()


def forget_broker_connections() -> None:
    """The project app reads its broker URL from settings live, but keeps the connection pool
    it made on first use: made during a private-Redis test, every later test would publish to
    a server that is gone (unless CELERY_BROKER_URL is in the environment, which Celery
    prefers, as `make test` sets it). Dropped as a forked worker does (Celery._after_fork),
    not closed: kombu keeps one pool per broker URL for the whole process, and a closed one
    would be handed out again."""
    from config.celery import app

    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@pytest.fixture
def private_redis(tmp_path, settings):
    server = PrivateRedis(tmp_path)
    settings.REDIS_URL = server.url
    settings.CELERY_BROKER_URL = server.url
    # Django's setting_changed handler rebuilds the cache connections for the new CACHES.
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": server.url},
    }
    forget_broker_connections()
    yield server
    server.stop()
    forget_broker_connections()


@pytest.fixture
def celery_worker_process(private_redis, settings):
    """A real worker (the indexing tests' CeleryWorker) on the private broker."""
    from indexing.tests.worker import CeleryWorker, current_database_url, worker_env

    env = worker_env(
        database_url=current_database_url(),
        redis_url=private_redis.url,
        base_url=settings.YOUTUBE_API_URL,
    )
    worker = CeleryWorker(env, pool="solo", concurrency=1)
    # A busy 2-core machine can be slow to boot a worker.
    with worker.start(timeout=180):
        yield worker
