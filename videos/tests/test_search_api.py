"""GET /api/search/ and the pages: shape, paging, bad input, and no 5xx for any string."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from videos.models import Video
from videos.tests.search_helpers import add_video, filler

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis_client")]


@pytest.fixture
def indexed():
    add_video(
        "demo0000001",
        title="Flux capacitor repair",
        channel="Doc Brown Labs",
        said=[*filler(0, 12), (61.5, "the flux capacitor needs power"), *filler(70, 4)],
    )
    add_video("demo0000002", title="Clock tower", channel="Hill Valley")


def test_results_carry_the_video_and_its_moments(client, indexed):
    response = client.get("/api/search/", {"q": "flux capacitor"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["count_is_exact"] and body["next"] is None
    hit = body["results"][0]
    assert hit["video"]["youtube_id"] == "demo0000001"
    assert hit["video"]["channel"]["title"] == "Doc Brown Labs"
    assert hit["video"]["thumbnail_url"]
    assert hit["moments"] == [
        {
            "start": 61.5,
            "timestamp": "1:01",
            "url": "https://www.youtube.com/watch?v=demo0000001&t=61s",
            "snippet_html": hit["moments"][0]["snippet_html"],
        }
    ]
    assert "<mark>flux</mark>" in hit["moments"][0]["snippet_html"]


def test_filters_as_parameters(client, indexed):
    response = client.get("/api/search/", {"q": "clock", "channel": "hill valley"})
    assert [h["video"]["youtube_id"] for h in response.json()["results"]] == ["demo0000002"]
    response = client.get("/api/search/", {"q": "clock", "channel": "doc brown labs"})
    assert response.json()["results"] == []


def test_the_channels_a_channel_filter_searched_are_in_the_answer(client, indexed):
    add_video("demo0000003", title="Clock repair", channel="Hill Valley Courthouse")
    exact = client.get("/api/search/", {"q": "clock", "channel": "hill valley"}).json()
    assert exact["channel_filter"] == {
        "typed": "hill valley",
        "channels": [{"youtube_id": "UCHillValley", "title": "Hill Valley"}],
        "count": 1,
        "closest": False,
    }
    contains = client.get("/api/search/", {"q": "clock channel:valley"}).json()
    assert {c["title"] for c in contains["channel_filter"]["channels"]} == {
        "Hill Valley",
        "Hill Valley Courthouse",
    }
    assert not contains["channel_filter"]["closest"]
    # Misspelt: no channel has that name, so the closest names were searched, and it says so.
    misspelt = client.get("/api/search/", {"q": "flux", "channel": "doc brwn lab"}).json()
    assert misspelt["channel_filter"]["closest"]
    assert misspelt["channel_filter"]["channels"][0]["title"] == "Doc Brown Labs"
    assert [h["video"]["youtube_id"] for h in misspelt["results"]] == ["demo0000001"]
    nothing = client.get("/api/search/", {"q": "flux", "channel": "zzqqxxyyww"}).json()
    assert nothing["channel_filter"]["channels"] == [] and nothing["results"] == []
    assert client.get("/api/search/", {"q": "flux"}).json()["channel_filter"] is None


def test_the_words_a_misspelt_word_also_matched_are_in_the_answer_and_on_the_page(client, indexed):
    body = client.get("/api/search/", {"q": "flux capacitr"}).json()
    assert body["corrections"] == [{"word": "capacitr", "also": ["capacitor"]}]
    assert [h["video"]["youtube_id"] for h in body["results"]] == ["demo0000001"]
    assert client.get("/api/search/", {"q": "flux capacitor"}).json()["corrections"] == []
    html = client.get("/search/", {"q": "flux capacitr"}).content.decode()
    assert "Also searched for <b>capacitor</b> (for “capacitr”)." in html


def test_the_results_page_says_when_a_channel_filter_took_the_closest_names(client, indexed):
    html = client.get("/search/", {"q": "flux", "channel": "doc brwn lab"}).content.decode()
    assert (
        "No channel is called “doc brwn lab”; searched the closest: <b>Doc Brown Labs</b>" in html
    )
    html = client.get("/search/", {"q": "clock", "channel": "hill valley"}).content.decode()
    assert "Channel: Hill Valley." in html
    html = client.get("/search/", {"q": "flux", "channel": "zzqqxxyyww"}).content.decode()
    assert "No channel is called “zzqqxxyyww”." in html


def test_a_topic_or_playlist_filter_that_names_nothing_says_so(client, indexed):
    from indexing.models import Topic

    Topic.objects.create(name="Time travel", query="time travel").videos.add(
        Video.objects.get(youtube_id="demo0000001")
    )
    body = client.get("/api/search/", {"q": "flux", "topic": "time"}).json()
    assert body["unknown_names"] == [] and len(body["results"]) == 1
    body = client.get("/api/search/", {"q": "flux topic:cooking playlist:PLnone"}).json()
    assert body["results"] == []
    assert body["unknown_names"] == [
        {"filter": "topic", "typed": "cooking"},
        {"filter": "playlist", "typed": "PLnone"},
    ]
    html = client.get("/search/", {"q": "flux", "topic": "cooking"}).content.decode()
    assert "No topic is called “cooking”, so nothing was found" in html
    assert "No topic is called" not in client.get("/search/", {"q": "flux"}).content.decode()


def test_the_form_offers_the_topics_and_your_own_playlists(client, indexed, django_user_model):
    from indexing.models import Topic
    from playlists.models import Playlist

    Topic.objects.create(name="Time travel", query="time travel")
    mine = Playlist.objects.create(youtube_id="PLmine", title="My clocks")
    Playlist.objects.create(youtube_id="PLtheirs", title="Their secrets")
    alice = django_user_model.objects.create_user("alice")
    mine.owners.add(alice)
    html = client.get("/search/").content.decode()
    assert '<option value="Time travel">' in html and "My clocks" not in html
    client.force_login(alice)
    html = client.get("/search/").content.decode()
    assert '<option value="My clocks">' in html and "Their secrets" not in html


def test_paging_links(client):
    for i in range(5):
        add_video(f"paged{i:06d}", title=f"Origami {i}")
    first = client.get("/api/search/", {"q": "origami", "page_size": 2}).json()
    assert first["count"] == 5 and first["previous"] is None
    assert "page=2" in first["next"]
    last = client.get("/api/search/", {"q": "origami", "page_size": 2, "page": 3}).json()
    assert len(last["results"]) == 1 and last["next"] is None and "page=2" in last["previous"]


def test_a_page_past_the_results_says_so_and_links_to_the_last_one(client):
    for i in range(5):
        add_video(f"paged{i:06d}", title=f"Origami {i}")
    assert "<mark>Origami</mark> 0" in client.get("/search/", {"q": "origami"}).content.decode()
    html = client.get("/search/", {"q": "origami", "page": 4, "sort": "date"}).content.decode()
    assert "Page 4 is past the results: the 5 videos fill page 1." in html
    assert "Nothing found." not in html
    assert '<a href="?q=origami&amp;page=1&amp;sort=date">Go to page 1</a>' in html
    html = client.get("/search/", {"q": "nowhere", "page": 3}).content.decode()
    assert "Nothing found." in html and "past the results" not in html


def test_previous_from_a_page_past_the_results_is_the_last_page_with_any(client):
    for i in range(5):
        add_video(f"paged{i:06d}", title=f"Origami {i}")
    body = client.get("/api/search/", {"q": "origami", "page_size": 2, "page": 999}).json()
    assert body["results"] == [] and body["next"] is None
    assert body["previous"].endswith("/api/search/?q=origami&page_size=2&page=3")
    html = client.get("/search/", {"q": "origami", "page": 999}).content.decode()
    assert '<a href="?q=origami&amp;page=1">← Previous</a>' in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": ""}, "Type something to search for."),
        ({"q": "   "}, "Type something to search for."),
        ({}, "Type something to search for."),
        ({"q": "x" * 501}, "q: Ensure this field has no more than 500 characters."),
        ({"q": "-only -excluded"}, "The query has no words to look for"),
        ({"q": "x", "after": "soon"}, "after: dates are written"),
        ({"q": "x after:soon"}, "dates are written"),
        ({"q": "x before:9999-12-31"}, "dates go up to 9998"),
        ({"q": "x", "before": "9999"}, "before: dates go up to 9998"),
        ({"q": "x", "after": "9999-12"}, "after: dates go up to 9998"),
        ({"q": "x", "sort": "random"}, "sort:"),
        ({"q": "x", "page_size": "1000"}, "page_size:"),
        ({"q": "x", "transcript": "maybe"}, "transcript:"),
        ({"q": "x", "duration": "ages"}, "duration: expects short, medium, long"),
        ({"q": "x duration:ages"}, "duration: expects short, medium, long"),
        ({"q": "x", "duration": "20-5"}, "duration: '20-5' ends before it starts"),
        ({"q": "x", "lang": "english!"}, "lang: expects a language code"),
        ({"q": "x lang:english!"}, "lang: expects a language code"),
        ({"q": "x", "after": "2024-13-01"}, "after: '2024-13-01' is not a date"),
        ({"q": "x after:2024-13-01"}, "after: '2024-13-01' is not a date"),
        ({"q": "x source:radio"}, "source: expects one of topic, playlist"),
        ({"q": "x", "language": "zz"}, "Unknown parameter 'language'. Did you mean lang?"),
        ({"q": "x", "chanel": "Bob"}, "Unknown parameter 'chanel'. Did you mean channel?"),
        ({"q": "x", "zzz": "1"}, "Unknown parameter 'zzz'. The search API reads q, sort,"),
    ],
)
def test_bad_input_is_a_400_with_a_message(client, params, message):
    response = client.get("/api/search/", params)
    assert response.status_code == 400
    body = response.json()
    assert message in body["message"]
    if ":" in message:  # the field is named once: "duration: duration: ..." was a stutter
        assert body["message"].count(message.split(":")[0] + ":") == 1
    assert "extra" in body


def test_format_is_read_and_an_unknown_parameter_names_itself(client, indexed):
    assert client.get("/api/search/", {"q": "knots", "format": "json"}).status_code == 200
    body = client.get("/api/search/", {"q": "knots", "languge": "en"}).json()
    assert body["extra"] == {"field": "languge"}


def test_a_query_of_500_characters_is_accepted(client):
    assert client.get("/api/search/", {"q": "word " * 100}).status_code == 200


def test_the_endpoint_is_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/search/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"q", "sort", "page", "page_size", "channel", "topic", "playlist", "after"} <= names
    assert {"before", "duration", "lang", "transcript", "source"} <= names
    assert {"200", "400"} <= set(operation["responses"])
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][page.rsplit("/", 1)[-1]]["properties"]
    assert {"count", "results", "channel_filter", "corrections", "unknown_names"} <= set(fields)


QUERY_ALPHABET = st.one_of(
    st.characters(codec="utf-8"),
    st.sampled_from(['"', "-", "'", "\\", ":", "*", "&", "|", "!", "(", ")", "<", ">", "\x00"]),
    st.sampled_from(["or ", "OR ", "channel:", "after:", "lang:", "duration:", "<->", ":*"]),
    # Words the indexed videos say, so that queries find them and their moments get marked.
    st.sampled_from(["flux ", "capac", "power", "weather ", "the ", "Clock"]),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=st.lists(QUERY_ALPHABET, max_size=40).map("".join))
def test_no_string_ever_causes_a_server_error(client, indexed, q):
    response = client.get("/api/search/", {"q": q})
    assert response.status_code in (200, 400), (q, response.content[:300])
    if response.status_code == 400:
        assert response.json()["message"]


def test_the_results_page_renders_moments_and_paging(client, indexed):
    response = client.get("/search/", {"q": "flux capacitor"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<mark>Flux</mark> <mark>capacitor</mark> repair" in html
    assert "https://www.youtube.com/watch?v=demo0000001&amp;t=61s" in html
    assert "<mark>flux</mark>" in html
    # Each result's title is a heading: a screen reader moves from result to result by them.
    titles = re.findall(r'<h2 class="title"><a href="/videos/(\w+)/\?q=', html)
    assert titles and titles == [hit.video.youtube_id for hit in response.context["page"].hits]


def test_the_results_page_shows_bad_input_as_a_message(client):
    response = client.get("/search/", {"q": ""})
    assert response.status_code == 400
    assert "Type something to search for." in response.content.decode()


def test_more_moments_returns_every_matching_moment_in_time_order(client):
    said = []
    for block in range(5):
        said += filler(block * 60, 8)
        said.append((block * 60 + 45.0, "gizmo"))
    add_video("manymoments", said=said)
    response = client.get("/search/", {"q": "gizmo"})
    assert "More moments" in response.content.decode()
    partial = client.get("/videos/manymoments/moments/", {"q": "gizmo"}).content.decode()
    assert partial.count("<mark>gizmo</mark>") == 5
    assert partial.index("0:") < partial.index("4:")


def test_the_video_page_has_the_transcript_with_seekable_timestamps(client, indexed):
    response = client.get("/videos/demo0000001/", {"q": "flux"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-seconds="61"' in html
    assert "https://www.youtube.com/iframe_api" in html
    assert "the flux capacitor needs power" in html


def test_an_unknown_video_page_is_404(client):
    assert client.get("/videos/nope/").status_code == 404


def test_the_results_page_lists_a_channel_from_the_filter_fields_alone(client, indexed):
    response = client.get("/search/", {"channel": "Hill Valley"})
    assert response.status_code == 200
    assert "Clock tower" in response.content.decode()


def test_result_videos_have_exactly_the_video_serializers_shape(client, indexed):
    from videos.api.search import video_payload
    from videos.api.serializers import VideoSerializer
    from videos.models import Video
    from videos.services import transcript_mark

    for video in Video.objects.select_related("channel", "transcript"):
        assert video_payload(video) == VideoSerializer(video).data
    transcript_mark(video_id=Video.objects.get(youtube_id="demo0000002").pk, status="disabled")
    video = Video.objects.select_related("channel", "transcript").get(youtube_id="demo0000002")
    assert video_payload(video) == VideoSerializer(video).data
    video.channel = None
    assert video_payload(video) == VideoSerializer(video).data


def test_each_request_validates_its_own_parameters():
    """The parameter serializer copies its declared fields shallowly (not DRF's deepcopy): one
    request's fields, errors and values never leak into the next one."""
    from videos.api.search import SearchParamsSerializer

    bad = SearchParamsSerializer(data={"q": "x", "page_size": "1000", "sort": "random"})
    assert not bad.is_valid()
    good = SearchParamsSerializer(data={"q": "y", "page": "3"})
    assert good.is_valid(), good.errors
    assert (good.validated_data["q"], good.validated_data["page"]) == ("y", 3)
    assert set(bad.errors) == {"page_size", "sort"}
    assert all(bad.fields[name] is not good.fields[name] for name in good.fields)
    assert all(field.parent is good for field in good.fields.values())
    assert all(field.parent is None for field in SearchParamsSerializer._declared_fields.values())
