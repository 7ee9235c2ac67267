"""Block headers as an endpoint serves them, re-encoded and hashed locally.

A header is trusted only if blake2_256 of its SCALE encoding equals the hash we asked for and its
parent hash links it to a header we already verified. State roots of such headers anchor every
storage proof the light node checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from node.light.errors import LyingEndpointError
from node.scale_compact import encode_compact
from node.trie import blake2_256


def _hex(value: Any, size: int | None, what: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ValueError(f"{what} is not a 0x-hex string")
    raw = bytes.fromhex(value[2:])
    if size is not None and len(raw) != size:
        raise ValueError(f"{what} has {len(raw)} bytes, expected {size}")
    return raw


@dataclass(frozen=True)
class VerifiedHeader:
    """A header whose hash we computed ourselves."""

    hash: bytes
    parent_hash: bytes
    number: int
    state_root: bytes
    extrinsics_root: bytes
    encoded: bytes
    """The SCALE encoding that hashes to ``hash``."""


def header_from_json(data: Any) -> VerifiedHeader:
    """Encode a ``chain_getHeader`` JSON answer and hash it.

    Raises:
        ValueError: the JSON is not a header.
    """
    if not isinstance(data, dict):
        raise ValueError("header is not a JSON object")
    parent = _hex(data.get("parentHash"), 32, "parentHash")
    number_text = data.get("number")
    if not isinstance(number_text, str):
        raise ValueError("number is not a string")
    number = int(number_text, 16) if number_text.startswith("0x") else int(number_text)
    state_root = _hex(data.get("stateRoot"), 32, "stateRoot")
    ext_root = _hex(data.get("extrinsicsRoot"), 32, "extrinsicsRoot")
    logs = (data.get("digest") or {}).get("logs") or []
    if not isinstance(logs, list):
        raise ValueError("digest.logs is not a list")
    encoded = (parent + encode_compact(number) + state_root + ext_root + encode_compact(len(logs))
               + b"".join(_hex(log, None, "digest log") for log in logs))
    return VerifiedHeader(blake2_256(encoded), parent, number, state_root, ext_root, encoded)


def check_header(endpoint: str, data: Any, expected_hash: bytes | None,
                 expected_number: int | None = None) -> VerifiedHeader:
    """Decode and verify a header against the hash it was requested by.

    Raises:
        LyingEndpointError: malformed header, hash mismatch or wrong block number.
    """
    try:
        header = header_from_json(data)
    except ValueError as exc:
        raise LyingEndpointError(endpoint, f"malformed header: {exc}") from exc
    if expected_hash is not None and header.hash != expected_hash:
        raise LyingEndpointError(endpoint, f"header hash mismatch at #{header.number}: asked for "
                                           f"0x{expected_hash.hex()}, content hashes to 0x{header.hash.hex()}")
    if expected_number is not None and header.number != expected_number:
        raise LyingEndpointError(endpoint, f"asked for block #{expected_number}, got #{header.number}")
    return header
