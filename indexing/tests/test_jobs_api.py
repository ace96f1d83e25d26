"""/api/jobs/ and /api/playlists/: start, follow, cancel, retry; each person sees only theirs."""

from __future__ import annotations

import pytest

from indexing import services
from indexing.models import IndexJob
from indexing.tests.support import ALICE, BOB, playlist_of, queued_messages, run_videos

pytestmark = pytest.mark.django_db(transaction=True)


def test_post_starts_a_job_and_answers_202_with_its_url(api, yt, redis_client):
    source = playlist_of(yt, ALICE, size=5)
    response = api.post("/api/jobs/", {"playlist_id": source.id}, format="json")
    assert response.status_code == 202
    assert response["Location"].endswith(f"/api/jobs/{response.data['id']}/")
    assert response.data["status"] == "queued" and response.data["playlist_id"] == source.id
    assert len(queued_messages(redis_client)) == 1  # the orchestrator, queued after commit


def test_a_second_post_returns_the_running_job(api, yt, django_capture_on_commit_callbacks):
    url = f"https://www.youtube.com/playlist?list={playlist_of(yt, ALICE, size=5).id}"
    first = api.post("/api/jobs/", {"playlist_id": url}, format="json")
    second = api.post("/api/jobs/", {"playlist_id": url}, format="json")
    assert first.status_code == 202 and second.status_code == 200
    assert first.data["id"] == second.data["id"]
    assert IndexJob.objects.count() == 1


@pytest.mark.parametrize(
    "value",
    [
        "",
        "not a playlist",
        "https://example.com/playlist?list=PL0123456789abc",
        "PL<script>",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    ],
)
def test_a_malformed_id_or_url_is_a_400_with_a_message(api, yt, value):
    response = api.post("/api/jobs/", {"playlist_id": value}, format="json")
    assert response.status_code == 400
    assert response.data["message"]
    assert not IndexJob.objects.exists()


def test_someone_elses_private_playlist_is_a_403_with_a_message(api, bob, yt):
    private = playlist_of(yt, BOB, title="private notes")
    response = api.post("/api/jobs/", {"playlist_id": private.id}, format="json")
    assert response.status_code == 403
    assert "private" in response.data["message"]
    assert not IndexJob.objects.exists()


def test_a_revoked_google_grant_is_a_403_pointing_to_google_sign_in_not_a_401(api, alice, yt):
    import requests

    from playlists.models import GoogleAccount

    source = playlist_of(yt, ALICE, size=5)
    account = GoogleAccount.objects.get(user=alice)
    revoked = requests.post(f"{yt.base_url}/revoke", data={"token": account.refresh_token})
    assert revoked.status_code == 200
    response = api.post("/api/jobs/", {"playlist_id": source.id}, format="json")
    # Her API token is fine (a 401 would say it is not): YouTube access is what is missing.
    assert response.status_code == 403 and "WWW-Authenticate" not in response
    assert "sign in with Google again" in response.data["message"]
    assert response.data["extra"] == {"sign_in": "/auth/google/start/"}
    assert not IndexJob.objects.exists()


def test_job_detail_shows_progress_and_only_to_its_owner(
    api, bob_api, yt, django_capture_on_commit_callbacks
):
    source = playlist_of(yt, ALICE, size=5)
    job_id = api.post("/api/jobs/", {"playlist_id": source.id}, format="json").data["id"]
    with django_capture_on_commit_callbacks(execute=False):
        services.playlist_index_run(job_id=job_id)
    running = api.get(f"/api/jobs/{job_id}/")
    assert running.data["status"] == "running"
    assert running.data["progress"]["total"] == 4 and running.data["progress"]["done"] == 0
    # One video done: the job's own figures say so, in the list as in the detail, while the
    # job runs (its row is written when it ends).
    first = IndexJob.objects.get(pk=job_id).videos.select_related("video").first()
    services.video_index_run(video_id=first.video.youtube_id, job_id=job_id, attempt=0)
    for body in (api.get(f"/api/jobs/{job_id}/").data, api.get("/api/jobs/").data["results"][0]):
        assert body["status"] == "running" and body["total"] == 4
        assert body["indexed"] + body["no_transcript"] + body["unavailable"] == 1
    run_videos(job_id)
    done = api.get(f"/api/jobs/{job_id}/").data
    assert done["status"] == "done" and done["progress"]["percent"] == 100
    assert done["indexed"] + done["no_transcript"] + done["unavailable"] == 4

    assert bob_api.get(f"/api/jobs/{job_id}/").status_code == 404
    assert bob_api.post(f"/api/jobs/{job_id}/cancel/").status_code == 404
    assert bob_api.get("/api/jobs/").data["count"] == 0
    assert [j["id"] for j in api.get("/api/jobs/").data["results"]] == [job_id]


