"""/api/jobs/ answers what its OpenAPI schema says: a client generated from /api/schema/ can
start, follow, cancel and retry a job, and reads its errors."""

from __future__ import annotations

import pytest

from config.tests.openapi import assert_matches_schema
from indexing import services
from indexing.tests.support import ALICE, playlist_of, run_videos

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_jobs_life_through_the_api_matches_the_schema(
    api, yt, settings, django_capture_on_commit_callbacks
):
    settings.INDEXING_MAX_RETRIES = 0
    source = playlist_of(yt, ALICE, size=5)
    started = api.post("/api/jobs/", {"playlist_id": source.id}, format="json")
    job = f"/api/jobs/{started.data['id']}/"
    # Queued: not started, so no duration yet (null).
    assert started.data["duration_seconds"] is None
    assert_matches_schema("POST", "/api/jobs/", started)
    assert_matches_schema("GET", "/api/jobs/", api.get("/api/jobs/"))
    queued = api.get(job)
    assert "progress" in queued.data
    assert_matches_schema("GET", job, queued)

    with django_capture_on_commit_callbacks(execute=False):
        services.playlist_index_run(job_id=started.data["id"])
    yt.control.fail_next("transcript", status=500, count=1)
    run_videos(started.data["id"])
    assert_matches_schema("GET", job, api.get(job))
    not_running = api.post(f"{job}cancel/")
    assert not_running.status_code == 409
    assert_matches_schema("POST", f"{job}cancel/", not_running)

    retried = api.post(f"{job}retry-failed/")
    assert retried.status_code == 202
    assert_matches_schema("POST", f"{job}retry-failed/", retried)
    again = api.post(f"{job}retry-failed/")  # running now: not a finished job with failures
    assert again.status_code == 409
    assert_matches_schema("POST", f"{job}retry-failed/", again)
    cancelled = api.post(f"{job}cancel/")
    assert cancelled.status_code == 200
    assert_matches_schema("POST", f"{job}cancel/", cancelled)


def test_the_jobs_errors_are_declared_in_the_schema(api, yt, client):
    missing = "/api/jobs/999999/"
    for method, path, answer in (
        ("GET", missing, api.get(missing)),
        ("POST", f"{missing}cancel/", api.post(f"{missing}cancel/")),
        ("POST", f"{missing}retry-failed/", api.post(f"{missing}retry-failed/")),
        ("GET", "/api/jobs/", client.get("/api/jobs/")),
        ("POST", "/api/jobs/", client.post("/api/jobs/", {"playlist_id": "PL0123456789abcdef"})),
        ("GET", "/api/playlists/", client.get("/api/playlists/")),
        ("GET", "/api/audio/", client.get("/api/audio/")),
        ("GET", "/api/videos/", client.get("/api/videos/", HTTP_AUTHORIZATION="Token wrong")),
        ("GET", "/api/jobs/", api.get("/api/jobs/?page=9")),
        ("GET", "/api/videos/", api.get("/api/videos/?cursor=nonsense")),
    ):
        assert answer.status_code in (401, 404)
        assert_matches_schema(method, path, answer)
