"""A real Celery worker in a subprocess, on the test database and our own Redis db.

    with CeleryWorker(env) as worker: ...   # started and ready
    worker.kill()                           # SIGKILL, as a crash or the OOM killer would

Used by the fan-out tests and bench/fanout.py.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def current_database_url() -> str:
    """The URL of the database this process uses (the test database under pytest)."""
    from django.db import connection

    db = connection.settings_dict
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_env(*, database_url: str, redis_url: str, base_url: str, **extra: str) -> dict[str, str]:
    """The environment of a worker: same database and Redis db, YouTube URLs at the emulator."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        "YOUTUBE_API_URL": base_url,
        "YOUTUBE_WEB_URL": base_url,
        "GOOGLE_AUTH_URI": f"{base_url}/o/oauth2/auth",
        "GOOGLE_TOKEN_URI": f"{base_url}/token",
        "GOOGLE_USERINFO_URI": f"{base_url}/v1/userinfo",
        "GOOGLE_REVOKE_URI": f"{base_url}/revoke",
        "PYTHONUNBUFFERED": "1",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


class CeleryWorker:
    def __init__(
        self,
        env: dict[str, str],
        *,
        concurrency: int = 20,
        pool: str = "gevent",
        queues: str = "interactive",
        loglevel: str = "INFO",
        app: str = "config",
    ) -> None:
        """`app` is celery's -A: the project's app, or a benchmark's module wrapping it."""
        self.env = env
        self.name = f"test-{uuid.uuid4().hex[:8]}@%h"
        self.args = [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            app,
            "worker",
            "-P",
            pool,
            "-c",
            str(concurrency),
            "-Q",
            queues,
            "-n",
            self.name,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            loglevel,
        ]
        self.log = Path(tempfile.mkstemp(prefix="celery-worker-", suffix=".log")[1])
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> CeleryWorker:
        handle = self.log.open("wb")
        self.process = subprocess.Popen(
            self.args, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"worker exited at start:\n{self.output()[-3000:]}")
                if " ready." in self.output() or self._answers_ping():
                    return self
                time.sleep(0.2)
            raise RuntimeError(f"worker not ready in {timeout} s:\n{self.output()[-3000:]}")
        except BaseException:
            # Whatever failed (the ping's broker too), no worker outlives the test that started
            # it: an orphan would go on taking the next runs' tasks from the same Redis db.
            self.stop()
            raise

    def _answers_ping(self) -> bool:
        """The worker's remote control answers (works whatever its log level)."""
        from config.celery import app

        hostname = self.name.replace("%h", socket.gethostname())
        return bool(app.control.ping(destination=[hostname], timeout=0.5))

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: no cleanup, no acks, in-flight tasks are lost with it."""
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self, timeout: float = 20) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> CeleryWorker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
