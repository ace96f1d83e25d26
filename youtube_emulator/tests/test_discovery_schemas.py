"""Every list response of the emulator validates against the discovery document's schemas.

The discovery schemas are turned into JSON Schema: $ref resolved through "definitions",
additionalProperties forbidden wherever the document lists properties (so a misspelt field name
fails), enums, integer/number/boolean types, and int64/uint64 counts as strings of digits.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import googleapiclient
import jsonschema
import pytest

from youtube_emulator.tests.conftest import youtube_as

DISCOVERY = (
    Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "youtube.v3.json"
)
DATE_TIME = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$"
DROP = {
    "description",
    "id",
    "annotations",
    "enumDescriptions",
    "deprecated",
    "readOnly",
    "enumDeprecated",
    "default",
    "format",
    "required",
}


# Fields the live API sends that the discovery document does not list (the recordings show
# publishTime in every modern search snippet).
UNDOCUMENTED = {"SearchResultSnippet": {"publishTime": {"type": "string", "pattern": DATE_TIME}}}


def convert(node: Any) -> Any:
    if isinstance(node, list):
        return [convert(n) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return {"$ref": f"#/definitions/{node['$ref']}"}
    out: dict[str, Any] = {k: convert(v) for k, v in node.items() if k not in DROP}
    if "properties" in node:  # property names are data, not keywords: keep every one
        out["properties"] = {k: convert(v) for k, v in node["properties"].items()}
    kind, fmt = node.get("type"), node.get("format")
    if kind == "any":
        out.pop("type")
    if kind == "string" and fmt in ("int64", "uint64"):
        out["pattern"] = r"^-?\d+$"
    if kind == "string" and fmt == "date-time":
        out["pattern"] = DATE_TIME
    if kind == "object" and "properties" in node and "additionalProperties" not in node:
        out["additionalProperties"] = False
    return out


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    document = json.loads(DISCOVERY.read_text())
    definitions = {name: convert(schema) for name, schema in document["schemas"].items()}
    for name, extra in UNDOCUMENTED.items():
        definitions[name]["properties"].update(extra)
    # Deleted videos in a playlist come back with privacyStatus "privacyStatusUnspecified",
    # a value the document's enum does not list.
    definitions["PlaylistItemStatus"]["properties"]["privacyStatus"]["enum"].append(
        "privacyStatusUnspecified"
    )
    return definitions


def validate(schemas: dict[str, Any], name: str, body: dict[str, Any]) -> None:
    # A validator without jsonschema.validate()'s meta-check of the whole (large) schema.
    validator = jsonschema.Draft7Validator(
        {"$ref": f"#/definitions/{name}", "definitions": schemas}
    )
    error = jsonschema.exceptions.best_match(validator.iter_errors(body))
    if error is not None:
        raise error


def test_converter_catches_typos(schemas):
    good = {"kind": "youtube#videoListResponse", "etag": "x", "items": []}
    validate(schemas, "VideoListResponse", good)
    with pytest.raises(jsonschema.ValidationError):
        validate(schemas, "VideoListResponse", {**good, "itemz": []})
    with pytest.raises(jsonschema.ValidationError):
        validate(
            schemas,
            "VideoListResponse",
            {**good, "items": [{"kind": "youtube#video", "statistics": {"viewCount": 12}}]},
        )


def test_search_pages_validate(emulator, youtube, schemas):
    request = youtube.search().list(
        part="snippet", q="guitar", type="video", maxResults=50, order="date"
    )
    pages = 0
    while request is not None and pages < 3:
        body = request.execute()
        validate(schemas, "SearchListResponse", body)
        assert body["items"] and all("publishTime" in i["snippet"] for i in body["items"])
        request = youtube.search().list_next(request, body)
        pages += 1
    assert pages == 3


def test_videos_all_parts_validate(emulator, youtube, schemas):
    ds = emulator.dataset
    ids = [
        ds.find_video(mode).id
        for mode in ("full", "asr_only", "non_english", "disabled", "age_restricted")
    ]
    body = (
        youtube.videos()
        .list(part="id,snippet,contentDetails,statistics,status,player", id=",".join(ids))
        .execute()
    )
    validate(schemas, "VideoListResponse", body)
    assert len(body["items"]) == 5


def test_playlists_validate(emulator, schemas):
    service = youtube_as(emulator, "alice@example.com")
    body = (
        service.playlists()
        .list(part="id,snippet,contentDetails,status,player", mine=True, maxResults=50)
        .execute()
    )
    validate(schemas, "PlaylistListResponse", body)
    channel = emulator.dataset.channels[0].id
    body = (
        service.playlists().list(part="snippet,contentDetails,status", channelId=channel).execute()
    )
    validate(schemas, "PlaylistListResponse", body)


def test_playlist_items_validate_including_deleted_and_private(emulator, schemas):
    service = youtube_as(emulator, "alice@example.com")
    ds = emulator.dataset
    playlist = next(
        p for p in ds.account_playlists("alice@example.com") if len(p.video_indexes) == 500
    )
    statuses = set()
    request = service.playlistItems().list(
        part="id,snippet,contentDetails,status", playlistId=playlist.id, maxResults=50
    )
    while request is not None:
        body = request.execute()
        validate(schemas, "PlaylistItemListResponse", body)
        statuses.update(i["status"]["privacyStatus"] for i in body["items"])
        request = service.playlistItems().list_next(request, body)
    assert {"public", "private", "privacyStatusUnspecified"} <= statuses
    body = service.playlistItems().list(part="snippet,contentDetails", playlistId="LL").execute()
    validate(schemas, "PlaylistItemListResponse", body)


def test_channels_validate(emulator, youtube, schemas):
    service = youtube_as(emulator, "bob@example.com")
    parts = "id,snippet,contentDetails,statistics,status"
    validate(
        schemas, "ChannelListResponse", service.channels().list(part=parts, mine=True).execute()
    )
    ids = ",".join(c.id for c in emulator.dataset.channels[:3])
    validate(schemas, "ChannelListResponse", youtube.channels().list(part=parts, id=ids).execute())
