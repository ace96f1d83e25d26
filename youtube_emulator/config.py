"""Emulator configuration: dataset sizes, credentials, budgets and fault settings.

Everything the emulator does is decided by one `EmulatorConfig`, so a test can build a server
with exactly the behaviour it needs and the CLI only maps flags onto these fields.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DEFAULT_CLIENT_ID = "tubeindex-dev.apps.googleusercontent.com"
DEFAULT_CLIENT_SECRET = "tubeindex-dev-secret"
DEFAULT_DEMO_PLAYLIST_SIZES = (5, 50, 500, 3000, 5000)
FAMILIES = ("data", "oauth", "transcript")


@dataclass
class DatasetConfig:
    """Sizes and time span of the generated world; the same values give the same world."""

    seed: int = 42
    n_channels: int = 40
    n_videos: int = 12000
    playlist_sizes: tuple[int, ...] = DEFAULT_DEMO_PLAYLIST_SIZES
    liked_size: int = 120
    private_playlist_size: int = 25
    public_playlist_size: int = 30
    catalog_start: datetime = datetime(2023, 1, 1, tzinfo=UTC)
    catalog_end: datetime = datetime(2026, 11, 1, tzinfo=UTC)
    # Fresh uploads appear every `upload_interval_s` after `live_start` (None: server start).
    live_start: datetime | None = None
    upload_interval_s: int = 600
    max_segments: int = 600

    @classmethod
    def preset(cls, name: str, seed: int = 42) -> DatasetConfig:
        if name == "demo":
            return cls(seed=seed)
        if name == "large":
            return cls(seed=seed, n_channels=400, n_videos=100_000)
        if name == "small":
            return cls(
                seed=seed,
                n_channels=8,
                n_videos=600,
                playlist_sizes=(5, 50, 120, 260, 400),
                liked_size=30,
                private_playlist_size=8,
                public_playlist_size=12,
            )
        raise ValueError(f"unknown dataset preset {name!r} (demo, large, small)")


@dataclass
class LatencyConfig:
    """Added delay for one endpoint family. kind: none | fixed | uniform | lognormal (ms)."""

    kind: str = "none"
    ms: float = 0.0
    min_ms: float = 0.0
    max_ms: float = 0.0
    median_ms: float = 0.0
    sigma: float = 0.5


@dataclass
class FaultConfig:
    """Random failures for one endpoint family; rates are probabilities per request."""

    latency: LatencyConfig = field(default_factory=LatencyConfig)
    error_5xx_rate: float = 0.0
    error_429_rate: float = 0.0
    drop_rate: float = 0.0


@dataclass
class IpBlockConfig:
    """Transcript IP block: more than `threshold_rps` requests in a second from one IP blocks
    that IP for `duration_s` seconds. style: "bot" (player says "Sign in to confirm you're not
    a bot") or "429" (HTML "unusual traffic" page with status 429)."""

    enabled: bool = False
    threshold_rps: float = 50.0
    duration_s: float = 60.0
    style: str = "bot"


@dataclass
class EmulatorConfig:
    dataset: DatasetConfig = field(default_factory=DatasetConfig)
    # API keys: valid when listed in valid_keys, or when they start with "AIza" and are not
    # listed in invalid_keys. Everything else is answered with 400 API_KEY_INVALID.
    valid_keys: list[str] = field(default_factory=list)
    invalid_keys: list[str] = field(
        default_factory=lambda: ["AIzaRevokedDemoKey000000000000000000"]
    )
    key_invalid_style: str = "modern"
    units_per_day: int = 10_000
    search_calls_per_day: int = 100
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    token_ttl_s: int = 3600
    # Where grants (refresh tokens) are kept across restarts; empty: in memory only.
    grants_file: str = ""
    auto_approve: bool = False
    require_consent_cookie: bool = False
    innertube_api_key: str = "AIzaSyEmulatorInnertubeKey0000000000000"
    # The audio /videoplayback serves is a tone of the video's length up to this (media.py).
    media_max_seconds: int = 20
    # The emulator's address as a browser reaches it: thumbnails are served from there
    # (images.py); empty, they are YouTube's own URLs, as in the recordings.
    public_url: str = ""
    faults: dict[str, FaultConfig] = field(
        default_factory=lambda: {family: FaultConfig() for family in FAMILIES}
    )
    ip_block: IpBlockConfig = field(default_factory=IpBlockConfig)
    fault_seed: int | None = None

    def is_valid_key(self, key: str) -> bool:
        if key in self.valid_keys:
            return True
        return key.startswith("AIza") and key not in self.invalid_keys


def fault_config_from_dict(data: dict[str, Any], base: FaultConfig | None = None) -> FaultConfig:
    """Merge a JSON fault description into a FaultConfig (unknown fields are an error)."""
    current = dataclasses.asdict(base or FaultConfig())
    latency = {**current.pop("latency"), **(data.get("latency") or {})}
    unknown = set(data) - set(current) - {"latency"}
    if unknown:
        raise ValueError(f"unknown fault fields: {sorted(unknown)}")
    unknown_latency = set(latency) - {f.name for f in dataclasses.fields(LatencyConfig)}
    if unknown_latency:
        raise ValueError(f"unknown latency fields: {sorted(unknown_latency)}")
    merged = {**current, **{k: v for k, v in data.items() if k != "latency"}}
    for rate in ("error_5xx_rate", "error_429_rate", "drop_rate"):
        value = float(merged[rate])
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{rate} must be within [0, 1]")
        merged[rate] = value
    lat = LatencyConfig(**latency)
    if lat.kind not in ("none", "fixed", "uniform", "lognormal"):
        raise ValueError("latency.kind must be none, fixed, uniform or lognormal")
    return FaultConfig(latency=lat, **merged)
