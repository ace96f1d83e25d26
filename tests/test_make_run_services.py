"""`make run`'s search for PostgreSQL (scripts/services.py) against the real server, and where
its emulator keeps sign-ins (scripts/run.py)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from services import ensure_database_of, find_postgres


def server_url(dbname: str) -> str:
    db = settings.DATABASES["default"]
    user = db["USER"] or "postgres"
    auth = f"{user}:{db['PASSWORD']}" if db["PASSWORD"] else user
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{dbname}"


def database_exists(name: str) -> bool:
    with psycopg.connect(server_url("postgres"), autocommit=True) as conn:
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        return conn.execute(query, [name]).fetchone() is not None


@pytest.fixture
def new_name():
    name = f"tubeindex_walk_{uuid.uuid4().hex[:8]}"
    yield name
    with psycopg.connect(server_url("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def test_a_database_url_naming_a_new_database_gets_it_created(new_name, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", server_url(new_name))
    notes: list[str] = []
    url = find_postgres(notes, [])
    assert url == server_url(new_name)
    assert database_exists(new_name)
    assert notes == ["PostgreSQL: DATABASE_URL (database created)"]
    # The next start finds it and says nothing more.
    notes.clear()
    find_postgres(notes, [])
    assert notes == ["PostgreSQL: DATABASE_URL"]


def test_an_unreachable_server_is_left_for_migrate_to_report(new_name):
    assert ensure_database_of(f"postgres://postgres@127.0.0.1:1/{new_name}") is False


def test_each_emulator_port_keeps_its_sign_ins_in_its_own_file():
    from run import grants_file
    from services import DATA

    assert grants_file("8090") == DATA / "emulator-grants.json"  # the default, as README says
    assert grants_file("8390") != grants_file("8090")
    assert grants_file("8390").parent == DATA


def sleeper() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


def exiting(code: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", f"raise SystemExit({code})"])


def test_a_worker_that_exits_is_started_again_and_any_other_part_stops_the_run(capsys):
    """Celery's worker exits ("Unrecoverable error") when Redis goes away while it holds
    messages: `make run` starts it again, as docker-compose's restart policy does, where it
    used to stop the whole product. Any other part exiting still stops it all."""
    from run import watch

    procs = {"worker": exiting(1), "web": sleeper()}
    started: list[str] = []

    def start(name: str) -> subprocess.Popen:
        started.append(name)
        return sleeper()

    stopping = threading.Event()
    watcher = threading.Thread(target=watch, args=(procs, start, stopping))
    watcher.start()
    try:
        deadline = time.monotonic() + 30
        while not started and time.monotonic() < deadline:
            time.sleep(0.1)
        assert started == ["worker"]
        assert procs["worker"].poll() is None  # the new one runs
        assert not stopping.is_set()

        procs["web"].terminate()  # web exits: the whole run stops
        watcher.join(30)
        assert stopping.is_set() and not watcher.is_alive()
    finally:
        stopping.set()
        watcher.join(30)
        for proc in procs.values():
            proc.kill()
            proc.wait(10)
    out = capsys.readouterr().out
    assert "worker exited with 1; starting it again" in out
    assert "web exited with -15; stopping the rest" in out
