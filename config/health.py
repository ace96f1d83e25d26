"""/healthz: is each part of the system reachable? 200 when all are, 503 naming what is not."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import psycopg
import redis
from celery import Celery
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse

logger = logging.getLogger(__name__)

Check = Callable[[], dict]


def check_postgres() -> dict:
    # A direct connection with a short timeout: the pool would wait DB_POOL_TIMEOUT seconds.
    params = {
        key: value
        for key, value in connection.get_connection_params().items()
        if key not in ("cursor_factory", "context")
    }
    with psycopg.connect(**params, connect_timeout=2) as conn:
        conn.execute("SELECT 1").fetchone()
    return {}


def check_redis() -> dict:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return {}


def check_celery() -> dict:
    # A throwaway app on the current broker URL: the project app's producer pool would keep
    # retrying a broker that went away instead of answering "down" within a second.
    probe = Celery("healthz", set_as_current=False)
    # Celery prefers the CELERY_BROKER_URL environment variable over broker_url, which would
    # ping whatever broker the environment names; the read/write URLs are taken as given.
    probe.conf.broker_write_url = probe.conf.broker_read_url = settings.CELERY_BROKER_URL
    probe.conf.broker_connection_retry = False
    probe.conf.broker_connection_timeout = 1
    try:
        # A connection of its own, not one from kombu's pool: the pool is per broker URL for
        # the whole process, and a connection it kept from before Redis restarted is dead
        # ("Connection closed by server": celery reported down while the worker was fine).
        with probe.connection_for_write() as connection:
            replies = probe.control.ping(timeout=1.0, connection=connection) or []
    finally:
        probe.close()
    workers = sorted(name for reply in replies for name in reply)
    if not workers:
        raise RuntimeError("no Celery worker answered")
    return {"workers": workers}


CHECKS: dict[str, Check] = {
    "postgres": check_postgres,
    "redis": check_redis,
    "celery": check_celery,
}


def run_checks(checks: dict[str, Check] | None = None) -> dict[str, dict]:
    results: dict[str, dict] = {}
    for name, check in (checks or CHECKS).items():
        started = time.perf_counter()
        try:
            detail = check()
            results[name] = {"ok": True, **detail}
        except Exception as exc:
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return results


def healthz(request: HttpRequest) -> JsonResponse:
    # Celery needs the broker: when Redis is down, don't wait for a ping that cannot arrive.
    checks = dict(CHECKS)
    results = run_checks({k: v for k, v in checks.items() if k != "celery"})
    if results["redis"]["ok"]:
        results.update(run_checks({"celery": check_celery}))
    else:
        results["celery"] = {"ok": False, "error": "Redis (the broker) is down", "ms": 0.0}
    down = [name for name, result in results.items() if not result["ok"]]
    body = {"status": "ok" if not down else "down", "down": down, "checks": results}
    response = JsonResponse(body, status=200 if not down else 503)
    if down:
        # "Down" is this endpoint's normal answer, not a server error: one WARNING naming what
        # is down and why, instead of django.request's ERROR "Service Unavailable: /healthz".
        reasons = "; ".join(f"{name}: {results[name]['error']}" for name in down)
        logger.warning("healthz: down: %s", reasons)
        response._has_been_logged = True
    return response
