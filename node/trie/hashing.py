"""Hashing and SCALE compact helpers shared by the trie codec, the trie and the proof checker."""

from __future__ import annotations

import hashlib

__all__ = ["EMPTY_ROOT", "blake2_256", "decode_compact", "encode_compact"]


def blake2_256(data: bytes) -> bytes:
    """Return the 32-byte BLAKE2b digest Substrate uses for trie nodes and values."""
    return hashlib.blake2b(data, digest_size=32).digest()


EMPTY_ROOT: bytes = blake2_256(b"\x00")
"""Root of the empty trie: the hash of the single empty-node byte 0x00."""


def encode_compact(value: int) -> bytes:
    """SCALE-encode a non-negative integer in compact form.

    Raises:
        ValueError: if ``value`` is negative.
    """
    if value < 0:
        raise ValueError(f"compact integers are unsigned, got {value}")
    if value < 1 << 6:
        return bytes((value << 2,))
    if value < 1 << 14:
        return ((value << 2) | 1).to_bytes(2, "little")
    if value < 1 << 30:
        return ((value << 2) | 2).to_bytes(4, "little")
    raw = value.to_bytes((value.bit_length() + 7) // 8, "little")
    if len(raw) > 67:
        raise ValueError("compact integer too large")
    return bytes((((len(raw) - 4) << 2) | 3,)) + raw


def decode_compact(data: bytes, offset: int, *, max_bytes: int = 4) -> tuple[int, int]:
    """Decode a canonical SCALE compact integer at ``offset``.

    Non-canonical encodings are rejected, as parity-scale-codec does, so that a node has exactly
    one valid byte form.

    Args:
        data: buffer to read from.
        offset: position of the first byte.
        max_bytes: width of the integer type (4 for ``Compact<u32>``).

    Returns:
        ``(value, new_offset)``.

    Raises:
        ValueError: on truncated or non-canonical input.
    """
    if offset >= len(data):
        raise ValueError("truncated compact integer")
    first = data[offset]
    mode = first & 3
    if mode == 0:
        return first >> 2, offset + 1
    if mode == 1:
        end = offset + 2
        if end > len(data):
            raise ValueError("truncated compact integer")
        value = int.from_bytes(data[offset:end], "little") >> 2
        if value < 1 << 6:
            raise ValueError("non-canonical compact integer")
        return value, end
    if mode == 2:
        end = offset + 4
        if end > len(data):
            raise ValueError("truncated compact integer")
        value = int.from_bytes(data[offset:end], "little") >> 2
        if value < 1 << 14:
            raise ValueError("non-canonical compact integer")
        return value, end
    size = (first >> 2) + 4
    if size > max_bytes:
        raise ValueError("compact integer too large for its type")
    end = offset + 1 + size
    if end > len(data):
        raise ValueError("truncated compact integer")
    value = int.from_bytes(data[offset + 1 : end], "little")
    if value < 1 << 30 or (value >> (8 * (size - 1))) == 0:
        raise ValueError("non-canonical compact integer")
    return value, end
