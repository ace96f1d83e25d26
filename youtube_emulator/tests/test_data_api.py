"""Data API v3 through the real google-api-python-client: every method, paging and errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import requests
from google.auth.credentials import AnonymousCredentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from youtube_emulator.tests import RECORDINGS
from youtube_emulator.tests.conftest import API_KEY, youtube_as

ERRORS = RECORDINGS / "youtube_data_v3" / "errors"


def error_of(exc: HttpError) -> dict:
    return json.loads(exc.content)["error"]


def recording(name: str) -> dict:
    return json.loads((ERRORS / name).read_text(encoding="utf-8-sig"))


def alice_playlist(emulator, size: int):
    return next(
        p
        for p in emulator.dataset.account_playlists("alice@example.com")
        if p.privacy == "public" and len(p.video_indexes) == size
    )


# --------------------------------------------------------------------------- search.list
def test_search_by_query_with_date_order_and_paging_to_the_cap(emulator, youtube):
    request = youtube.search().list(
        part="snippet", q="the", type="video", order="date", maxResults=50
    )
    seen, published = [], []
    while request is not None:
        body = request.execute()
        seen += [i["id"]["videoId"] for i in body["items"]]
        published += [i["snippet"]["publishedAt"] for i in body["items"]]
        request = youtube.search().list_next(request, body)
    assert body["pageInfo"]["totalResults"] > 500
    assert len(seen) == 500 == len(set(seen))  # the ~500 results cap of one query
    assert published == sorted(published, reverse=True)


def test_search_filters_by_time_channel_and_terms(emulator, youtube):
    ds = emulator.dataset
    channel = ds.channels[3]
    after = "2026-01-01T00:00:00Z"
    body = (
        youtube.search()
        .list(
            part="snippet",
            q=channel.title.split()[-2].lower(),
            channelId=channel.id,
            publishedAfter=after,
            type="video",
            maxResults=50,
        )
        .execute()
    )
    assert body["items"]
    for item in body["items"]:
        assert item["snippet"]["channelId"] == channel.id
        assert item["snippet"]["publishedAt"] >= after
        assert item["snippet"]["publishTime"] == item["snippet"]["publishedAt"]
    before = (
        youtube.search()
        .list(part="snippet", q="guitar", publishedBefore=after, type="video")
        .execute()
    )
    assert all(i["snippet"]["publishedAt"] < after for i in before["items"])


def test_search_orders_and_language_and_empty_results(emulator, youtube):
    by_views = (
        youtube.search().list(part="snippet", q="chess", order="viewCount", maxResults=10).execute()
    )
    ids = [i["id"]["videoId"] for i in by_views["items"]]
    stats = youtube.videos().list(part="statistics", id=",".join(ids)).execute()
    views = {v["id"]: int(v["statistics"]["viewCount"]) for v in stats["items"]}
    assert [views[i] for i in ids] == sorted(views.values(), reverse=True)
    german = (
        youtube.search()
        .list(part="snippet", q="the", relevanceLanguage="de", maxResults=5)
        .execute()
    )
    assert german["items"]
    nothing = youtube.search().list(part="snippet", q="zzqqxx nothing", type="video").execute()
    assert nothing["items"] == [] and nothing["pageInfo"]["totalResults"] == 0
    channels_only = youtube.search().list(part="snippet", q="chess", type="channel").execute()
    assert channels_only["items"] == []


def test_search_rejects_bad_parameters(emulator, youtube):
    with pytest.raises(HttpError) as too_many:
        youtube.search().list(part="snippet", q="x", maxResults=51).execute()
    assert too_many.value.status_code == 400
    with pytest.raises(HttpError) as bad_token:
        youtube.search().list(part="snippet", q="x", pageToken="garbage!").execute()
    assert error_of(bad_token.value)["errors"][0]["reason"] == "invalidPageToken"
    with pytest.raises(HttpError) as bad_time:
        youtube.search().list(part="snippet", q="x", publishedAfter="yesterday").execute()
    assert bad_time.value.status_code == 400
    with pytest.raises(HttpError) as bad_part:
        youtube.search().list(part="snippet,statistics", q="x").execute()
    assert error_of(bad_part.value)["errors"][0]["reason"] == "unknownPart"


def test_fresh_uploads_appear_as_the_clock_moves(emulator, youtube):
    start = emulator.control.clock()
    since = start["now"]
    first = (
        youtube.search()
        .list(part="snippet", order="date", publishedAfter=since, type="video", maxResults=50)
        .execute()
    )
    emulator.control.advance_clock(3 * 3600)
    later = (
        youtube.search()
        .list(part="snippet", order="date", publishedAfter=since, type="video", maxResults=50)
        .execute()
    )
    assert len(later["items"]) >= len(first["items"]) + 17  # one upload every 10 minutes
    newest = later["items"][0]["id"]["videoId"]
    video = youtube.videos().list(part="snippet", id=newest).execute()["items"][0]
    assert video["snippet"]["publishedAt"] > since
    topic = video["snippet"]["tags"][0]
    by_topic = (
        youtube.search()
        .list(part="snippet", q=topic, order="date", type="video", publishedAfter=since)
        .execute()
    )
    assert newest in [i["id"]["videoId"] for i in by_topic["items"]]


# --------------------------------------------------------------------------- videos.list
def test_videos_list_parts_unknown_ids_and_hidden_videos(emulator, youtube):
    ds = emulator.dataset
    full = ds.find_video("full")
    deleted = ds.find_video(status="deleted")
    private = ds.find_video(status="private")
    body = (
        youtube.videos()
        .list(
            part="snippet,contentDetails,statistics,status",
            id=f"{full.id},dQw4w9WgXcQ,{deleted.id},{private.id}",
        )
        .execute()
    )
    assert [v["id"] for v in body["items"]] == [full.id]
    video = body["items"][0]
    assert video["snippet"]["title"] == full.title
    assert video["contentDetails"]["duration"].startswith("PT")
    assert video["statistics"]["viewCount"].isdigit()
    assert video["status"]["privacyStatus"] == "public"
    assert body["pageInfo"] == {"totalResults": 1, "resultsPerPage": 1}
    age = (
        youtube.videos()
        .list(part="contentDetails", id=ds.find_video("age_restricted").id)
        .execute()["items"][0]
    )
    assert age["contentDetails"]["contentRating"] == {"ytRating": "ytAgeRestricted"}


def test_videos_list_takes_50_ids_not_51(emulator, youtube):
    ids = [v.id for v in emulator.dataset.iter_videos(51)]
    body = youtube.videos().list(part="id", id=",".join(ids[:50])).execute()
    assert len(body["items"]) == sum(
        1 for i in range(50) if emulator.dataset.status_of(i) == "public"
    )
    with pytest.raises(HttpError) as exc:
        youtube.videos().list(part="id", id=",".join(ids)).execute()
    assert exc.value.status_code == 400
    with pytest.raises(HttpError) as no_filter:
        youtube.videos().list(part="id").execute()
    assert error_of(no_filter.value)["errors"][0]["reason"] == "missingRequiredParameter"


# --------------------------------------------------------------------------- playlists.list
def test_playlists_mine_by_id_and_by_channel(emulator, youtube):
    alice = youtube_as(emulator, "alice@example.com")
    mine = (
        alice.playlists()
        .list(part="snippet,contentDetails,status", mine=True, maxResults=50)
        .execute()
    )
    sizes = sorted(p["contentDetails"]["itemCount"] for p in mine["items"])
    assert sizes == [0, 5, 25, 50, 500, 3000, 5000]
    private = next(p for p in mine["items"] if p["status"]["privacyStatus"] == "private")
    public = next(p for p in mine["items"] if p["contentDetails"]["itemCount"] == 50)
    by_id = youtube.playlists().list(part="snippet", id=f"{public['id']},{private['id']}").execute()
    assert [p["id"] for p in by_id["items"]] == [public["id"]]  # private hidden from others
    channel_id = public["snippet"]["channelId"]
    by_channel = (
        youtube.playlists().list(part="snippet", channelId=channel_id, maxResults=3).execute()
    )
    assert by_channel["pageInfo"]["totalResults"] == 6 and "nextPageToken" in by_channel
    with pytest.raises(HttpError) as exc:
        youtube.playlists().list(part="snippet", mine=True).execute()
    assert exc.value.status_code == 401
    assert error_of(exc.value)["errors"][0]["reason"] == "required"


# --------------------------------------------------------------------------- playlistItems.list
def test_playlist_items_pages_through_5000(emulator, youtube):
    playlist = alice_playlist(emulator, 5000)
    request = youtube.playlistItems().list(
        part="contentDetails", playlistId=playlist.id, maxResults=50
    )
    video_ids, pages = [], 0
    while request is not None:
        body = request.execute()
        video_ids += [i["contentDetails"]["videoId"] for i in body["items"]]
        pages += 1
        request = youtube.playlistItems().list_next(request, body)
    assert pages == 100 and len(video_ids) == 5000 == len(set(video_ids))
    assert body["pageInfo"]["totalResults"] == 5000
    expected = [emulator.dataset.codec.encode(i) for i in playlist.video_indexes]
    assert video_ids == expected


def test_deleted_and_private_items_look_like_youtube(emulator, youtube):
    ds = emulator.dataset
    playlist = alice_playlist(emulator, 500)
    deleted_pos = next(
        p for p, i in enumerate(playlist.video_indexes) if ds.status_of(i) == "deleted"
    )
    private_pos = next(
        p for p, i in enumerate(playlist.video_indexes) if ds.status_of(i) == "private"
    )
    items = {}
    for pos in (deleted_pos, private_pos):
        video_id = ds.codec.encode(playlist.video_indexes[pos])
        body = (
            youtube.playlistItems()
            .list(part="snippet,contentDetails,status", playlistId=playlist.id, videoId=video_id)
            .execute()
        )
        items[pos] = body["items"][0]
    deleted, private = items[deleted_pos], items[private_pos]
    assert deleted["snippet"]["title"] == "Deleted video"
    assert deleted["snippet"]["description"] == "This video is unavailable."
    assert private["snippet"]["title"] == "Private video"
    assert private["snippet"]["description"] == "This video is private."
    for item in (deleted, private):
        assert item["snippet"]["thumbnails"] == {}
        assert "videoPublishedAt" not in item["contentDetails"]
        assert "videoOwnerChannelId" not in item["snippet"]
    assert deleted["snippet"]["position"] == deleted_pos


def test_playlist_not_found_body_is_googles(emulator, youtube):
    with pytest.raises(HttpError) as exc:
        youtube.playlistItems().list(part="snippet", playlistId="PLdoesnotexist").execute()
    assert exc.value.status_code == 404
    assert json.loads(exc.value.content) == recording(
        "nikkelm_ryv__error_playlistNotFound_404.inline.json"
    )


def test_private_playlist_is_forbidden_to_others_but_not_its_owner(emulator, youtube):
    private = next(
        p for p in emulator.dataset.account_playlists("alice@example.com") if p.privacy == "private"
    )
    for service in (youtube, youtube_as(emulator, "bob@example.com")):
        with pytest.raises(HttpError) as exc:
            service.playlistItems().list(part="snippet", playlistId=private.id).execute()
        assert exc.value.status_code == 403
        assert error_of(exc.value)["errors"][0]["reason"] == "playlistItemsNotAccessible"
    alice = youtube_as(emulator, "alice@example.com")
    body = (
        alice.playlistItems().list(part="snippet", playlistId=private.id, maxResults=50).execute()
    )
    assert body["pageInfo"]["totalResults"] == 25


def test_unknown_video_in_playlist_is_video_not_found(emulator, youtube):
    playlist = alice_playlist(emulator, 5)
    with pytest.raises(HttpError) as exc:
        youtube.playlistItems().list(
            part="id", playlistId=playlist.id, videoId="dQw4w9WgXcQ"
        ).execute()
    assert exc.value.status_code == 404
    assert error_of(exc.value)["errors"][0]["reason"] == "videoNotFound"


# --------------------------------------------------------------------------- channels.list
def test_channels_mine_related_playlists_and_liked_videos(emulator, youtube):
    alice = youtube_as(emulator, "alice@example.com")
    mine = alice.channels().list(part="snippet,contentDetails,statistics", mine=True).execute()
    channel = mine["items"][0]
    related = channel["contentDetails"]["relatedPlaylists"]
    assert related == {"likes": "LL", "uploads": "UU" + channel["id"][2:]}
    liked = (
        alice.playlistItems()
        .list(part="contentDetails", playlistId=related["likes"], maxResults=50)
        .execute()
    )
    assert liked["pageInfo"]["totalResults"] == 120
    other = (
        youtube.channels()
        .list(part="contentDetails,snippet", id=emulator.dataset.channels[0].id)
        .execute()["items"][0]
    )
    uploads_id = other["contentDetails"]["relatedPlaylists"]["uploads"]
    uploads = (
        youtube.playlistItems().list(part="snippet", playlistId=uploads_id, maxResults=10).execute()
    )
    dates = [i["snippet"]["publishedAt"] for i in uploads["items"]]
    assert dates and dates == sorted(dates, reverse=True)
    handle = youtube.channels().list(part="id", forHandle=other["snippet"]["customUrl"]).execute()
    assert handle["items"][0]["id"] == other["id"]


# --------------------------------------------------------------------------- credentials
def test_invalid_key_modern_and_legacy_bodies(emulator):
    service = build(
        "youtube",
        "v3",
        developerKey="not-a-google-key",
        static_discovery=True,
        client_options={"api_endpoint": emulator.base_url},
    )
    with pytest.raises(HttpError) as exc:
        service.videos().list(part="id", id="x").execute()
    error = error_of(exc.value)
    assert exc.value.status_code == 400 and error["status"] == "INVALID_ARGUMENT"
    assert error["errors"][0]["reason"] == "badRequest"
    assert error["details"][0]["reason"] == "API_KEY_INVALID"
    assert error["details"][0]["metadata"] == {"service": "youtube.googleapis.com"}
    emulator.control.set_config(key_invalid_style="legacy")
    with pytest.raises(HttpError) as legacy:
        service.videos().list(part="id", id="x").execute()
    assert json.loads(legacy.value.content) == recording(
        "pyyoutube__error_keyInvalid_400_legacy.json"
    )


def test_revoked_key_from_control_api_becomes_invalid(emulator, youtube):
    youtube.videos().list(part="id", id="x").execute()
    emulator.control.set_config(invalid_keys=[API_KEY])
    with pytest.raises(HttpError) as exc:
        youtube.videos().list(part="id", id="x").execute()
    assert exc.value.status_code == 400


def test_missing_credentials_and_bad_tokens(emulator):
    anonymous = build(
        "youtube",
        "v3",
        credentials=AnonymousCredentials(),
        static_discovery=True,
        client_options={"api_endpoint": emulator.base_url},
    )
    with pytest.raises(HttpError) as missing:
        anonymous.videos().list(part="id", id="x").execute()
    assert missing.value.status_code == 403
    assert error_of(missing.value)["errors"][0]["reason"] == "forbidden"
    tokens = emulator.control.issue_token("alice@example.com")
    url = f"{emulator.base_url}/youtube/v3/channels?part=id&mine=true"
    assert (
        requests.get(url, headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code
        == 200
    )
    bad = requests.get(url, headers={"Authorization": "Bearer ya29.nonsense"})
    assert bad.status_code == 401 and bad.json()["error"]["errors"][0]["reason"] == "authError"
    requests.post(f"{emulator.base_url}/revoke", data={"token": tokens["access_token"]})
    revoked = requests.get(url, headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert revoked.status_code == 401
    no_scope = emulator.control.issue_token("alice@example.com", ["openid", "email"])
    denied = requests.get(url, headers={"Authorization": f"Bearer {no_scope['access_token']}"})
    assert denied.status_code == 403
    assert denied.json()["error"]["errors"][0]["reason"] == "insufficientPermissions"


def test_expired_token_is_rejected(emulator):
    tokens = emulator.control.issue_token("bob@example.com")
    url = f"{emulator.base_url}/youtube/v3/channels?part=id&mine=true"
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert requests.get(url, headers=headers).status_code == 200
    emulator.control.advance_clock(3600)
    assert requests.get(url, headers=headers).status_code == 401


# --------------------------------------------------------------------------- quota
def test_units_budget_gives_quota_exceeded_and_keys_are_separate(emulator, youtube):
    emulator.control.set_config(units_per_day=3)
    for _ in range(3):
        youtube.videos().list(part="id", id="x").execute()
    with pytest.raises(HttpError) as exc:
        youtube.channels().list(part="id", id="x").execute()
    assert exc.value.status_code == 403
    assert json.loads(exc.value.content) == recording(
        "nikkelm_ryv__error_quotaExceeded_403.inline.json"
    )
    youtube.search().list(part="snippet", q="chess").execute()  # its own bucket still works
    other = build(
        "youtube",
        "v3",
        developerKey="AIzaOtherKey",
        static_discovery=True,
        client_options={"api_endpoint": emulator.base_url},
    )
    other.videos().list(part="id", id="x").execute()
    assert emulator.control.quota(API_KEY)["units"] == 3


def test_search_bucket_gives_429_rate_limit_exceeded(emulator, youtube):
    emulator.control.set_config(search_calls_per_day=2)
    for _ in range(2):
        youtube.search().list(part="snippet", q="chess").execute()
    with pytest.raises(HttpError) as exc:
        youtube.search().list(part="snippet", q="chess").execute()
    error = error_of(exc.value)
    assert exc.value.status_code == 429 and error["status"] == "RESOURCE_EXHAUSTED"
    assert error["errors"][0] == {
        "message": error["message"],
        "domain": "global",
        "reason": "rateLimitExceeded",
    }
    info = error["details"][0]
    assert info["reason"] == "RATE_LIMIT_EXCEEDED"
    assert info["metadata"]["quota_limit"] == "defaultSearchListPerDayPerProject"
    assert info["metadata"]["quota_metric"] == "youtube.googleapis.com/search_list"
    youtube.videos().list(part="id", id="x").execute()  # units bucket unaffected


def test_quota_resets_at_midnight_pacific(emulator, youtube):
    from zoneinfo import ZoneInfo

    pacific = ZoneInfo("America/Los_Angeles")
    before_midnight = datetime(2026, 11, 25, 23, 59, 0, tzinfo=pacific)
    emulator.control.set_clock(before_midnight.astimezone(UTC).isoformat())
    emulator.control.set_config(units_per_day=1)
    youtube.videos().list(part="id", id="x").execute()
    with pytest.raises(HttpError):
        youtube.videos().list(part="id", id="x").execute()
    emulator.control.advance_clock(30)  # 23:59:30 Pacific (07:59:30 UTC): same day
    with pytest.raises(HttpError):
        youtube.videos().list(part="id", id="x").execute()
    emulator.control.advance_clock(timedelta(seconds=31).total_seconds())
    youtube.videos().list(part="id", id="x").execute()
    assert emulator.control.quota(API_KEY)["day"] == "2026-11-26"


def test_fields_gives_partial_responses(emulator, youtube):
    playlist = alice_playlist(emulator, 50)
    body = (
        youtube.playlistItems()
        .list(
            part="snippet,contentDetails",
            playlistId=playlist.id,
            maxResults=10,
            fields="nextPageToken,items(contentDetails/videoId,snippet(title,position))",
        )
        .execute()
    )
    assert set(body) == {"nextPageToken", "items"}
    assert all(set(i) == {"contentDetails", "snippet"} for i in body["items"])
    assert all(set(i["contentDetails"]) == {"videoId"} for i in body["items"])
    assert all(set(i["snippet"]) <= {"title", "position"} for i in body["items"])
    video_id = emulator.dataset.find_video("full").id
    videos = (
        youtube.videos()
        .list(part="snippet,statistics", id=video_id, fields="items(id,statistics/viewCount)")
        .execute()
    )
    assert list(videos) == ["items"] and list(videos["items"][0]) == ["id", "statistics"]
    assert list(videos["items"][0]["statistics"]) == ["viewCount"]
    with pytest.raises(HttpError) as exc:
        youtube.videos().list(part="id", id="x", fields="items(id").execute()
    assert exc.value.status_code == 400


def test_videos_chart_and_my_rating(emulator, youtube):
    popular = youtube.videos().list(part="statistics", chart="mostPopular", maxResults=10).execute()
    views = [int(v["statistics"]["viewCount"]) for v in popular["items"]]
    assert len(views) == 10 and views == sorted(views, reverse=True)
    assert "nextPageToken" in popular
    alice = youtube_as(emulator, "alice@example.com")
    liked = alice.videos().list(part="id", myRating="like", maxResults=50).execute()
    likes = emulator.dataset.likes["alice@example.com"].video_indexes
    public = [i for i in likes if emulator.dataset.status_of(i) == "public"]
    assert liked["pageInfo"]["totalResults"] == len(public)
    assert liked["items"][0]["id"] == emulator.dataset.codec.encode(public[0])
    with pytest.raises(HttpError) as exc:
        youtube.videos().list(part="id", myRating="like").execute()
    assert exc.value.status_code == 401
