"""Project-wide pytest fixtures. Tests run on the real PostgreSQL and Redis of this machine.

Each developer/CI run uses the database and Redis db of DATABASE_URL / REDIS_URL, so parallel
runs stay apart by setting those two variables (see README "Tests").
"""

from __future__ import annotations

import pytest
import redis as redis_lib


@pytest.fixture
def redis_client(settings):
    """The Redis db of REDIS_URL, emptied before and after the test."""
    client = redis_lib.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@example.com", "pw-alice-123")


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user("bob", "bob@example.com", "pw-bob-123")


@pytest.fixture
def staff_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("admin", "admin@example.com", "pw-admin")
    client.force_login(admin)
    return client


@pytest.fixture
def es_backend(settings):
    """The Elasticsearch engine, on empty indexes (for the live tests, marked with
    videos.tests.test_search_elastic.live: they need ELASTICSEARCH_URL)."""
    from django_elasticsearch_dsl.registries import registry

    settings.SEARCH_BACKEND = "elasticsearch"
    for index in registry.get_indices():
        index.delete(ignore_unavailable=True)
        index.create()
    from videos.search import get_backend

    return get_backend()
