"""/healthz reports PostgreSQL, Redis and Celery; 503 naming whatever is down."""

from __future__ import annotations

import logging
import socket
import time

import pytest

pytestmark = pytest.mark.django_db


def test_all_up_answers_200_with_the_worker_named(client, celery_worker_process):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["down"] == []
    hostname = celery_worker_process.name.replace("%h", socket.gethostname())
    assert hostname in body["checks"]["celery"]["workers"]
    assert body["checks"]["postgres"]["ok"] and body["checks"]["redis"]["ok"]


def test_no_worker_answers_503_naming_celery(client, private_redis):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["down"] == ["celery"]


def test_redis_down_answers_503_naming_redis(client, private_redis):
    private_redis.stop()
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert "redis" in body["down"]
    assert body["checks"]["redis"]["error"]
    assert body["checks"]["postgres"]["ok"]


def test_postgres_down_answers_503_naming_postgres(client, monkeypatch, private_redis):
    from django.db import connection

    monkeypatch.setitem(connection.settings_dict, "PORT", "1")  # nothing listens there
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "postgres" in response.json()["down"]


def test_pages_show_a_message_not_a_traceback_when_redis_is_down(client, private_redis):
    private_redis.stop()
    response = client.get("/")
    assert response.status_code == 503
    assert b"Redis is not reachable right now" in response.content
    assert b"Traceback" not in response.content


def test_the_video_api_still_answers_when_redis_is_down(client, private_redis):
    private_redis.stop()
    # The video list does not need Redis, so it keeps working.
    assert client.get("/api/videos/").status_code == 200


def test_a_503_is_logged_once_as_a_warning_naming_what_is_down(client, private_redis, caplog):
    with caplog.at_level(logging.INFO):
        response = client.get("/healthz")
    assert response.status_code == 503
    logged = [
        (r.name, r.levelname, r.getMessage())
        for r in caplog.records
        if r.name in ("django.request", "config.health")
    ]
    # Not django.request's ERROR "Service Unavailable: /healthz", which says nothing of why.
    assert logged == [
        (
            "config.health",
            "WARNING",
            "healthz: down: celery: RuntimeError: no Celery worker answered",
        )
    ]


def test_the_first_look_after_redis_restarted_finds_the_worker_it_reconnected(
    client, celery_worker_process, private_redis
):
    """The check's broker connection from before the restart is dead: the first /healthz
    after one read "celery: ConnectionError: Connection closed by server." (503) while Redis
    and the worker were both fine, a false alarm for whatever polls it."""
    assert client.get("/healthz").status_code == 200
    private_redis.restart()
    # The worker reconnects by itself (its log says so a second time).
    deadline = time.monotonic() + 60
    while celery_worker_process.output().count("Connected to redis") < 2:
        assert time.monotonic() < deadline, celery_worker_process.output()[-2000:]
        time.sleep(0.2)

    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
