"""Command line: python -m youtube_emulator --host 127.0.0.1 --port 8090 [--seed N] ...

Fault flags take FAMILY=VALUE with FAMILY one of data, oauth, transcript, e.g.
  --latency data=fixed:50 --latency transcript=uniform:20:200 --latency oauth=lognormal:80:0.6
  --error-5xx-rate data=0.02 --error-429-rate transcript=0.05 --drop-rate data=0.01
  --ip-block-rps 20 --ip-block-duration 60 --ip-block-style bot
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from datetime import datetime

from youtube_emulator.config import (
    FAMILIES,
    DatasetConfig,
    EmulatorConfig,
    IpBlockConfig,
    fault_config_from_dict,
)
from youtube_emulator.dataset import parse_rfc3339
from youtube_emulator.server import create_app, start_site

log = logging.getLogger("youtube_emulator")


def parse_latency(spec: str) -> dict[str, float | str]:
    """fixed:MS | uniform:MIN:MAX | lognormal:MEDIAN:SIGMA | none"""
    kind, *numbers = spec.split(":")
    values = [float(n) for n in numbers]
    shapes = {
        "none": [],
        "fixed": ["ms"],
        "uniform": ["min_ms", "max_ms"],
        "lognormal": ["median_ms", "sigma"],
    }
    if kind not in shapes or len(values) != len(shapes[kind]):
        raise argparse.ArgumentTypeError(
            f"bad latency {spec!r}: use fixed:MS, uniform:MIN:MAX, lognormal:MEDIAN:SIGMA or none"
        )
    return {"kind": kind, **dict(zip(shapes[kind], values, strict=True))}


def family_value(text: str) -> tuple[str, str]:
    family, sep, value = text.partition("=")
    if not sep or family not in FAMILIES:
        raise argparse.ArgumentTypeError(f"expected FAMILY=VALUE with FAMILY in {FAMILIES}")
    return family, value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m youtube_emulator",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8090)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--dataset", choices=["demo", "large", "small"], default="demo")
    p.add_argument("--videos", type=int, help="override the number of catalog videos")
    p.add_argument("--playlist-sizes", help="comma-separated sizes of each demo account's mixes")
    p.add_argument("--upload-interval", type=int, help="seconds between fresh uploads")
    p.add_argument("--live-start", help="RFC 3339 time of upload 0 (default: server start)")
    p.add_argument("--units-per-day", type=int, default=10_000)
    p.add_argument("--search-calls-per-day", type=int, default=100)
    p.add_argument("--valid-key", action="append", default=[], help="extra valid API key")
    p.add_argument("--invalid-key", action="append", default=[], help="revoked API key")
    p.add_argument(
        "--legacy-key-errors",
        action="store_true",
        help="answer bad keys with the legacy 400 keyInvalid body",
    )
    p.add_argument("--client-id")
    p.add_argument("--client-secret")
    p.add_argument("--token-ttl", type=int, default=3600, help="access token lifetime (s)")
    p.add_argument(
        "--grants-file",
        default="",
        help="keep OAuth grants (refresh tokens) in this file, so sign-ins survive a restart",
    )
    p.add_argument(
        "--auto-approve",
        action="store_true",
        help="skip the consent page when login_hint names a demo account",
    )
    p.add_argument(
        "--consent-cookie",
        action="store_true",
        help="serve the EU consent page until a CONSENT=YES+ cookie is sent",
    )
    p.add_argument(
        "--media-max-seconds",
        type=int,
        default=20,
        help="audio served for yt-dlp: a tone of the video's length up to this",
    )
    p.add_argument(
        "--public-url",
        default="",
        help="the emulator's address as a browser reaches it: thumbnails are served from"
        " there (default: YouTube's own image URLs)",
    )
    p.add_argument("--latency", type=family_value, action="append", default=[])
    p.add_argument("--error-5xx-rate", type=family_value, action="append", default=[])
    p.add_argument("--error-429-rate", type=family_value, action="append", default=[])
    p.add_argument("--drop-rate", type=family_value, action="append", default=[])
    p.add_argument("--ip-block-rps", type=float, help="enable IP blocking above this rate")
    p.add_argument("--ip-block-duration", type=float, default=60.0)
    p.add_argument("--ip-block-style", choices=["bot", "429"], default="bot")
    p.add_argument("--fault-seed", type=int)
    p.add_argument("--log-level", default="INFO")
    return p


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    dataset = DatasetConfig.preset(args.dataset, args.seed)
    if args.videos:
        dataset.n_videos = args.videos
    if args.playlist_sizes:
        dataset.playlist_sizes = tuple(int(n) for n in args.playlist_sizes.split(","))
        if any(n < 0 or n > 5000 for n in dataset.playlist_sizes):
            raise ValueError("playlist sizes must be within 0..5000 (YouTube's limit)")
    if args.upload_interval:
        dataset.upload_interval_s = args.upload_interval
    if args.live_start:
        dataset.live_start = datetime.fromtimestamp(parse_rfc3339(args.live_start)).astimezone()
    config = EmulatorConfig(
        dataset=dataset,
        units_per_day=args.units_per_day,
        search_calls_per_day=args.search_calls_per_day,
        token_ttl_s=args.token_ttl,
        grants_file=args.grants_file,
        auto_approve=args.auto_approve,
        require_consent_cookie=args.consent_cookie,
        media_max_seconds=max(1, args.media_max_seconds),
        public_url=args.public_url,
        fault_seed=args.fault_seed,
    )
    config.valid_keys.extend(args.valid_key)
    config.invalid_keys.extend(args.invalid_key)
    if args.legacy_key_errors:
        config.key_invalid_style = "legacy"
    if args.client_id:
        config.client_id = args.client_id
    if args.client_secret:
        config.client_secret = args.client_secret
    per_family: dict[str, dict[str, object]] = {f: {} for f in FAMILIES}
    for family, spec in args.latency:
        per_family[family]["latency"] = parse_latency(spec)
    for option, name in (
        (args.error_5xx_rate, "error_5xx_rate"),
        (args.error_429_rate, "error_429_rate"),
        (args.drop_rate, "drop_rate"),
    ):
        for family, value in option:
            per_family[family][name] = float(value)
    for family, data in per_family.items():
        config.faults[family] = fault_config_from_dict(data)
    if args.ip_block_rps:
        config.ip_block = IpBlockConfig(
            True, args.ip_block_rps, args.ip_block_duration, args.ip_block_style
        )
    return config


async def serve(config: EmulatorConfig, host: str, port: int) -> None:
    app = create_app(config)
    runner, bound = await start_site(app, host, port)
    log.info(
        "YouTube emulator on http://%s:%s (seed %s, %s videos)",
        host,
        bound,
        config.dataset.seed,
        config.dataset.n_videos,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(message)s")
    try:
        config = config_from_args(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    asyncio.run(serve(config, args.host, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
