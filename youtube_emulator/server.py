"""aiohttp application: routes, the stats/fault middleware, and helpers to start a server."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable

from aiohttp import web

from youtube_emulator import control, data_api, errors, images, media, oauth, transcripts
from youtube_emulator.config import EmulatorConfig
from youtube_emulator.dataset import Dataset
from youtube_emulator.state import STATE_KEY, EmulatorState

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def family_of(path: str) -> str:
    """Endpoint family for latency/fault settings."""
    if path.startswith("/youtube/v3/"):
        return "data"
    if path.startswith(("/watch", "/embed/", "/youtubei/", "/api/timedtext", "/videoplayback")):
        return "transcript"
    if path.startswith("/_emulator"):
        return "control"
    return "oauth"


@web.middleware
async def stats_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    stats = state.stats
    route = request.match_info.route
    endpoint = route.name or (route.resource.canonical if route.resource else "unknown")
    stats.requests[endpoint] += 1
    # The control API (tests, benchmarks reading these stats) is no traffic of YouTube's: it
    # is not in the concurrency it reports.
    counted = not request.path.startswith("/_emulator")
    stats.in_flight += counted
    if stats.in_flight > stats.peak_in_flight:
        stats.peak_in_flight = stats.in_flight
    status = 500
    try:
        response = await _with_faults(request, handler, state, endpoint)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        stats.in_flight -= counted
        if status >= 400:
            stats.errors.setdefault(endpoint, _counter())[str(status)] += 1


def _counter():  # type: ignore[no-untyped-def]
    import collections

    return collections.Counter()


async def _with_faults(
    request: web.Request, handler: Handler, state: EmulatorState, endpoint: str
) -> web.StreamResponse:
    family = family_of(request.path)
    if family == "control":
        return await handler(request)
    # The latency is the time from the request's arrival to its answer, as a remote service's
    # is: the answer is computed first and sent when the latency is up, so the emulator's own
    # CPU does not add to it (on one event loop, answering a burst of requests whose latency
    # ends together queued each behind the others).
    loop = asyncio.get_running_loop()
    answer_at = loop.time() + state.faults.latency_s(family)
    try:
        response = await _answer(request, handler, state, family, endpoint)
    finally:  # an aiohttp HTTPException (404...) is an answer too
        remaining = answer_at - loop.time()
        if remaining > 0:
            await asyncio.sleep(remaining)
    if response is None:
        return _drop(request, state)
    return response


async def _answer(
    request: web.Request, handler: Handler, state: EmulatorState, family: str, endpoint: str
) -> web.StreamResponse | None:
    """The response (a scripted or random fault, an IP block, or the handler's), or None to
    drop the connection."""
    faults = state.faults
    scripted = faults.take_scripted(family, endpoint)
    settings = faults.settings[family]
    rng = faults.rngs[family]
    if scripted is not None:
        forced: int | None = scripted.status
    else:
        roll = (
            rng.random()
            if (settings.drop_rate or settings.error_5xx_rate or settings.error_429_rate)
            else 1.0
        )
        if roll < settings.drop_rate:
            forced = 0
        elif roll < settings.drop_rate + settings.error_5xx_rate:
            forced = 503 if rng.random() < 0.5 else 500
        elif roll < settings.drop_rate + settings.error_5xx_rate + settings.error_429_rate:
            forced = 429
        else:
            forced = None
    if forced == 0:
        return None
    if forced is not None:
        return _fault_response(family, forced)
    if family == "transcript" and faults.ip_blocked(request.remote or "unknown"):
        blocked = transcripts.blocked_response(request, faults.ip_block.style)
        if blocked is not None:
            return blocked
    try:
        return await handler(request)
    except errors.ApiError as exc:
        return exc.response()


def _drop(request: web.Request, state: EmulatorState) -> web.StreamResponse:
    """Close the connection without answering (the client sees a reset / empty reply)."""
    state.stats.dropped += 1
    if request.transport is not None:
        request.transport.abort()
    raise asyncio.CancelledError


def _fault_response(family: str, status: int) -> web.StreamResponse:
    if family == "transcript":
        return transcripts.fault_response(status)
    if family == "oauth":
        return errors.oauth_error(
            status, "internal_failure" if status >= 500 else "rate_limit_exceeded", "Backend Error"
        )
    if status == 429:
        return errors.rate_limited().response()
    return errors.backend_error(status).response()


async def not_found(request: web.Request) -> web.Response:
    return errors.not_found_path().response()


def create_app(
    config: EmulatorConfig | None = None, dataset: Dataset | None = None
) -> web.Application:
    """The emulator as an aiohttp Application (its EmulatorState in app[STATE_KEY])."""
    config = config or EmulatorConfig()
    state = EmulatorState(config, dataset)
    app = web.Application(middlewares=[stats_middleware], client_max_size=4 * 1024 * 1024)
    app[STATE_KEY] = state
    app.add_routes(data_api.routes())
    app.add_routes(oauth.routes())
    app.add_routes(transcripts.routes())
    app.add_routes(media.routes())
    app.add_routes(images.routes())
    app.add_routes(control.routes())
    return app


class _CountingServer:
    """Counts open TCP connections by wrapping the low-level server's callbacks."""

    @staticmethod
    def install(runner: web.AppRunner, state: EmulatorState) -> None:
        server = runner.server
        assert server is not None
        made, lost = server.connection_made, server.connection_lost

        def connection_made(handler, transport):  # type: ignore[no-untyped-def]
            made(handler, transport)
            state.stats.connections += 1
            if state.stats.connections > state.stats.peak_connections:
                state.stats.peak_connections = state.stats.connections

        def connection_lost(handler, exc):  # type: ignore[no-untyped-def]
            lost(handler, exc)
            state.stats.connections -= 1

        server.connection_made = connection_made  # type: ignore[method-assign]
        server.connection_lost = connection_lost  # type: ignore[method-assign]


async def start_site(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Start serving `app`; returns the runner and the bound port (port 0 picks a free one)."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    _CountingServer.install(runner, app[STATE_KEY])
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(4096)
    sock.setblocking(False)
    site = web.SockSite(runner, sock)
    await site.start()
    return runner, sock.getsockname()[1]
