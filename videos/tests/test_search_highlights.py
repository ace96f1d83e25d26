"""A result's title and description with the query's words marked: why a video without a
moment (a topic's, found by its metadata) was found. PostgreSQL engine, API and page."""

from __future__ import annotations

import pytest

from videos.search.highlights import marked_metadata
from videos.selectors import video_search
from videos.tests.search_helpers import add_video

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis_client")]

S, E = "\x02", "\x03"
LONG = (
    "In this video we look at rope and climbing, from the first knot to the last one. "
    "Halfway through we build a small sourdough starter for the camp kitchen, then go back "
    "to the wall for the rest of the afternoon, with a lot of talk about grip and shoes."
)


def hit_of(q: str, youtube_id: str):
    (hit,) = [
        h for h in video_search(q=q, use_cache=False).hits if h.video.youtube_id == youtube_id
    ]
    return hit


def test_an_excerpt_cut_from_inside_the_description_says_so_on_both_sides():
    excerpt = f"we build a small {S}sourdough{E} starter for the camp"
    assert marked_metadata(None, LONG, excerpt, S, E) == (
        "",
        "…we build a small <mark>sourdough</mark> starter for the camp…",
        "",
    )
    whole = f"Bake {S}bread{E} &\nbutter"
    assert marked_metadata(f"{S}Bread{E}", "Bake bread &\nbutter", whole, S, E) == (
        "<mark>Bread</mark>",
        "Bake <mark>bread</mark> &amp; butter",
        "",
    )
    # Only punctuation left out: shown, not an ellipsis.
    assert marked_metadata(None, '"Bake bread!"', f"Bake {S}bread{E}", S, E) == (
        "",
        "&quot;Bake <mark>bread</mark>!&quot;",
        "",
    )
    # Nothing marked: nothing to show.
    assert marked_metadata("Bread", "Bake bread", "Bake bread", S, E) == ("", "", "")
    # Tags: those that say a word, escaped and marked; the others say nothing of why.
    tags = [f"{S}sourdough{E} & rye", "camping", f"wild {S}yeast{E}"]
    assert marked_metadata(None, None, None, S, E, tags=tags) == (
        "",
        "",
        "<mark>sourdough</mark> &amp; rye, wild <mark>yeast</mark>",
    )


def test_a_description_match_shows_its_words_in_an_excerpt_and_a_title_match_its_title():
    add_video("hl000000001", title="Camp life", description=LONG, source="topic")
    add_video("hl000000002", title="Sourdough at <home> & away", description="Flour, water.")
    by_description = hit_of("sourdough", "hl000000001")
    assert by_description.title_html == ""  # "Camp life" says none of the words
    assert by_description.description_html.startswith("…")
    assert "<mark>sourdough</mark> starter" in by_description.description_html
    assert len(by_description.description_html.split()) < len(LONG.split())
    by_title = hit_of("sourdough", "hl000000002")
    # Escaped, then marked; no excerpt: the description does not say it.
    assert by_title.title_html == "<mark>Sourdough</mark> at &lt;home&gt; &amp; away"
    assert by_title.description_html == ""


def test_a_video_with_moments_shows_them_and_no_excerpt():
    add_video(
        "hl000000006",
        title="Camp kitchen",
        description=LONG,
        said=[(12.0, "feed the sourdough starter twice a day")],
    )
    hit = hit_of("sourdough", "hl000000006")
    assert "<mark>sourdough</mark>" in hit.moments[0].snippet_html
    assert hit.description_html == ""


def test_stems_prefixes_and_every_word_of_the_query_are_marked():
    add_video("hl000000003", title="Climbing ropes for climbers", description=LONG)
    # (Words a title has, so typo tolerance adds no close title words to mark.)
    assert hit_of("climbing rope", "hl000000003").title_html == (
        "<mark>Climbing</mark> <mark>ropes</mark> for climbers"
    )
    # The last word is a prefix while typing: "climbers" starts with "climb" too.
    assert hit_of("clim", "hl000000003").title_html == (
        "<mark>Climbing</mark> ropes for <mark>climbers</mark>"
    )
    # Only the description says both words together: an excerpt; the title marks the one
    # it says.
    hit = hit_of("rope sourdough", "hl000000003")
    assert hit.title_html == "Climbing <mark>ropes</mark> for climbers"
    assert "<mark>sourdough</mark>" in hit.description_html


