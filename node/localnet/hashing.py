"""Substrate hashers and small SCALE primitives used on the localnet's hot paths (compact ints live in
node.scale_compact; `compact`/`decode_compact` here are the localnet-lenient entry points)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import xxhash

from node.scale_compact import decode_compact as _decode_compact
from node.scale_compact import encode_compact


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


compact = encode_compact
"""SCALE compact encoding (alias kept: the localnet's codecs call it on many paths)."""


def decode_compact(data: bytes | bytearray | memoryview, offset: int = 0) -> tuple[int, int]:
    """Decode a SCALE compact integer at `offset`, accepting non-canonical forms; raises ValueError."""
    return _decode_compact(data, offset, canonical=False)
