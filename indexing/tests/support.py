"""Shared test helpers for playlist indexing: the emulator wired in by settings, a signed-in
Google user, and a way to run a job's tasks in this process by calling the task functions."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

import pytest
from google.oauth2.credentials import Credentials

from indexing import services
from indexing.models import IndexJob, JobVideo
from indexing.youtube import oauth
from playlists.services import google_sign_in

ALICE = "alice@example.com"
BOB = "bob@example.com"


def point_at_emulator(settings, base_url: str) -> None:
    settings.YOUTUBE_API_URL = base_url
    settings.YOUTUBE_WEB_URL = base_url
    settings.GOOGLE_AUTH_URI = f"{base_url}/o/oauth2/auth"
    settings.GOOGLE_TOKEN_URI = f"{base_url}/token"
    settings.GOOGLE_USERINFO_URI = f"{base_url}/v1/userinfo"
    settings.GOOGLE_REVOKE_URI = f"{base_url}/revoke"


def credentials_from_token(body: dict, settings) -> Credentials:
    """google-auth Credentials for a token response (e.g. the emulator's /_emulator/tokens)."""
    return Credentials(
        token=body["access_token"],
        refresh_token=body.get("refresh_token"),
        token_uri=settings.GOOGLE_TOKEN_URI,
        client_id=settings.GOOGLE_CLIENT_ID,
        client_secret=settings.GOOGLE_CLIENT_SECRET,
        scopes=body["scope"].split(),
        expiry=datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=body["expires_in"]),
    )


def sign_in(emulator, settings, email: str):
    """A user created through the real sign-in service from tokens the emulator issued."""
    credentials = credentials_from_token(emulator.control.issue_token(email), settings)
    return google_sign_in(credentials=credentials, profile=oauth.userinfo(credentials))


def playlist_of(emulator, email: str, size: int | None = None, title: str | None = None):
    for playlist in emulator.dataset.account_playlists(email):
        if size is not None and f"({size} videos)" in playlist.title:
            return playlist
        if title is not None and title in playlist.title:
            return playlist
    raise LookupError((email, size, title))


def run_videos(job_id: int, *, max_rounds: int = 20) -> None:
    """Run every pending video of a job by calling the task's service function, retrying
    RetryLater at once (the backoff's waiting is the worker's business, not the test's)."""
    attempts: dict[str, int] = {}
    for _ in range(max_rounds):
        pending = list(
            JobVideo.objects.filter(job_id=job_id, outcome="pending").values_list(
                "video__youtube_id", flat=True
            )
        )
        if not pending:
            break
        for video_id in pending:
            try:
                services.video_index_run(
                    video_id=video_id, job_id=job_id, attempt=attempts.get(video_id, 0)
                )
            except services.RetryLater as later:
                if later.counts:
                    services.video_retry_noted(
                        job_id=job_id, video_id=video_id, reason=later.reason, countdown=0
                    )
                    attempts[video_id] = attempts.get(video_id, 0) + 1
    services.job_finish(job_id=job_id)


def run_job(job: IndexJob, capture) -> IndexJob:
    """Orchestrator, then every video, then finish: the whole job in this process."""
    with capture(execute=False):
        services.playlist_index_run(job_id=job.pk)
    job.refresh_from_db()
    if job.status == IndexJob.Status.RUNNING:
        run_videos(job.pk)
    job.refresh_from_db()
    return job


@pytest.fixture
def yt(settings, emulator, redis_client):
    """The emulator, reset, with every YouTube/Google URL of the app pointed at it."""
    point_at_emulator(settings, emulator.base_url)
    settings.TRANSCRIPT_PROXY_URL = ""
    settings.INDEXING_BACKOFF_BASE_SECONDS = 0.01
    return emulator


@pytest.fixture
def alice(yt, settings, transactional_db):
    return sign_in(yt, settings, ALICE)


@pytest.fixture
def bob(yt, settings, transactional_db):
    return sign_in(yt, settings, BOB)


def api_client(user):
    """DRF's test client, authenticated as `user` (the API as a script with their token)."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def api(alice):
    return api_client(alice)


@pytest.fixture
def bob_api(bob):
    return api_client(bob)


def run_in_threads(targets: Iterable[Callable[[], object]]) -> None:
    """Each target in its own thread, all started before any is joined."""
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def queue_keys(queue: str = "interactive") -> list[str]:
    """The Redis lists that hold a queue's messages: one per priority step (kombu's Redis
    transport: `queue` for 0, `queue` + its separator + the step for the others)."""
    from django.conf import settings

    steps = settings.CELERY_BROKER_TRANSPORT_OPTIONS["priority_steps"]
    return [queue] + [f"{queue}\x06\x16{step}" for step in steps if step]


def queued_messages(redis_client, queue: str = "interactive") -> list[dict]:
    """Every message waiting in `queue`, in the order a worker takes them."""
    import json

    return [
        json.loads(raw)
        for key in queue_keys(queue)
        for raw in reversed(redis_client.lrange(key, 0, -1))
    ]


def drop_queue(redis_client, queue: str = "interactive") -> None:
    """Lose every message of `queue`, as a broker that went away would."""
    redis_client.delete(*queue_keys(queue))
