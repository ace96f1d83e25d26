"""Identifier formats that look like YouTube's and can be mapped back without a lookup table.

A video id is 64 bits in URL-safe base64 (11 characters), exactly as YouTube's are. We run the
video's index through a keyed Feistel permutation first, so ids look random but decode back to
the index in O(1): the dataset never has to store an id -> video table.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import struct

_M32 = 0xFFFFFFFF
_ROUNDS = 4


def _round_keys(seed: int) -> list[int]:
    digest = hashlib.sha256(f"video-id-key:{seed}".encode()).digest()
    return [int.from_bytes(digest[i * 4 : i * 4 + 4], "big") for i in range(_ROUNDS)]


def _mix(value: int, key: int) -> int:
    value = ((value ^ key) * 0x85EBCA6B) & _M32
    value ^= value >> 13
    value = (value * 0xC2B2AE35) & _M32
    return value ^ (value >> 16)


class VideoIdCodec:
    """Bijection between 64-bit indexes and 11-character video ids for one seed."""

    def __init__(self, seed: int) -> None:
        self._keys = _round_keys(seed)
        # Hot paths map the same ids back and forth: memoise (bounded) per codec.
        self.encode = functools.lru_cache(maxsize=200_000)(self._encode)  # type: ignore[method-assign]
        self.decode = functools.lru_cache(maxsize=200_000)(self._decode)  # type: ignore[method-assign]

    def _encode(self, index: int) -> str:
        left, right = index >> 32, index & _M32
        for key in self._keys:
            left, right = right, left ^ _mix(right, key)
        raw = struct.pack(">II", left, right)
        return base64.urlsafe_b64encode(raw).decode()[:11]

    def _decode(self, video_id: str) -> int | None:
        """The index behind `video_id`, or None when it is not an id this codec produced."""
        if len(video_id) != 11:
            return None
        try:
            raw = base64.urlsafe_b64decode(video_id + "=")
        except (ValueError, TypeError):
            return None
        if len(raw) != 8:
            return None
        left, right = struct.unpack(">II", raw)
        for key in reversed(self._keys):
            left, right = right ^ _mix(left, key), left
        index = (left << 32) | right
        # Base64 of 64 bits leaves 2 spare bits in the last character: reject aliases.
        return index if self.encode(index) == video_id else None


def hashed_id(prefix: str, length: int, *parts: object) -> str:
    """Deterministic URL-safe id such as "UC" + 22 chars or "PL" + 32 chars."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    body = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    return prefix + body[:length]


def etag(*parts: object) -> str:
    """27-character etag like the modern API's (base64 of a SHA-1, no quotes)."""
    digest = hashlib.sha1(":".join(str(p) for p in parts).encode()).digest()  # noqa: S324
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def encode_page_token(offset: int, previous: bool = False) -> str:
    """YouTube's page token format: protobuf {1: offset, 2: direction}, base64 without padding.

    offset 20 forward gives "CBQQAA" and offset 50 backward "CDIQAQ", as in the recordings.
    """
    raw = b"\x08" + _varint(offset) + b"\x10" + (b"\x01" if previous else b"\x00")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page_token(token: str) -> int | None:
    """Offset encoded in `token`, or None when the token is malformed."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError):
        return None
    if len(raw) < 4 or raw[0] != 0x08:
        return None
    offset, shift, pos = 0, 0, 1
    while pos < len(raw):
        byte = raw[pos]
        offset |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            break
        shift += 7
    else:
        return None
    if raw[pos : pos + 1] != b"\x10" or len(raw) != pos + 2 or raw[pos + 1] not in (0, 1):
        return None
    return offset