def test_a_video_found_by_its_tags_or_across_its_fields_lists_the_tags_that_say_the_words():
    add_video(
        "hl000000007",
        title="The massive guide to cycling",
        description="Everything about bikes.",
        tags=("cadence drills", "road bike", "hill climbing"),
        source="topic",
    )
    # Found by its tags alone: nothing else says why, so the tags that do are listed.
    hit = hit_of("cadence climb", "hl000000007")
    assert (hit.title_html, hit.description_html, hit.moments) == ("", "", [])
    assert hit.tags_html == "<mark>cadence</mark> drills, hill <mark>climbing</mark>"
    # Across fields (one word in the title, one in the tags): the tag that says its word.
    hit = hit_of("cycling cadence", "hl000000007")
    assert hit.title_html == "The massive guide to <mark>cycling</mark>"
    assert hit.tags_html == "<mark>cadence</mark> drills"
    # Explained by its title (or description) alone: no tags.
    assert hit_of("massive guide", "hl000000007").tags_html == ""
    assert hit_of("bikes", "hl000000007").tags_html == ""


def test_a_video_with_moments_lists_no_tags():
    add_video(
        "hl000000008",
        title="Spin class",
        tags=("cadence drills",),
        said=[(3.0, "keep your cadence steady")],
    )
    hit = hit_of("cadence", "hl000000008")
    assert hit.moments and hit.tags_html == ""


def test_a_misspelt_word_marks_the_title_word_it_was_taken_for():
    add_video("hl000000004", title="Woodworking basics", description="Tools.")
    page = video_search(q="woodworkign", use_cache=False)
    assert page.corrections
    (hit,) = page.hits
    assert hit.title_html == "<mark>Woodworking</mark> basics"


def test_the_api_and_the_page_show_the_marked_title_and_excerpt(client):
    add_video("hl000000005", title="Camp life", description=LONG, source="topic")
    (result,) = client.get("/api/search/", {"q": "sourdough"}).json()["results"]
    assert result["title_html"] is None
    assert "<mark>sourdough</mark>" in result["description_html"]
    (result,) = client.get("/api/search/", {"q": "camp"}).json()["results"]
    assert result["title_html"] == "<mark>Camp</mark> life"
    assert "<mark>camp</mark> kitchen" in result["description_html"]
    html = client.get("/search/", {"q": "sourdough"}).content.decode()
    assert '<p class="excerpt">…' in html and "<mark>sourdough</mark> starter" in html
    # Only filters, no words: nothing to mark.
    (result,) = client.get("/api/search/", {"q": "source:topic"}).json()["results"]
    assert result["title_html"] is None and result["description_html"] is None
    assert result["tags_html"] is None


def test_the_api_and_the_page_list_the_tags_that_say_the_words(client):
    add_video("hl000000009", title="Camp life", tags=("sourdough <starter>", "tents"))
    (result,) = client.get("/api/search/", {"q": "sourdough"}).json()["results"]
    assert result["tags_html"] == "<mark>sourdough</mark> &lt;starter&gt;"
    assert result["description_html"] is None
    html = client.get("/search/", {"q": "sourdough"}).content.decode()
    assert '<p class="excerpt tags">Tags: <mark>sourdough</mark> &lt;starter&gt;</p>' in html


TITLES = [
    "Sourdough starter: feed it twice, bake once",
    "Why your bread keeps failing (baking explained)",
    "3 essential baking tips nobody tells you",
    "It's the baker's dozen, again and again!",
    "Bread, bread and more bread; then butter",
]


@pytest.mark.parametrize("q", ["bread", "bake", "bak", "baking tips", "again butter", "baker's"])
def test_a_plain_title_is_marked_from_its_vector_as_ts_headline_marks_it(q):
    from django.db import connection

    from videos.search.postgres import START, STOP, TITLE_OPTIONS, snippet_html
    from videos.search.query import to_tsquery_text
    from videos.search.types import SearchFilters
    from videos.selectors import search_prepare

    for i, title in enumerate(TITLES):
        add_video(f"hlt{i:08d}", title=title)
    query = search_prepare(q=q, filters=SearchFilters())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT title, ts_headline('english', title, to_tsquery('english', %s), %s)"
            " FROM videos_video",
            [to_tsquery_text(query), TITLE_OPTIONS],
        )
        expected = {t: snippet_html(h) for t, h in cursor.fetchall() if START in h}
    got = {h.video.title: h.title_html for h in video_search(q=q, use_cache=False).hits}
    assert got and all(START not in t and STOP not in t for t in got)
    assert got == {title: expected.get(title, "") for title in got}
