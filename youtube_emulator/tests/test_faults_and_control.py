"""Fault injection, latency settings, the control/stats API and the command line."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from googleapiclient.errors import HttpError

from youtube_emulator.__main__ import build_parser, config_from_args
from youtube_emulator.config import EmulatorConfig, LatencyConfig, fault_config_from_dict
from youtube_emulator.state import Faults
from youtube_emulator.testing import ControlError, EmulatorThread, small_config
from youtube_emulator.tests.conftest import API_KEY, youtube_as

REPO = Path(__file__).resolve().parents[2]


def videos_url(emulator, key: str = API_KEY) -> str:
    return f"{emulator.base_url}/youtube/v3/videos?part=id&id=x&key={key}"


def test_scripted_failures_hit_only_their_endpoint_and_count(emulator, youtube):
    emulator.control.fail_next("data", status=503, count=2, endpoint="videos.list")
    youtube.channels().list(part="id", id="x").execute()
    for _ in range(2):
        with pytest.raises(HttpError) as exc:
            youtube.videos().list(part="id", id="x").execute()
        assert exc.value.status_code == 503
        body = exc.value.error_details
        assert body[0]["reason"] == "backendError"
    youtube.videos().list(part="id", id="x").execute()
    stats = emulator.control.stats()
    assert stats["errors"]["videos.list"] == {"503": 2}
    assert stats["requests"]["videos.list"] == 3


def test_random_faults_are_seeded_and_shaped_like_google(emulator):
    emulator.control.set_faults(data={"error_5xx_rate": 0.3, "error_429_rate": 0.2})
    first = [requests.get(videos_url(emulator)).status_code for _ in range(40)]
    emulator.control.reset()
    emulator.control.set_faults(data={"error_5xx_rate": 0.3, "error_429_rate": 0.2})
    second = [requests.get(videos_url(emulator)).status_code for _ in range(40)]
    assert first == second  # same seed, same dice
    assert {200, 429} <= set(first) and {500, 503} & set(first)
    emulator.control.set_faults(data={"error_5xx_rate": 0.0, "error_429_rate": 1.0})
    limited = requests.get(videos_url(emulator))
    assert limited.status_code == 429
    assert limited.json()["error"]["errors"][0]["reason"] == "rateLimitExceeded"


def test_dropped_connections(emulator):
    emulator.control.fail_next("data", status=0)
    with pytest.raises(requests.ConnectionError):
        requests.get(videos_url(emulator))
    assert requests.get(videos_url(emulator)).status_code == 200
    assert emulator.control.stats()["dropped_connections"] == 1


def test_oauth_family_faults(emulator):
    emulator.control.fail_next("oauth", status=503)
    answer = requests.post(f"{emulator.base_url}/token", data={"grant_type": "refresh_token"})
    assert answer.status_code == 503 and "error" in answer.json()


def test_latency_samplers():
    faults = Faults(EmulatorConfig())
    faults.settings["data"].latency = LatencyConfig(kind="fixed", ms=40)
    assert faults.latency_s("data") == 0.04
    faults.settings["data"].latency = LatencyConfig(kind="uniform", min_ms=10, max_ms=20)
    samples = [faults.latency_s("data") for _ in range(200)]
    assert min(samples) >= 0.01 and max(samples) <= 0.02
    faults.settings["data"].latency = LatencyConfig(kind="lognormal", median_ms=100, sigma=0.5)
    samples = sorted(faults.latency_s("data") for _ in range(2001))
    assert 0.08 < samples[1000] < 0.12
    with pytest.raises(ValueError):
        fault_config_from_dict({"latency": {"kind": "gaussian"}})
    with pytest.raises(ValueError):
        fault_config_from_dict({"error_5xx_rate": 1.5})


def test_latency_applies_and_peak_concurrency_is_counted(emulator):
    emulator.control.set_faults(data={"latency": {"kind": "fixed", "ms": 300}})

    def timed(_):
        started = time.monotonic()
        status = requests.get(videos_url(emulator)).status_code
        return status, time.monotonic() - started

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(timed, range(20)))
    assert [status for status, _ in answers] == [200] * 20
    # The answer is computed first, then held until the latency is up: never sooner.
    assert min(seconds for _, seconds in answers) >= 0.3
    stats = emulator.control.stats()
    assert stats["peak_concurrent_requests"] >= 10
    assert stats["peak_concurrent_connections"] >= 10


def test_control_calls_are_not_counted_as_concurrent_requests(emulator):
    emulator.control.reset()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: emulator.control.stats(), range(16)))
    stats = emulator.control.stats()
    assert stats["peak_concurrent_requests"] == stats["in_flight"] == 0
    requests.get(videos_url(emulator))
    assert emulator.control.stats()["peak_concurrent_requests"] == 1


def test_bad_control_input_is_rejected_and_changes_nothing(emulator):
    before = emulator.control.call("GET", "config")
    for body in ({"units_per_day": -1}, {"nope": 1}, {"auto_approve": "yes"}):
        with pytest.raises(ControlError) as exc:
            emulator.control.set_config(**body)
        assert exc.value.status == 400 and "error" in exc.value.body
    assert emulator.control.call("GET", "config") == before
    faults_before = emulator.control.call("GET", "faults")
    with pytest.raises(ControlError):
        emulator.control.set_faults(data={"error_5xx_rate": 0.1}, oauth={"drop_rate": 7})
    assert emulator.control.call("GET", "faults") == faults_before
    with pytest.raises(ControlError):
        emulator.control.set_clock("tomorrow")
    with pytest.raises(ControlError):
        emulator.control.add_videos(1, playlist_id="PLnope")
    bad_json = requests.patch(f"{emulator.base_url}/_emulator/config", data="{nope")
    assert bad_json.status_code == 400


def test_stats_quota_masks_keys_and_reset_restores_defaults(emulator):
    requests.get(videos_url(emulator))
    stats = emulator.control.stats()
    assert API_KEY not in str(stats)
    assert stats["quota"][f"{API_KEY[:4]}...{API_KEY[-4:]}"]["units"] == 1
    emulator.control.set_config(units_per_day=1, auto_approve=True)
    emulator.control.advance_clock(86400)
    emulator.control.reset()
    config = emulator.control.call("GET", "config")
    assert config["units_per_day"] == 10_000 and config["auto_approve"] is False
    assert abs(emulator.control.clock()["offset_s"]) < 1
    assert "videos.list" not in emulator.control.stats()["requests"]


def test_added_videos_and_playlist_items(emulator, youtube):
    ds = emulator.dataset
    playlist = next(
        p for p in ds.account_playlists("alice@example.com") if len(p.video_indexes) == 5
    )
    added = emulator.control.add_videos(2, playlist_id=playlist.id, title="Brand new upload")
    body = (
        youtube.playlistItems()
        .list(part="snippet", playlistId=playlist.id, maxResults=50)
        .execute()
    )
    assert body["pageInfo"]["totalResults"] == 7
    assert [i["snippet"]["resourceId"]["videoId"] for i in body["items"][-2:]] == [
        v["id"] for v in added
    ]
    found = youtube.search().list(part="snippet", q="brand new upload", order="date").execute()
    assert {v["id"] for v in added} <= {i["id"]["videoId"] for i in found["items"]}
    extra = ds.find_video("full", skip=3).id
    emulator.control.call("POST", f"playlists/{playlist.id}/items", {"video_ids": [extra]})
    info = emulator.control.call("GET", f"videos/{extra}")
    assert info["signature"]["phrase"] == ds.signature_phrase(extra)
    liked = emulator.control.add_videos(1, playlist_id="LL", email="bob@example.com")
    assert liked[0]["id"]
    emulator.control.reset()
    body = youtube.playlistItems().list(part="id", playlistId=playlist.id).execute()
    assert body["pageInfo"]["totalResults"] == 5


def test_a_playlist_deleted_by_its_owner_is_gone_until_a_reset(emulator, youtube):
    alice = youtube_as(emulator, "alice@example.com")
    playlist = next(
        p for p in emulator.dataset.account_playlists("alice@example.com") if p.privacy == "public"
    )
    assert emulator.control.delete_playlist(playlist.id) == {
        "playlist_id": playlist.id,
        "deleted": True,
    }
    with pytest.raises(HttpError) as caught:
        youtube.playlistItems().list(part="id", playlistId=playlist.id).execute()
    assert caught.value.status_code == 404
    assert caught.value.error_details[0]["reason"] == "playlistNotFound"
    assert youtube.playlists().list(part="id", id=playlist.id).execute()["items"] == []
    mine = alice.playlists().list(part="id", mine=True, maxResults=50).execute()
    assert playlist.id not in {p["id"] for p in mine["items"]}
    with pytest.raises(ControlError) as again:
        emulator.control.delete_playlist(playlist.id)
    assert again.value.status == 400 and "unknown playlist" in again.value.body["error"]
    with pytest.raises(ControlError):
        emulator.control.add_videos(1, playlist_id=playlist.id)

    emulator.control.reset()
    body = youtube.playlistItems().list(part="id", playlistId=playlist.id).execute()
    assert body["pageInfo"]["totalResults"] == len(playlist.video_indexes)


def test_cli_flags_map_to_config():
    args = build_parser().parse_args(
        [
            "--seed",
            "7",
            "--dataset",
            "small",
            "--units-per-day",
            "50",
            "--latency",
            "data=uniform:10:20",
            "--latency",
            "transcript=lognormal:80:0.4",
            "--error-5xx-rate",
            "data=0.1",
            "--drop-rate",
            "oauth=0.05",
            "--ip-block-rps",
            "5",
            "--ip-block-style",
            "429",
            "--auto-approve",
            "--valid-key",
            "demo-key",
            "--invalid-key",
            "AIzaBad",
            "--playlist-sizes",
            "3,30",
        ]
    )
    config = config_from_args(args)
    assert config.dataset.seed == 7 and config.dataset.n_videos == 600
    assert config.dataset.playlist_sizes == (3, 30)
    assert config.units_per_day == 50 and config.auto_approve
    assert config.faults["data"].latency.kind == "uniform"
    assert config.faults["data"].error_5xx_rate == 0.1
    assert config.faults["transcript"].latency.median_ms == 80
    assert config.faults["oauth"].drop_rate == 0.05
    assert config.ip_block.enabled and config.ip_block.style == "429"
    assert config.is_valid_key("demo-key") and not config.is_valid_key("AIzaBad")
    assert config.is_valid_key("AIzaAnything") and not config.is_valid_key("sk-123")


def test_command_line_server_starts_and_answers():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "youtube_emulator", "--port", str(port), "--dataset", "small"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(100):
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert answer.json() == {"ok": True}
    finally:
        process.terminate()
        process.wait(10)


def test_small_preset_thread_on_its_own_port():
    with EmulatorThread(small_config(seed=3)) as emu:
        data = emu.control.dataset()
        assert data["n_videos"] == 600 and data["seed"] == 3


def test_videos_added_after_a_reset_are_never_served_stale(emulator, youtube):
    first = emulator.control.add_videos(1, title="Quokka first life")[0]
    youtube.videos().list(part="snippet", id=first["id"]).execute()
    youtube.search().list(part="snippet", q="quokka", order="date").execute()
    emulator.control.reset()
    second = emulator.control.add_videos(
        1, title="Quokka second life", published_at="2026-11-20T10:00:00Z"
    )[0]
    assert second["id"] == first["id"]  # ids of added videos restart after a reset
    video = youtube.videos().list(part="snippet", id=second["id"]).execute()["items"][0]
    assert video["snippet"]["title"] == "Quokka second life"
    assert video["snippet"]["publishedAt"] == "2026-11-20T10:00:00Z"
    hit = youtube.search().list(part="snippet", q="quokka", order="date").execute()["items"][0]
    assert hit["snippet"]["title"] == "Quokka second life"
