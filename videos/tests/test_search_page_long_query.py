"""The search page with a query over the length limit: a plain message and a short title."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis_client")]


def test_an_over_long_query_is_a_plain_message_and_a_short_page_title(client):
    query = "sourdough starter " * 45  # 810 characters
    response = client.get("/search/", {"q": query})
    assert response.status_code == 400
    html = response.content.decode()
    assert '<p class="error" role="alert">The query is longer than 500 characters.</p>' in html
    assert "Ensure this field" not in html
    (title,) = re.findall(r"<title>(.*?)</title>", html, re.S)
    assert title.startswith("sourdough starter sourdough")
    assert title.endswith("… · Search · TubeIndex") and len(title) < 100
    assert f'value="{query}"' in html  # the box keeps what was typed, to shorten it there


def test_a_short_query_is_the_page_title_whole(client):
    html = client.get("/search/", {"q": "sourdough starter"}).content.decode()
    assert "<title>sourdough starter · Search · TubeIndex</title>" in html
