"""dispatch_due_topics: claims due active topics once, queues one poll each after commit."""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from indexing.models import Topic
from indexing.tests.support import run_in_threads
from indexing.topics import CLAIM_LEASE, topics_claim_due

pytestmark = pytest.mark.django_db


def make_topic(name: str, *, due_in: timedelta, active: bool = True) -> Topic:
    return Topic.objects.create(
        name=name, query=name, is_active=active, next_poll_at=timezone.now() + due_in
    )


def test_it_claims_only_due_active_topics_and_leases_them():
    due = make_topic("due", due_in=timedelta(minutes=-1))
    make_topic("later", due_in=timedelta(hours=1))
    make_topic("paused", due_in=timedelta(minutes=-1), active=False)
    now = timezone.now()

    assert topics_claim_due(now=now) == [due.pk]
    due.refresh_from_db()
    assert due.next_poll_at == now + CLAIM_LEASE
    assert topics_claim_due(now=now) == [], "a claimed topic is not due again"


def test_a_lost_poll_makes_the_topic_due_again_after_the_lease():
    due = make_topic("due", due_in=timedelta(minutes=-1))
    now = timezone.now()
    topics_claim_due(now=now)
    assert topics_claim_due(now=now + CLAIM_LEASE) == [due.pk]


def test_the_task_queues_polls_only_when_the_claim_commits(django_capture_on_commit_callbacks):
    from indexing.tasks_topics import dispatch_due_topics

    due = make_topic("due", due_in=timedelta(minutes=-1))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert dispatch_due_topics() == [due.pk]
    assert len(callbacks) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatchers_never_claim_a_topic_twice():
    topics = [make_topic(f"t{i}", due_in=timedelta(minutes=-1)) for i in range(60)]
    claimed: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def dispatcher() -> None:
        start.wait()
        try:
            mine = []
            for _ in range(10):
                mine += topics_claim_due(limit=5)
        finally:
            connection.close()
        with lock:
            claimed.extend(mine)

    run_in_threads([dispatcher] * 8)
    assert sorted(claimed) == sorted(t.pk for t in topics)


def test_setup_beat_registers_the_dispatcher_once_and_keeps_admin_toggles():
    from django.core.management import call_command
    from django_celery_beat.models import PeriodicTask

    call_command("setup_beat", stdout=io.StringIO())
    task = PeriodicTask.objects.get(name="Dispatch due topics")
    assert (task.task, task.queue, task.interval.every) == (
        "indexing.tasks.dispatch_due_topics",
        "polling",
        60,
    )
    task.enabled = False
    task.save()
    call_command("setup_beat", stdout=io.StringIO())
    assert PeriodicTask.objects.filter(name="Dispatch due topics").count() == 1
    assert not PeriodicTask.objects.get(name="Dispatch due topics").enabled
    retier = PeriodicTask.objects.get(name="Re-tier search")
    assert (retier.task, retier.queue, retier.interval.every) == (
        "videos.tasks.search_retier",
        "polling",
        86400,
    )


def test_the_admin_poll_soon_action_makes_active_topics_due(staff_client):
    from django.urls import reverse

    later = make_topic("later", due_in=timedelta(hours=5))
    paused = make_topic("paused", due_in=timedelta(hours=5), active=False)
    response = staff_client.post(
        reverse("admin:indexing_topic_changelist"),
        {"action": "poll_soon", "_selected_action": [later.pk, paused.pk]},
    )
    assert response.status_code == 302
    assert topics_claim_due() == [later.pk]
