"""`make run`: the whole product in the foreground; one Ctrl-C stops every part.

Finds PostgreSQL and Redis (scripts/services.py), migrates, loads demo data, then runs the
YouTube emulator, the web server, a Celery worker (gevent) and beat, prefixing each line of
their output with the part's name.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from services import DATA, ROOT, find_services

PY = sys.executable
COLOURS = {"emulator": 35, "web": 32, "worker": 34, "beat": 33}
# What the worker prints once it consumes: /healthz is polled after it, so the start does not
# log a 503 (a "healthz: down" warning) for each poll while the worker is still booting.
WORKER_READY = re.compile(r"celery@\S+ ready\.")
# Parts started again when they exit (the others stop the whole run), at most once this often.
RESTARTED = ("worker", "beat")
RESTART_EVERY_SECONDS = 5.0


def stream(name: str, proc: subprocess.Popen, ready: threading.Event | None = None) -> None:
    """Copy a part's output, prefixed with its name; set `ready` once the worker says so."""
    colour = COLOURS.get(name, 0)
    tty = sys.stdout.isatty()
    for line in proc.stdout:  # type: ignore[union-attr]
        if ready is not None and not ready.is_set() and WORKER_READY.search(line):
            ready.set()
        prefix = f"\033[{colour}m{name:>8}\033[0m" if tty else f"{name:>8}"
        sys.stdout.write(f"{prefix} | {line}")
        sys.stdout.flush()


def start_part(
    name: str, cmd: list[str], env: dict[str, str], ready: threading.Event | None = None
) -> subprocess.Popen:
    """Start one part in its own session, its output copied with its name."""
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    threading.Thread(target=stream, args=(name, proc, ready), daemon=True).start()
    return proc


def watch(
    procs: dict[str, subprocess.Popen],
    start: Callable[[str], subprocess.Popen],
    stopping: threading.Event,
    *,
    restart: tuple[str, ...] = RESTARTED,
    restart_every: float = RESTART_EVERY_SECONDS,
) -> None:
    """Until `stopping` is set: a part of `restart` that exits is started again (at most once
    every `restart_every` seconds), as docker-compose's `restart: unless-stopped` does; any
    other part exiting stops the rest. Celery's worker exits when it loses the broker with
    messages in hand (Redis restarted): the sweeper of the worker started again picks up what
    it held, where the whole product used to stop."""
    started = dict.fromkeys(procs, time.monotonic())
    while not stopping.is_set():
        for name, proc in procs.items():
            if proc.poll() is None:
                continue
            if name not in restart:
                print(f"     run | {name} exited with {proc.returncode}; stopping the rest")
                stopping.set()
                return
            wait = started[name] + restart_every - time.monotonic()
            print(
                f"     run | {name} exited with {proc.returncode}; starting it again"
                + (f" in {wait:.0f} s" if wait > 0 else ""),
                flush=True,
            )
            if wait > 0 and stopping.wait(wait):
                return
            procs[name] = start(name)
            started[name] = time.monotonic()
        stopping.wait(0.5)


def grants_file(emulator_port: str) -> Path:
    """Where the emulator keeps its sign-ins: one file per emulator port, so two `make run`s
    of one checkout (EMULATOR_PORT apart) do not each rewrite the file with only their own
    grants, signing the other's users out at its next start."""
    if emulator_port == "8090":
        return DATA / "emulator-grants.json"
    return DATA / f"emulator-grants-{emulator_port}.json"


def wait_for(url: str, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - our own loopback URL
                return True
        except OSError:
            time.sleep(0.3)
    return False


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    port = os.environ.get("PORT", "8000")
    emulator_port = os.environ.get("EMULATOR_PORT", "8090")
    found = find_services()
    emulator_url = f"http://127.0.0.1:{emulator_port}"
    env = {
        **os.environ,
        "DATABASE_URL": found.database_url,
        "REDIS_URL": found.redis_url,
        "CELERY_BROKER_URL": found.broker_url,
        "CELERY_RESULT_BACKEND": found.broker_url,
        "PYTHONUNBUFFERED": "1",
        # The links in e-mails (audio extraction): this web server unless told otherwise.
        "SITE_URL": os.environ.get("SITE_URL", f"http://127.0.0.1:{port}"),
    }
    # Unless told otherwise, the app talks to the emulator started below.
    if "YOUTUBE_API_URL" not in os.environ:
        env.update(
            YOUTUBE_API_URL=emulator_url,
            YOUTUBE_WEB_URL=emulator_url,
            GOOGLE_AUTH_URI=f"{emulator_url}/o/oauth2/auth",
            GOOGLE_TOKEN_URI=f"{emulator_url}/token",
            GOOGLE_USERINFO_URI=f"{emulator_url}/v1/userinfo",
            GOOGLE_REVOKE_URI=f"{emulator_url}/revoke",
        )
        start_emulator = True
    else:
        start_emulator = False
    for note in found.notes:
        print(f"     run | {note}")

    manage = [PY, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "1"], env=env, check=True)
    subprocess.run([*manage, "load_demo"], env=env, check=True)

    parts: dict[str, list[str]] = {}
    if start_emulator:
        parts["emulator"] = [
            PY,
            "-m",
            "youtube_emulator",
            "--host",
            "127.0.0.1",
            "--port",
            emulator_port,
            "--dataset",
            "demo",
            # Thumbnails from the emulator: the browser cannot reach YouTube's image host.
            "--public-url",
            emulator_url,
            # Sign-ins survive a restart of `make run`, as they do with Google.
            "--grants-file",
            str(grants_file(emulator_port)),
        ]
    parts["web"] = [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"]
    parts["worker"] = [
        PY,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "-P",
        "gevent",
        "-c",
        "100",
        "-Q",
        "interactive,polling,media",
        "--loglevel",
        "INFO",
    ]
    parts["beat"] = [PY, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO"]

    procs: dict[str, subprocess.Popen] = {}
    worker_ready = threading.Event()
    for name, cmd in parts.items():
        procs[name] = start_part(name, cmd, env, worker_ready if name == "worker" else None)
        if name == "emulator" and not wait_for(f"{emulator_url}/_emulator/stats"):
            print("     run | the emulator did not start; see its lines above")

    url = f"http://127.0.0.1:{port}"
    worker_ready.wait(90)
    if wait_for(f"{url}/healthz", 90):
        print(f"\n     run | TubeIndex is up: {url}  (admin: {url}/admin/, API: {url}/api/)")
        print("     run | Sign in with Google goes to the emulator's consent page.")
        print("     run | Ctrl-C stops everything.\n", flush=True)
    else:
        print(f"     run | {url}/healthz is not healthy yet; see the lines above", flush=True)

    stopping = threading.Event()
    # Explicit handlers: a shell that started us in the background may have ignored SIGINT.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    with contextlib.suppress(KeyboardInterrupt):
        watch(procs, lambda name: start_part(name, parts[name], env), stopping)
    print("\n     run | stopping…")
    for proc in procs.values():
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs.values():
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
