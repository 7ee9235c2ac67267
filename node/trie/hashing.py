"""Hashing shared by the trie codec, the trie and the proof checker (SCALE compact ints: node.scale_compact)."""

from __future__ import annotations

import hashlib

__all__ = ["EMPTY_ROOT", "blake2_256"]


def blake2_256(data: bytes) -> bytes:
    """Return the 32-byte BLAKE2b digest Substrate uses for trie nodes and values."""
    return hashlib.blake2b(data, digest_size=32).digest()


EMPTY_ROOT: bytes = blake2_256(b"\x00")
"""Root of the empty trie: the hash of the single empty-node byte 0x00."""
