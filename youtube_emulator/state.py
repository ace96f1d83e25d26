"""Mutable emulator state: clock, quota books, OAuth grants, statistics and fault switches.

All of it lives on the server's event loop thread; handlers and the control API change it
without locks because aiohttp runs them one at a time on that loop.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import logging
import math
import os
import random
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from youtube_emulator import errors
from youtube_emulator.config import FAMILIES, EmulatorConfig, FaultConfig, IpBlockConfig
from youtube_emulator.dataset import Dataset, pacific_day_start

log = logging.getLogger(__name__)


class Clock:
    """Wall clock plus an adjustable offset, so tests can jump over midnight Pacific."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def set(self, timestamp: float) -> None:
        self.offset = timestamp - time.time()

    def advance(self, seconds: float) -> None:
        self.offset += seconds


def mask_secret(value: str) -> str:
    """Keys and tokens are shown as their first 4 and last 4 characters only."""
    if len(value) <= 10:
        return value[:2] + "..."
    return f"{value[:4]}...{value[-4:]}"


@dataclass
class QuotaUsage:
    day: str
    units: int = 0
    search_calls: int = 0


class QuotaBook:
    """Daily budgets per consumer (an API key, or "oauth:<client_id>" for Bearer calls).

    search.list has its own bucket of `search_calls_per_day` calls; every other list call costs
    1 unit of `units_per_day`. Days are Pacific days of the emulator clock.
    """

    def __init__(self, config: EmulatorConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.usage: dict[str, QuotaUsage] = {}

    def _current(self, consumer: str) -> QuotaUsage:
        day = pacific_day_start(self.clock.now()).date().isoformat()
        usage = self.usage.get(consumer)
        if usage is None or usage.day != day:
            usage = self.usage[consumer] = QuotaUsage(day)
        return usage

    def charge(self, consumer: str, search: bool) -> None:
        usage = self._current(consumer)
        if search:
            if usage.search_calls >= self.config.search_calls_per_day:
                raise errors.search_rate_limited(
                    self.config.search_calls_per_day, f"projects/{_project_number(consumer)}"
                )
            usage.search_calls += 1
        else:
            if usage.units + 1 > self.config.units_per_day:
                raise errors.quota_exceeded()
            usage.units += 1

    def report(self, consumer: str) -> dict[str, Any]:
        usage = self._current(consumer)
        return {
            "day": usage.day,
            "units": usage.units,
            "units_limit": self.config.units_per_day,
            "search_calls": usage.search_calls,
            "search_calls_limit": self.config.search_calls_per_day,
        }


def _project_number(consumer: str) -> int:
    return 100_000_000_000 + sum(ord(c) * 31**i for i, c in enumerate(consumer)) % 900_000_000_000


@dataclass
class AuthCode:
    code: str
    client_id: str
    redirect_uri: str
    scopes: list[str]
    email: str
    challenge: str | None
    challenge_method: str
    offline: bool
    expires_at: float
    used: bool = False


@dataclass
class Grant:
    """One user's consent to one client: the refresh token and its access tokens."""

    grant_id: str
    email: str
    client_id: str
    scopes: list[str]
    refresh_token: str | None
    revoked: bool = False


@dataclass
class AccessToken:
    token: str
    grant_id: str
    expires_at: float


class OAuthStore:
    """Codes, grants and tokens. With config.grants_file, the grants (and so the refresh
    tokens) are kept in that file and survive a restart, as Google's do: an app that stored a
    refresh token gets a new access token after the emulator restarted (access tokens and
    codes are short-lived and stay in memory). `fresh` (a control reset) starts the file over."""

    def __init__(self, config: EmulatorConfig, clock: Clock, *, fresh: bool = False) -> None:
        self.config = config
        self.clock = clock
        self.codes: dict[str, AuthCode] = {}
        self.grants: dict[str, Grant] = {}
        self.access: dict[str, AccessToken] = {}
        self.refresh: dict[str, str] = {}
        self.path = Path(config.grants_file) if config.grants_file else None
        if self.path is not None:
            if fresh:
                self._save()
            else:
                self._load()

    def _load(self) -> None:
        assert self.path is not None
        try:
            saved = json.loads(self.path.read_text())
            grants = [Grant(**g) for g in saved["grants"]]
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("grants file %s unreadable (%s): starting without grants", self.path, exc)
            return
        for grant in grants:
            self.grants[grant.grant_id] = grant
            if grant.refresh_token:
                self.refresh[grant.refresh_token] = grant.grant_id
        log.info("%d grants from %s", len(grants), self.path)

    def _save(self) -> None:
        """The grants, written whole to a new file then renamed over the old (readable by
        its owner only: it holds refresh tokens)."""
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"grants": [dataclasses.asdict(g) for g in self.grants.values()]})
        partial = self.path.with_name(self.path.name + ".partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(body)
        os.replace(partial, self.path)

    def new_code(self, **fields: Any) -> AuthCode:
        code = AuthCode(
            code="4/0A" + secrets.token_urlsafe(40), expires_at=self.clock.now() + 600, **fields
        )
        self.codes[code.code] = code
        return code

    def new_grant(self, email: str, client_id: str, scopes: list[str], offline: bool) -> Grant:
        grant_id = secrets.token_hex(8)
        refresh = "1//0" + secrets.token_urlsafe(60) if offline else None
        grant = Grant(grant_id, email, client_id, scopes, refresh)
        self.grants[grant_id] = grant
        if refresh:
            self.refresh[refresh] = grant_id
        self._save()
        return grant

    def new_access_token(self, grant: Grant) -> AccessToken:
        token = AccessToken(
            "ya29.a0" + secrets.token_urlsafe(80),
            grant.grant_id,
            self.clock.now() + self.config.token_ttl_s,
        )
        self.access[token.token] = token
        return token

    def grant_for_access(self, token: str) -> Grant | None:
        """The live grant behind an access token (None if unknown, expired or revoked)."""
        access = self.access.get(token)
        if access is None or access.expires_at <= self.clock.now():
            return None
        grant = self.grants.get(access.grant_id)
        return None if grant is None or grant.revoked else grant

    def revoke(self, token: str) -> bool:
        """Revoking either token ends the whole grant, as Google does."""
        grant_id = self.refresh.get(token)
        if grant_id is None and token in self.access:
            grant_id = self.access[token].grant_id
        grant = self.grants.get(grant_id or "")
        if grant is None or grant.revoked:
            return False
        grant.revoked = True
        self._save()
        return True


@dataclass
class Stats:
    requests: collections.Counter[str] = field(default_factory=collections.Counter)
    errors: dict[str, collections.Counter[str]] = field(default_factory=dict)
    in_flight: int = 0
    peak_in_flight: int = 0
    connections: int = 0
    peak_connections: int = 0
    dropped: int = 0
    started_at: float = field(default_factory=time.time)

    def as_json(self, quota: dict[str, Any]) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "total_requests": sum(self.requests.values()),
            "errors": {k: dict(v) for k, v in self.errors.items()},
            "in_flight": self.in_flight,
            "peak_concurrent_requests": self.peak_in_flight,
            "connections": self.connections,
            "peak_concurrent_connections": self.peak_connections,
            "dropped_connections": self.dropped,
            "quota": quota,
            "uptime_s": round(time.time() - self.started_at, 3),
        }


