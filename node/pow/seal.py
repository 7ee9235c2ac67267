"""The registration seal, exactly as subtensor's `registration.rs` computes and checks it.

    pre      = keccak256(block_hash[32] ++ hotkey[32])            # `hash_block_and_hotkey`
    seal     = keccak256(sha256(nonce.to_le_bytes(8) ++ pre))      # `create_seal_hash`
    accepted = U256::from_little_endian(seal) * difficulty does not overflow 2^256   # `hash_meets_difficulty`

`block_hash` is `System.BlockHash[block_number]`. The chain reads the seal as a little-endian number
(since its May 2025 refactor; before, `U256::from(&[u8])` read it big-endian, which is what the
bittensor SDK's solver still assumes). We follow the chain.
"""

from __future__ import annotations

import hashlib
import struct
from typing import Literal

from node.pow.keccak import FastKeccak256, keccak256

U64_MASK = (1 << 64) - 1
U256_MAX = (1 << 256) - 1
SEAL_BYTE_ORDER: Literal["little"] = "little"
"""How the chain turns the 32-byte seal into the number it multiplies by the difficulty."""

_PACK_NONCE = struct.Struct("<Q").pack


def block_and_hotkey_hash(block_hash: bytes, hotkey: bytes) -> bytes:
    """keccak256(block_hash ++ hotkey): the constant part of every seal for one (block, hotkey).

    Raises:
        ValueError: when either input is not 32 bytes.
    """
    if len(block_hash) != 32 or len(hotkey) != 32:
        raise ValueError("block hash and hotkey must be 32 bytes each")
    return keccak256(block_hash + hotkey)


def seal_from_prehash(prehash: bytes, nonce: int) -> bytes:
    """The seal for a nonce given `block_and_hotkey_hash(...)`."""
    return keccak256(hashlib.sha256(_PACK_NONCE(nonce & U64_MASK) + prehash).digest())


def create_seal(block_hash: bytes, hotkey: bytes, nonce: int) -> bytes:
    """The seal the chain recomputes for (block hash, hotkey, nonce)."""
    return seal_from_prehash(block_and_hotkey_hash(block_hash, hotkey), nonce)


def seal_number(seal: bytes) -> int:
    """The seal as the chain's U256 (little-endian)."""
    return int.from_bytes(seal, SEAL_BYTE_ORDER)


def meets_difficulty(seal: bytes, difficulty: int) -> bool:
    """True when seal * difficulty fits in 256 bits (the chain's overflow test)."""
    return seal_number(seal) * difficulty <= U256_MAX


def difficulty_target(difficulty: int) -> int:
    """Largest seal number that meets `difficulty` (so the check is a single comparison)."""
    return U256_MAX if difficulty <= 0 else U256_MAX // difficulty


def search_nonces(prehash: bytes, start: int, count: int, target: int,
                  hasher: FastKeccak256 | None = None) -> tuple[int, bytes] | None:
    """Try nonces start..start+count-1 (mod 2^64); return the first (nonce, seal) with seal <= target.

    The optimized inner loop: the block/hotkey hash is precomputed, the nonce is packed with a bound
    struct method, Keccak runs on one reused sponge, and a candidate is rejected on the seal's most
    significant byte before any bytes/int object is built.
    """
    hasher = hasher or FastKeccak256()
    handles = hasher.raw_handles()
    if handles is None:
        return search_nonces_naive(prehash, start, count, target)
    lib, state, out, buf = handles
    reset, absorb, digest = lib.keccak_reset, lib.keccak_absorb, lib.keccak_digest
    sha256, pack = hashlib.sha256, _PACK_NONCE
    top = target >> 248
    for nonce in range(start, start + count):
        nonce &= U64_MASK
        reset(state)
        absorb(state, sha256(pack(nonce) + prehash).digest(), 32)
        digest(state, out, 32, 1)
        if out[31] > top:
            continue
        seal = bytes(buf)
        if int.from_bytes(seal, "little") <= target:
            return nonce, seal
    return None


def search_nonces_naive(prehash: bytes, start: int, count: int, target: int) -> tuple[int, bytes] | None:
    """The straightforward loop (hashlib + Crypto.Hash.keccak per nonce): the benchmark's baseline."""
    for nonce in range(start, start + count):
        nonce &= U64_MASK
        seal = keccak256(hashlib.sha256(nonce.to_bytes(8, "little") + prehash).digest())
        if int.from_bytes(seal, "little") <= target:
            return nonce, seal
    return None