def _job_with_a_failed_video(api, yt, settings, capture) -> int:
    """A job of alice's 5-video mix, run to its end with one video failed (no retries)."""
    settings.INDEXING_MAX_RETRIES = 0
    source = playlist_of(yt, ALICE, size=5)
    job_id = api.post("/api/jobs/", {"playlist_id": source.id}, format="json").data["id"]
    with capture(execute=False):
        services.playlist_index_run(job_id=job_id)
    yt.control.fail_next("transcript", status=500, count=1)
    run_videos(job_id)
    return job_id


def test_cancel_and_retry_failed_through_the_api(
    api, yt, settings, django_capture_on_commit_callbacks
):
    job_id = _job_with_a_failed_video(api, yt, settings, django_capture_on_commit_callbacks)
    assert api.post(f"/api/jobs/{job_id}/cancel/").status_code == 409  # already finished
    retried = api.post(f"/api/jobs/{job_id}/retry-failed/")
    assert retried.status_code == 202 and retried.data["status"] == "running"
    cancelled = api.post(f"/api/jobs/{job_id}/cancel/")
    assert cancelled.status_code == 200 and cancelled.data["status"] == "cancelled"


def test_playlists_api_lists_only_my_playlists_with_index_state(
    api, bob_api, yt, django_capture_on_commit_callbacks
):
    source = playlist_of(yt, ALICE, size=5)
    job_id = api.post("/api/jobs/", {"playlist_id": source.id}, format="json").data["id"]
    with django_capture_on_commit_callbacks(execute=False):
        services.playlist_index_run(job_id=job_id)
    run_videos(job_id)
    rows = api.get("/api/playlists/").data["results"]
    row = next(r for r in rows if r["id"] == source.id)
    assert row["last_job_id"] == job_id and row["last_job_status"] == "done"
    assert row["indexed_count"] == IndexJob.objects.get(pk=job_id).indexed
    assert bob_api.get("/api/playlists/").data["count"] == 0


def test_anonymous_callers_get_a_401_naming_the_token_scheme(yt, client):
    for answer in (
        client.get("/api/jobs/"),
        client.post("/api/jobs/", {"playlist_id": "PL0123456789abcdef"}),
    ):
        assert answer.status_code == 401
        assert answer["WWW-Authenticate"] == "Token"
        assert answer.json()["message"] == "Authentication credentials were not provided."
    assert not IndexJob.objects.exists()
    # A wrong token is told apart from none.
    answer = client.get("/api/jobs/", HTTP_AUTHORIZATION="Token not-a-real-token")
    assert answer.status_code == 401 and answer.json()["message"] == "Invalid token."


def test_the_form_to_start_a_job_asks_only_for_the_playlist_and_reindex(api, yt):
    # OPTIONS, and the browsable API's form built from the same serializer: what POST reads,
    # not the job's read-only figures (status, total, started at...), which it would ignore.
    assert set(api.options("/api/jobs/").data["actions"]["POST"]) == {"playlist_id", "reindex"}
    page = api.get("/api/jobs/", HTTP_ACCEPT="text/html").content.decode()
    assert 'name="playlist_id"' in page and 'name="reindex"' in page
    assert 'name="status"' not in page and 'name="total"' not in page


def test_retrying_a_job_while_another_of_its_playlist_runs_is_a_409_and_changes_nothing(
    api, yt, settings, django_capture_on_commit_callbacks
):
    first = _job_with_a_failed_video(api, yt, settings, django_capture_on_commit_callbacks)
    assert IndexJob.objects.get(pk=first).status == "done_with_failures"
    source = playlist_of(yt, ALICE, size=5)
    second = api.post("/api/jobs/", {"playlist_id": source.id, "reindex": True}, format="json")
    assert second.status_code == 202 and second.data["id"] != first  # a new job, running

    retried = api.post(f"/api/jobs/{first}/retry-failed/")
    assert retried.status_code == 409
    assert retried.data["message"] == (
        "Another job for this playlist is running; wait for it to finish."
    )
    job = IndexJob.objects.get(pk=first)
    assert job.status == "done_with_failures" and job.videos.filter(outcome="failed").exists()
