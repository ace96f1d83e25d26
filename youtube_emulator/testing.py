"""Test aids: run the emulator in a background thread, drive its control API, and send
requests meant for https://www.youtube.com to it.

    from youtube_emulator.testing import EmulatorThread

    with EmulatorThread() as emu:          # free port on 127.0.0.1
        emu.base_url                       # "http://127.0.0.1:PORT"
        emu.control.set_config(units_per_day=3)
        emu.dataset.signature_phrase(video_id)

Pytest fixtures built on this live in youtube_emulator.pytest_plugin.
"""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

from youtube_emulator.config import DatasetConfig, EmulatorConfig
from youtube_emulator.dataset import Dataset
from youtube_emulator.server import STATE_KEY, create_app, start_site
from youtube_emulator.state import EmulatorState

YOUTUBE_WEB = "https://www.youtube.com"


class ControlError(RuntimeError):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"control API answered {status}: {body}")
        self.status = status
        self.body = body


class ControlClient:
    """Thin JSON client for /_emulator/ (stdlib only, usable from any thread)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
    ) -> Any:
        url = f"{self.base_url}/_emulator/{path.lstrip('/')}"
        if query:
            url += "?" + urlencode(query)
        data = json.dumps(body).encode() if body is not None else None
        # Only ever our own http:// base URL, never a user-supplied scheme.
        request = urllib.request.Request(  # noqa: S310
            url, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            raise ControlError(exc.code, json.loads(raw) if raw else None) from None

    # Shortcuts for the common calls.
    def reset(self) -> None:
        self.call("POST", "reset")

    def stats(self) -> dict[str, Any]:
        return self.call("GET", "stats")

    def set_config(self, **settings: Any) -> dict[str, Any]:
        return self.call("PATCH", "config", settings)

    def set_faults(self, **families: Any) -> dict[str, Any]:
        return self.call("PATCH", "faults", families)

    def fail_next(
        self, family: str = "data", status: int = 503, count: int = 1, endpoint: str | None = None
    ) -> dict[str, Any]:
        return self.call(
            "POST",
            "faults/fail-next",
            {"family": family, "status": status, "count": count, "endpoint": endpoint},
        )

    def clock(self) -> dict[str, Any]:
        return self.call("GET", "clock")

    def set_clock(self, iso_time: str) -> dict[str, Any]:
        return self.call("POST", "clock", {"set": iso_time})

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        return self.call("POST", "clock", {"advance_s": seconds})

    def quota(self, key: str) -> dict[str, Any]:
        return self.call("GET", "quota", query={"key": key})

    def add_videos(self, count: int = 1, **fields: Any) -> list[dict[str, Any]]:
        return self.call("POST", "videos", {"count": count, **fields})["videos"]

    def add_playlist_items(self, playlist_id: str, video_ids: list[str]) -> dict[str, Any]:
        return self.call("POST", f"playlists/{playlist_id}/items", {"video_ids": video_ids})

    def delete_playlist(self, playlist_id: str) -> dict[str, Any]:
        return self.call("DELETE", f"playlists/{playlist_id}")

    def dataset(self) -> dict[str, Any]:
        return self.call("GET", "dataset")

    def issue_token(
        self, email: str, scopes: list[str] | None = None, offline: bool = True
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"email": email, "offline": offline}
        if scopes:
            body["scopes"] = scopes
        return self.call("POST", "tokens", body)


class EmulatorThread:
    """The emulator on its own event loop in a daemon thread; a context manager.

    Pass a config (or dataset preset name) to change behaviour. `state` is the live server
    state: read it freely, but change things through `control` (it runs on the server loop).
    """

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        dataset: Dataset | None = None,
    ) -> None:
        self.config = config or EmulatorConfig()
        self.host = host
        self.port = port
        self._dataset = dataset
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self.state: EmulatorState | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def control(self) -> ControlClient:
        return ControlClient(self.base_url)

    @property
    def dataset(self) -> Dataset:
        assert self.state is not None, "emulator not started"
        return self.state.dataset

    def start(self) -> EmulatorThread:
        self._thread = threading.Thread(target=self._run, name="youtube-emulator", daemon=True)
        self._thread.start()
        self._ready.wait(60)
        if self._error is not None:
            raise RuntimeError("emulator failed to start") from self._error
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._ready.set()
        finally:
            loop.close()

    async def _serve(self) -> None:
        app = create_app(self.config, self._dataset)
        self.state = app[STATE_KEY]
        runner, self.port = await start_site(app, self.host, self.port)
        self._stop = asyncio.Event()
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(30)

    def __enter__(self) -> EmulatorThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def small_config(seed: int = 42, **overrides: Any) -> EmulatorConfig:
    """Config with the small dataset preset (fast to build), for focused tests."""
    return EmulatorConfig(dataset=DatasetConfig.preset("small", seed), **overrides)


class RedirectAdapter(HTTPAdapter):
    """requests adapter that sends https://www.youtube.com/... to the emulator.

    Mount it on a Session for "https://www.youtube.com" and hand that session to
    YouTubeTranscriptApi(http_client=session). Cookies still belong to .youtube.com because the
    URL is rewritten only at send time. (Test aid; production code has its own adapter.)
    """

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        parts = urlsplit(base_url)
        self._scheme, self._netloc = parts.scheme, parts.netloc

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        parts = urlsplit(request.url or "")
        request.url = urlunsplit((self._scheme, self._netloc, parts.path, parts.query, ""))
        return super().send(request, *args, **kwargs)


def youtube_session(base_url: str) -> requests.Session:
    """A requests Session whose https://www.youtube.com traffic goes to the emulator."""
    session = requests.Session()
    session.mount(YOUTUBE_WEB, RedirectAdapter(base_url))
    return session
