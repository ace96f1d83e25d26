"""The API's root lists every part of the API, and its docs page works without the internet."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_the_api_root_links_to_the_audio_api(client):
    root = client.get("/api/").json()
    assert root["audio"] == "http://testserver/api/audio/"


def test_the_api_docs_load_swagger_ui_from_this_site(client):
    html = client.get("/api/docs/").content.decode()
    assets = re.findall(r'(?:href|src)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert [a for a in assets if not a.startswith(settings.STATIC_URL)] == []
    assert [a for a in assets if not finders.find(a.removeprefix(settings.STATIC_URL))] == []


@pytest.mark.parametrize("path", ["/api/jobs/abc/", "/api/channels/", "/api/videos/x/y/"])
def test_an_unknown_api_address_is_a_404_in_the_apis_error_shape(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"  # not the site's HTML page
    assert response.json() == {
        "message": f"There is no {path} in the API; its endpoints are listed at /api/.",
        "extra": {},
    }


def test_the_browsable_api_offers_to_sign_in_and_back_and_to_sign_out(client, user):
    page = client.get("/api/jobs/", HTTP_ACCEPT="text/html").content.decode()
    (login,) = re.findall(r"<a href='([^']+)'>Log in</a>", page)
    answer = client.get(login)
    assert answer.status_code == 302
    assert answer["Location"] == "/accounts/login/?next=/api/jobs/"  # the site's sign-in page
    client.force_login(user)
    page = client.get("/api/jobs/", HTTP_ACCEPT="text/html").content.decode()
    (logout,) = re.findall(r'<form id="logoutForm" method="post" action="([^"]+)"', page)
    answer = client.post(logout)
    assert answer.status_code == 302 and answer["Location"] == "/api/jobs/"
    assert client.get("/api/jobs/").status_code == 401


@pytest.mark.parametrize(
    ("page", "why"),
    [
        ("abc", "page abc: That page number is not an integer."),
        ("0", "page 0: That page number is less than 1."),
        ("2", "page 2: That page contains no results."),
    ],
)
def test_a_list_page_that_does_not_exist_says_why(client, user, page, why):
    client.force_login(user)
    response = client.get("/api/jobs/", {"page": page})
    assert response.status_code == 404
    assert response.json() == {"message": why, "extra": {}}  # not just "Invalid page."
