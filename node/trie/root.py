"""Trie roots computed from scratch over a sorted key set (independent of the mutable trie)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from node.scale_compact import encode_compact
from node.trie.codec import HASH_LEN, encode_branch, encode_leaf
from node.trie.hashing import EMPTY_ROOT, blake2_256
from node.trie.trie import value_threshold

__all__ = ["extrinsics_root_state_version", "ordered_trie_root", "storage_state_version", "trie_root"]


def trie_root(pairs: Mapping[bytes, bytes], *, state_version: int = 1) -> bytes:
    """Return the root of the trie holding exactly ``pairs``, built in one pass over sorted keys."""
    if not pairs:
        return EMPTY_ROOT
    threshold = value_threshold(state_version)
    items = sorted((key.hex(), value) for key, value in pairs.items())
    enc = _build(items, 0, len(items), 0, threshold)
    return blake2_256(enc)


def ordered_trie_root(items: Sequence[bytes], *, state_version: int = 0) -> bytes:
    """Root of the trie mapping SCALE ``Compact(index)`` to each item (Substrate extrinsics root).

    The default is state version 0 because that is what ``frame_system`` uses for extrinsics roots
    unless ``RuntimeVersion.system_version`` is 2 (``extrinsics_root_state_version()``). Subtensor
    declares ``system_version: 1``: storage trie V1, extrinsics root V0; use
    :func:`extrinsics_root_state_version` when following another runtime.
    """
    return trie_root({encode_compact(i): item for i, item in enumerate(items)}, state_version=state_version)


def extrinsics_root_state_version(system_version: int) -> int:
    """Trie state version of the extrinsics root for a runtime's ``system_version`` (0 and 1 -> 0)."""
    if system_version not in (0, 1, 2):
        raise ValueError(f"unknown system_version {system_version}")
    return 1 if system_version == 2 else 0


def storage_state_version(system_version: int) -> int:
    """Trie state version of the storage (state root) for a runtime's ``system_version``."""
    if system_version not in (0, 1, 2):
        raise ValueError(f"unknown system_version {system_version}")
    return 0 if system_version == 0 else 1


def _value_part(value: bytes, threshold: int | None) -> tuple[bytes, bool]:
    if threshold is not None and len(value) >= threshold:
        return blake2_256(value), True
    return value, False


def _ref(enc: bytes) -> bytes:
    return blake2_256(enc) if len(enc) >= HASH_LEN else enc


def _build(items: list[tuple[str, bytes]], lo: int, hi: int, depth: int, threshold: int | None) -> bytes:
    """Encode the node covering ``items[lo:hi]``, whose keys all share ``depth`` leading nibbles."""
    first_key = items[lo][0]
    if hi - lo == 1:
        value, hashed = _value_part(items[lo][1], threshold)
        return encode_leaf(first_key[depth:], value, hashed)
    last_key = items[hi - 1][0]
    # Sorted keys: the common prefix of the first and last is shared by all.
    end = depth
    limit = min(len(first_key), len(last_key))
    while end < limit and first_key[end] == last_key[end]:
        end += 1
    branch_value: bytes | None = None
    hashed = False
    start = lo
    if len(first_key) == end:  # the prefix itself is a key: the branch's value
        branch_value, hashed = _value_part(items[lo][1], threshold)
        start = lo + 1
    refs: list[bytes | None] = [None] * 16
    i = start
    while i < hi:
        nibble = items[i][0][end]
        j = i + 1
        while j < hi and items[j][0][end] == nibble:
            j += 1
        refs[int(nibble, 16)] = _ref(_build(items, i, j, end + 1, threshold))
        i = j
    return encode_branch(first_key[depth:end], branch_value, hashed, refs)