@dataclass
class FailNext:
    """Deterministic scripted failures: the next `count` requests of `family` fail."""

    family: str
    status: int
    count: int
    endpoint: str | None = None


class Faults:
    """Fault settings per family plus their random sources (seeded for repeatability)."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.settings: dict[str, FaultConfig] = {}
        self.ip_block = IpBlockConfig()
        self.rngs: dict[str, random.Random] = {}
        self.scripted: list[FailNext] = []
        self.hits: dict[str, collections.deque[float]] = {}
        self.blocked_until: dict[str, float] = {}
        self.reset()

    def reset(self) -> None:
        seed = (
            self.config.fault_seed
            if self.config.fault_seed is not None
            else (self.config.dataset.seed)
        )
        self.settings = {
            f: dataclasses.replace(self.config.faults.get(f, FaultConfig())) for f in FAMILIES
        }
        self.ip_block = dataclasses.replace(self.config.ip_block)
        self.rngs = {f: random.Random(f"{seed}:{f}") for f in FAMILIES}
        self.scripted = []
        self.hits = {}
        self.blocked_until = {}

    def latency_s(self, family: str) -> float:
        lat = self.settings[family].latency
        rng = self.rngs[family]
        if lat.kind == "fixed":
            return lat.ms / 1000.0
        if lat.kind == "uniform":
            return rng.uniform(lat.min_ms, lat.max_ms) / 1000.0
        if lat.kind == "lognormal":
            return rng.lognormvariate(math.log(max(lat.median_ms, 1e-3)), lat.sigma) / 1000.0
        return 0.0

    def take_scripted(self, family: str, endpoint: str) -> FailNext | None:
        for item in self.scripted:
            if item.family == family and item.endpoint in (None, endpoint):
                item.count -= 1
                if item.count <= 0:
                    self.scripted.remove(item)
                return item
        return None

    def ip_blocked(self, ip: str) -> bool:
        """Record a transcript request from `ip`; True while that IP is blocked."""
        cfg = self.ip_block
        if not cfg.enabled:
            return False
        now = time.monotonic()
        if self.blocked_until.get(ip, 0.0) > now:
            return True
        window = self.hits.setdefault(ip, collections.deque())
        window.append(now)
        while window and window[0] < now - 1.0:
            window.popleft()
        if len(window) > cfg.threshold_rps:
            self.blocked_until[ip] = now + cfg.duration_s
            window.clear()
            return True
        return False

    def as_json(self) -> dict[str, Any]:
        return {
            "families": {f: dataclasses.asdict(c) for f, c in self.settings.items()},
            "ip_block": dataclasses.asdict(self.ip_block),
            "ip_blocked": sorted(
                ip for ip, t in self.blocked_until.items() if t > time.monotonic()
            ),
            "scripted": [dataclasses.asdict(s) for s in self.scripted],
        }


class EmulatorState:
    def __init__(self, config: EmulatorConfig, dataset: Dataset | None = None) -> None:
        self.config = config
        self.clock = Clock()
        self.dataset = dataset or Dataset(config.dataset)
        self.quota = QuotaBook(config, self.clock)
        self.oauth = OAuthStore(config, self.clock)
        self.stats = Stats()
        self.faults = Faults(config)
        self.item_cache = errors.ItemCache()
        self.defaults = {
            "units_per_day": config.units_per_day,
            "search_calls_per_day": config.search_calls_per_day,
            "token_ttl_s": config.token_ttl_s,
            "auto_approve": config.auto_approve,
            "require_consent_cookie": config.require_consent_cookie,
            "public_url": config.public_url,
            "key_invalid_style": config.key_invalid_style,
            "valid_keys": list(config.valid_keys),
            "invalid_keys": list(config.invalid_keys),
        }

    def reset(self) -> None:
        """Back to the state right after start: keeps the dataset, forgets everything else."""
        for name, value in self.defaults.items():
            setattr(self.config, name, list(value) if isinstance(value, list) else value)
        self.clock.offset = 0.0
        self.quota.usage.clear()
        self.oauth = OAuthStore(self.config, self.clock, fresh=True)
        old = self.stats
        self.stats = Stats(
            connections=old.connections,
            peak_connections=old.connections,
            in_flight=old.in_flight,
            peak_in_flight=old.in_flight,
        )
        self.faults.reset()
        self.dataset.reset_overlay()
        self.item_cache.clear()

    def quota_report(self) -> dict[str, Any]:
        return {mask_secret(k): self.quota.report(k) for k in self.quota.usage}


STATE_KEY = web.AppKey("state", EmulatorState)
