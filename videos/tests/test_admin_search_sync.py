"""What the admin changes reaches search at once: the result cache, and Elasticsearch."""

from __future__ import annotations

import pytest
from django.urls import reverse
from elasticsearch.dsl.connections import connections

from videos.models import Channel, Transcript, TranscriptChunk, Video
from videos.selectors import video_search
from videos.tests.search_helpers import add_video
from videos.tests.test_search_elastic import live

# Committed for real: what the admin does after the commit is what is tested.
pytestmark = pytest.mark.django_db(transaction=True)


def found(q: str) -> list[str]:
    """The ids a search shows, through the result cache as the pages and API read it."""
    return [hit.video.youtube_id for hit in video_search(q=q).hits]


@pytest.fixture
def cached(redis_client):
    """Two videos searched once, so their results sit in the cache."""
    add_video("keptvideo01", title="Saffron risotto at home", channel="Kitchen One")
    add_video(
        "admvideo001",
        title="Saffron buns",
        channel="Bakery Two",
        said=[(0.0, "fold the dough twice"), (30.0, "brush the saffron glaze")],
    )
    assert sorted(found("saffron")) == ["admvideo001", "keptvideo01"]
    assert found("glaze") == found("buns") == ["admvideo001"]
    assert video_search(q="saffron").cached
    return Video.objects.get(youtube_id="admvideo001")


def test_a_video_deleted_in_the_admin_leaves_the_results_at_once(staff_client, cached):
    url = reverse("admin:videos_video_delete", args=[cached.pk])
    assert staff_client.post(url, {"post": "yes"}).status_code == 302
    assert found("saffron") == ["keptvideo01"] and found("glaze") == []
    assert video_search(q="saffron").total == 1  # not the cached page's count of two


def test_videos_deleted_from_the_list_leave_the_results(staff_client, cached):
    answer = staff_client.post(
        reverse("admin:videos_video_changelist"),
        {"action": "delete_selected", "_selected_action": [cached.pk], "post": "yes"},
    )
    assert answer.status_code == 302 and not Video.objects.filter(pk=cached.pk).exists()
    assert found("saffron") == ["keptvideo01"] and video_search(q="saffron").total == 1


def test_a_deleted_channel_leaves_its_videos_without_one_in_the_results(staff_client, cached):
    # Videos outlive their channel (SET_NULL): still found, no longer under its name.
    assert [h.video.channel.title for h in video_search(q="glaze").hits] == ["Bakery Two"]
    assert found("glaze channel:bakery") == ["admvideo001"]
    url = reverse("admin:videos_channel_delete", args=[cached.channel_id])
    assert staff_client.post(url, {"post": "yes"}).status_code == 302
    assert [h.video.channel for h in video_search(q="glaze").hits] == [None]
    assert found("glaze channel:bakery") == []


def test_a_retitled_video_is_found_by_its_new_title_only(staff_client, cached):
    url = reverse("admin:videos_video_change", args=[cached.pk])
    form = staff_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}  # as the browser sends it
    data.update(
        {
            "title": "Cardamom rolls",
            "transcript-TOTAL_FORMS": "1",
            "transcript-INITIAL_FORMS": "1",
            "transcript-MIN_NUM_FORMS": "0",
            "transcript-MAX_NUM_FORMS": "1",
            "transcript-0-id": cached.transcript.pk,
            "transcript-0-video": cached.pk,
        }
    )
    answer = staff_client.post(url, data)
    assert answer.status_code == 302, answer.context["adminform"].form.errors
    assert found("buns") == []
    assert found("cardamom") == ["admvideo001"]
    assert Video.objects.get(pk=cached.pk).tags == []


def test_a_deleted_transcript_or_chunk_is_no_longer_said(staff_client, cached):
    chunk = TranscriptChunk.objects.get(video=cached, text__contains="glaze")
    url = reverse("admin:videos_transcriptchunk_delete", args=[chunk.pk])
    assert staff_client.post(url, {"post": "yes"}).status_code == 302
    assert found("glaze") == [] and sorted(found("saffron")) == ["admvideo001", "keptvideo01"]
    assert found("dough") == ["admvideo001"]
    url = reverse("admin:videos_transcript_delete", args=[cached.transcript.pk])
    assert staff_client.post(url, {"post": "yes"}).status_code == 302
    assert not Transcript.objects.filter(video=cached).exists()
    assert found("dough") == [] and Video.objects.filter(pk=cached.pk).exists()


@pytest.fixture
def unreachable_elasticsearch(settings):
    """The Elasticsearch engine pointed at a loopback port nothing listens on."""
    settings.SEARCH_BACKEND = "elasticsearch"
    before = connections.get_connection()
    connections.create_connection(hosts=["http://127.0.0.1:9"], max_retries=0)
    yield
    connections.add_connection("default", before)


def test_with_elasticsearch_down_the_admin_saves_and_says_the_index_is_behind(
    staff_client, redis_client, unreachable_elasticsearch
):
    add_video("downvideo01", title="Sourdough starter")
    video = Video.objects.get()
    url = reverse("admin:videos_video_delete", args=[video.pk])
    answer = staff_client.post(url, {"post": "yes"}, follow=True)
    assert answer.status_code == 200
    assert not Video.objects.exists()
    said = [str(m) for m in answer.context["messages"]]
    assert any("search engine could not be updated" in m for m in said), said


@live
def test_on_elasticsearch_a_video_deleted_in_the_admin_leaves_the_index(
    staff_client, redis_client, es_backend
):
    from videos.search import index_videos

    pk = add_video("esgone00001", title="Saffron buns", said=[(0.0, "brush the saffron glaze")])
    add_video("eskept00001", title="Saffron risotto")
    index_videos(list(Video.objects.values_list("pk", flat=True)))
    assert sorted(found("saffron")) == ["esgone00001", "eskept00001"]
    url = reverse("admin:videos_video_delete", args=[pk])
    assert staff_client.post(url, {"post": "yes"}).status_code == 302
    assert found("saffron") == ["eskept00001"] and found("glaze") == []
    assert Channel.objects.exists()
