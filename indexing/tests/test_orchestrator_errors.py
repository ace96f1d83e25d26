"""An orchestrator that fails for a reason a retry cannot fix ends its job with that reason."""

from __future__ import annotations

import pytest
from django.db import connection

from indexing import services
from indexing.models import IndexJob
from indexing.tasks import index_playlist
from indexing.tests.support import ALICE, playlist_of
from playlists.models import GoogleAccount

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_token_this_deployment_cannot_decrypt_fails_the_job_with_its_reason(alice, yt):
    """E.g. a worker started with another encryption key than the web: the job must not stay
    "running" forever with nobody watching it."""
    source = playlist_of(yt, ALICE, size=5)
    playlist = services.playlist_resolve(user=alice, youtube_id=source.id)
    job, _ = services.index_job_start(user=alice, playlist=playlist)
    table = GoogleAccount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET access_token = %s, refresh_token = %s",
            ["not-a-fernet-token", "not-a-fernet-token"],
        )

    index_playlist.apply((job.pk,))  # as a worker runs it: Celery's call path, no broker

    job.refresh_from_db()
    assert job.status == IndexJob.Status.FAILED
    assert job.message.startswith("indexing could not start: stored secret cannot be decrypted")
    assert job.finished_at is not None
    assert "not-a-fernet-token" not in job.message
