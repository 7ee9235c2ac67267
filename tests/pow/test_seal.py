"""The seal and difficulty rules as pure functions, checked against an independent composition and the
chain's own unit-test figures (subtensor `tests/difficulty.rs`)."""

from __future__ import annotations

import hashlib

import pytest
from Crypto.Hash import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from node.pow.difficulty import difficulty_changes, upgraded_difficulty
from node.pow.keccak import FastKeccak256, keccak256
from node.pow.seal import (
    U256_MAX,
    block_and_hotkey_hash,
    create_seal,
    difficulty_target,
    meets_difficulty,
    seal_from_prehash,
    search_nonces,
    search_nonces_naive,
)


def _reference_seal(block_hash: bytes, hotkey: bytes, nonce: int) -> bytes:
    pre = keccak.new(digest_bits=256, data=block_hash + hotkey).digest()
    inner = hashlib.sha256(nonce.to_bytes(8, "little") + pre).digest()
    return bytes(keccak.new(digest_bits=256, data=inner).digest())


def test_keccak_is_not_sha3() -> None:
    assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert keccak256(b"") != hashlib.sha3_256(b"").digest()
    fast = FastKeccak256()
    assert fast.digest(b"abc") == keccak256(b"abc")
    assert fast.digest(b"\x00" * 32) == keccak256(b"\x00" * 32)


@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32), st.integers(0, 2**64 - 1))
def test_seal_matches_reference(block_hash: bytes, hotkey: bytes, nonce: int) -> None:
    assert create_seal(block_hash, hotkey, nonce) == _reference_seal(block_hash, hotkey, nonce)


def test_difficulty_is_a_little_endian_overflow_check() -> None:
    seal = bytes(31) + b"\x01"  # little-endian: 2^248
    assert meets_difficulty(seal, 2**8 - 1)
    assert not meets_difficulty(seal, 2**8)  # 2^248 * 2^8 = 2^256 overflows U256
    assert meets_difficulty(bytes([1]) + bytes(31), 2**64 - 1)  # byte 0 is least significant (big-endian: 2^248)
    assert meets_difficulty(bytes(32), 2**64 - 1)
    assert not meets_difficulty(b"\xff" * 32, 2)
    assert difficulty_target(0) == U256_MAX
    assert difficulty_target(3) == U256_MAX // 3


def test_fast_search_agrees_with_naive_loop() -> None:
    prehash = block_and_hotkey_hash(b"\x11" * 32, b"\x22" * 32)
    target = difficulty_target(300)
    assert search_nonces(prehash, 1_000, 5_000, target) == search_nonces_naive(prehash, 1_000, 5_000, target)
    found = search_nonces(prehash, 0, 20_000, target)
    assert found is not None
    nonce, seal = found
    assert seal == seal_from_prehash(prehash, nonce) and meets_difficulty(seal, 300)
    # nonces wrap at 2^64 like the chain's u64
    assert search_nonces(prehash, 2**64 - 3, 1, U256_MAX) == (2**64 - 3, seal_from_prehash(prehash, 2**64 - 3))
    with pytest.raises(ValueError):
        block_and_hotkey_hash(b"\x00" * 31, b"\x00" * 32)


def test_difficulty_adjustment_matches_chain_figures() -> None:
    # subtensor tests/difficulty.rs (alpha 58000/u64::MAX rounds to zero in U110F18)
    assert upgraded_difficulty(20_000, 3, 1, 58_000, 10_000, 2**62) == 40_000
    assert upgraded_difficulty(40_000, 6, 3, 58_000, 10_000, 2**62) == 60_000
    assert upgraded_difficulty(4, 0, 1, 58_000, 1, 2**62) == 2
    assert upgraded_difficulty(2, 0, 1, 58_000, 1, 2**62) == 1
    assert upgraded_difficulty(1, 0, 1, 58_000, 1, 2**62) == 1
    assert upgraded_difficulty(5_000, 4, 3, 58_000, 1, 10_000) == 5_833
    assert upgraded_difficulty(8_000, 9, 1, 0, 1, 10_000) == 10_000  # clamped to MaxDifficulty
    # half smoothing: alpha = u64::MAX / 2 keeps half of the old value
    assert upgraded_difficulty(10_000, 3, 1, (2**64 - 1) // 2, 1, 2**62) == 15_000
    assert upgraded_difficulty(10_000, 3, 0, 0, 1, 2**62) == 1  # target 0: safe_div gives 0 -> MinDifficulty


@pytest.mark.parametrize(("regs", "target", "pow_", "burn", "changes"), [
    (5, 2, 5, 0, True),    # A: too many, mostly PoW -> harder
    (5, 2, 0, 5, False),   # B: too many, mostly burn -> burn only
    (5, 2, 2, 2, True),    # F: too many, equal -> both
    (1, 2, 1, 0, False),   # C: too few, mostly PoW -> burn only
    (1, 2, 0, 1, True),    # D: too few, mostly burn -> easier
    (0, 2, 0, 0, True),    # E: too few, equal -> both
])
def test_which_cases_move_the_difficulty(regs: int, target: int, pow_: int, burn: int, changes: bool) -> None:
    assert difficulty_changes(regs, target, pow_, burn) is changes
