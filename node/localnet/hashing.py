"""Substrate hashers and small SCALE primitives used on the localnet's hot paths."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import xxhash


def blake2_256(data: bytes) -> bytes:
    """32-byte blake2b, Substrate's `Hashing` for blocks, extrinsics and trie nodes."""
    return hashlib.blake2b(data, digest_size=32).digest()


def blake2_128(data: bytes) -> bytes:
    """16-byte blake2b."""
    return hashlib.blake2b(data, digest_size=16).digest()


def blake2_64(data: bytes) -> bytes:
    """8-byte blake2b (runtime API ids are blake2_64 of the API trait name)."""
    return hashlib.blake2b(data, digest_size=8).digest()


def twox64(data: bytes) -> bytes:
    """xxhash64 with seed 0, little-endian, as Substrate's Twox64."""
    return xxhash.xxh64_intdigest(data, seed=0).to_bytes(8, "little")


def twox128(data: bytes) -> bytes:
    """Two xxhash64 (seeds 0 and 1) concatenated, as Substrate's Twox128."""
    return twox64(data) + xxhash.xxh64_intdigest(data, seed=1).to_bytes(8, "little")


def twox256(data: bytes) -> bytes:
    """Four xxhash64 (seeds 0..3) concatenated."""
    return b"".join(xxhash.xxh64_intdigest(data, seed=s).to_bytes(8, "little") for s in range(4))


HASHERS: dict[str, Callable[[bytes], bytes]] = {
    "Blake2_128": blake2_128,
    "Blake2_256": blake2_256,
    "Blake2_128Concat": lambda d: blake2_128(d) + d,
    "Twox128": twox128,
    "Twox256": twox256,
    "Twox64Concat": lambda d: twox64(d) + d,
    "Identity": lambda d: d,
}
"""Storage map hashers by their metadata name."""

CONCAT_HASH_LEN: dict[str, int] = {"Blake2_128Concat": 16, "Twox64Concat": 8, "Identity": 0}
"""Hash length before the raw key for hashers that keep the key (so it can be decoded back)."""


def compact(n: int) -> bytes:
    """SCALE compact encoding of a non-negative integer."""
    if n < 0:
        raise ValueError("compact integers are unsigned")
    if n < 1 << 6:
        return bytes([n << 2])
    if n < 1 << 14:
        return ((n << 2) | 1).to_bytes(2, "little")
    if n < 1 << 30:
        return ((n << 2) | 2).to_bytes(4, "little")
    raw = n.to_bytes((n.bit_length() + 7) // 8, "little")
    return bytes([((len(raw) - 4) << 2) | 3]) + raw


def decode_compact(data: bytes | bytearray | memoryview, offset: int = 0) -> tuple[int, int]:
    """Decode a SCALE compact integer at `offset`; return (value, new offset). Raises ValueError."""
    if offset >= len(data):
        raise ValueError("compact integer: no bytes")
    b0 = data[offset]
    mode = b0 & 3
    if mode == 0:
        return b0 >> 2, offset + 1
    if mode == 1:
        end = offset + 2
        if end > len(data):
            raise ValueError("compact integer: truncated")
        return int.from_bytes(data[offset:end], "little") >> 2, end
    if mode == 2:
        end = offset + 4
        if end > len(data):
            raise ValueError("compact integer: truncated")
        return int.from_bytes(data[offset:end], "little") >> 2, end
    n = (b0 >> 2) + 4
    end = offset + 1 + n
    if end > len(data):
        raise ValueError("compact integer: truncated")
    return int.from_bytes(data[offset + 1 : end], "little"), end
