"""No address of the site answers a server error, whatever is typed into it.

Every URL pattern (admin aside: Django's own) is requested with its path's parts and every
query parameter the site reads set to awkward values: NUL, numbers past bigint, negative and
huge pages, broken dates, quotes and markup, long strings, other scripts. By a visitor and by a
signed-in person who owns a playlist, a job and an MP3 request, with GET and with POST (and
PATCH for JSON bodies). Bad input is a 4xx with a message (or a page saying so); a 5xx is a bug.
Each failure names the request, so it can be replayed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import product

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from videos.tests.search_helpers import add_video

pytestmark = pytest.mark.django_db

JUNK = (
    "",
    "\x00",
    "a\x00b",
    "-1",
    "0",
    "99999999999999999999999",
    "1e400",
    "NaN",
    "2024-13-45",
    "2024-02-30",
    "'\"<script> %",
    "channel:\x00 🙂",
    "x" * 3000,
)
# The admin's lists, as staff (fewer values: ~12 lists of ~10 parameters each).
ADMIN_JUNK = ("a\x00b", "-1", "99999999999999999999999", "2024-13-45", "'\"<script> %")
JSON_BODIES = (
    "{",
    "[]",
    "null",
    '"\\u0000"',
    '{"playlist_id": null, "reindex": "maybe"}',
    '{"playlist_id": ["PLfuzz"], "reindex": {}}',
    '{"playlist_id": "\\u0000", "q": 1e999}',
    '{"keep_up_to_date": "\\u0000"}',
)
# The query parameters the pages and the API read (their forms, filters, paging, cursors).
PARAMS = (
    "q",
    "page",
    "page_size",
    "sort",
    "channel",
    "topic",
    "playlist",
    "after",
    "before",
    "duration",
    "lang",
    "language",
    "transcript",
    "has_transcript",
    "source",
    "cursor",
    "next",
    "format",
    "limit",
    "status",
    "reindex",
    "playlist_id",
    "keep_up_to_date",
)


def _patterns(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith("admin/"):
                continue
            yield from _patterns(entry, route)
        else:
            yield route, entry


def _routes() -> list[str]:
    # /healthz answers 503 by design when a part is down (no Celery worker runs here), reads
    # no parameter, and has tests of its own.
    return sorted({route for route, _pattern in _patterns(get_resolver())} - {"healthz"})


AWKWARD_PARTS = ("0", "99999999999999999999999")
AWKWARD_TEXT_PARTS = ("%00", "a%00b", "x" * 300, "%F0%9F%99%82", "..%2F..")


def _paths(route: str, known: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """`route` with its parts (<int:pk>, <str:youtube_id>) set to known values, then (each part
    in turn) to awkward ones."""
    parts = re.findall(r"<(?:(\w+):)?(\w+)>", route)

    def fill(values: dict[str, str]) -> str:
        path = route
        for converter, name in parts:
            pattern = f"<{converter}:{name}>" if converter else f"<{name}>"
            path = path.replace(pattern, values[name])
        return "/" + path

    first = {name: known.get(name, ["1"])[0] for _converter, name in parts}
    good = [fill({**first, name: value}) for _c, name in parts for value in known.get(name, ["1"])]
    awkward = [
        fill({**first, name: value})
        for converter, name in parts
        for value in AWKWARD_PARTS + (() if converter == "int" else AWKWARD_TEXT_PARTS)
    ]
    return sorted(set(good)) or [fill({})], awkward


@pytest.fixture
def world(django_user_model):
    """One indexed video said to say 'hello'; a person with a playlist, a job of it and an MP3
    request for the video."""
    from indexing.models import IndexJob
    from media.models import AudioExtraction
    from playlists.models import Playlist
    from videos.models import Video

    add_video("helloVid001", title="Hello world", said=[(3.0, "hello there everyone")])
    video = Video.objects.get(youtube_id="helloVid001")
    user = django_user_model.objects.create_user("fuzz", "fuzz@example.com", "pw-fuzz-123")
    playlist = Playlist.objects.create(youtube_id="PLfuzz", title="Fuzz list")
    playlist.owners.add(user)
    job = IndexJob.objects.create(playlist=playlist, user=user)
    audio = AudioExtraction.objects.create(video=video, user=user)
    return {
        "user": user,
        "known": {
            "youtube_id": [video.youtube_id],
            "pk": [str(job.pk), str(audio.pk), str(playlist.pk)],
            "id": [str(job.pk)],
            "playlist_id": [playlist.youtube_id],
            "ext": ["txt", "srt", "vtt"],  # a transcript's download
        },
    }


def _clients(world) -> list[tuple[str, Client]]:
    visitor = Client(raise_request_exception=False)
    person = Client(raise_request_exception=False)
    person.force_login(world["user"])
    return [("visitor", visitor), ("signed in", person)]


def _server_errors(client: Client, method: str, path: str, params: dict) -> list[str]:
    response = client.get(path, params) if method == "GET" else client.post(path, params)
    if response.status_code >= 500:
        shown = {name: value[:40] for name, value in params.items()}
        return [f"{method} {path[:80]} {shown!r}: {response.status_code}"]
    return []


def test_awkward_paths_and_parameters_never_cause_a_server_error(world):
    failures: list[str] = []
    routes = _routes()
    assert "api/search/" in routes and "videos/<str:youtube_id>/" in routes
    for who, client in _clients(world):
        for route in routes:
            if who == "signed in":
                # Again at each address: an earlier one (sign out, disconnect) ended the session.
                client.force_login(world["user"])
            good, awkward = _paths(route, world["known"])
            for path in awkward:
                for method in ("GET", "POST"):
                    failures += _server_errors(client, method, path, {})
            for path, method, value in product(good, ("GET", "POST"), JUNK):
                # Every parameter at once with each awkward value...
                failures += _server_errors(client, method, path, dict.fromkeys(PARAMS, value))
            for path, body, method in product(good, JSON_BODIES, ("post", "patch")):
                # An API client's broken or ill-typed JSON.
                response = getattr(client, method)(path, body, content_type="application/json")
                if response.status_code >= 500:
                    failures.append(f"{method} {path} JSON {body[:60]!r}: {response.status_code}")
            if who == "visitor":
                continue  # (the pages a visitor may see, the signed-in person sees too)
            for path in good:
                # ...and each alone (a valid other one could hide it), with a value chosen in
                # turn, and q set so that a search runs.
                for i, name in enumerate(PARAMS):
                    params = {"q": "hello", name: JUNK[(i + len(path)) % len(JUNK)]}
                    failures += _server_errors(client, "GET", path, params)
        assert not failures, f"as {who}:\n" + "\n".join(failures[:40])


def test_the_admin_never_answers_a_server_error_to_awkward_lists_and_ids(world, admin_user):
    """As staff: every model's list with its search, ordering, page, date and list-filter
    parameters set to the awkward values, and its change page for awkward ids."""
    from django.contrib import admin

    staff = Client(raise_request_exception=False)
    staff.force_login(admin_user)
    failures: list[str] = []
    for model, model_admin in admin.site._registry.items():
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        names = ["q", "o", "p", "e"]
        for entry in model_admin.list_filter:
            field = entry if isinstance(entry, str) else getattr(entry, "parameter_name", None)
            if field:
                names += [field, f"{field}__exact", f"{field}__isnull"]
        if model_admin.date_hierarchy:
            names += [f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")]
        for name, value in product(names, ADMIN_JUNK):
            failures += _server_errors(staff, "GET", url, {name: value})
        for value in (*AWKWARD_PARTS, *AWKWARD_TEXT_PARTS):
            failures += _server_errors(staff, "GET", f"{url}{value}/change/", {})
    assert not failures, "\n".join(failures[:40])
