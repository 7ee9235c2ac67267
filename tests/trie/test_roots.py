"""From-scratch roots and extrinsics roots, checked against real block headers."""

from __future__ import annotations

import pytest

from node.scale_compact import encode_compact
from node.trie import (
    EMPTY_ROOT,
    MemoryNodeStore,
    Trie,
    blake2_256,
    extrinsics_root_state_version,
    ordered_trie_root,
    storage_state_version,
    trie_root,
)

# (extrinsics, extrinsicsRoot) from real block headers, as published:
REAL_BLOCKS = [
    # Kusama block 0x12d2dd (Substrate JSON-RPC spec's chain_getBlock example): 3 inherents.
    (
        ["280402000bb0019c8b7001", "1c0409006a4b4b00", "1004140000"],
        "1ce1236c8262cead39a2a758fc4cdba0b918f309e5a8572c288c5ba2c16aa7a7",
    ),
    # Substrate node block 0xbac2 (web3.js polkadot plugin test comment): timestamp only.
    (["280401000b10f28e778c01"], "c0fa389ae8109dffe61ddd306afddd9035c34aba3a3c70c7f0a1a29c1c86b329"),
    # Frontier-based chain block 934 (recorded RPC answer in a client test): timestamp only.
    (["280402000b8a8c6d0b9701"], "937ca90d15a79bf046edeb94a02ccc65de71b7985e9bb215d5e31bd5fea3b962"),
    # Polkadot genesis: no extrinsics.
    ([], EMPTY_ROOT.hex()),
]


@pytest.mark.parametrize(("extrinsics", "root"), REAL_BLOCKS)
def test_extrinsics_root_of_real_blocks(extrinsics: list[str], root: str) -> None:
    assert ordered_trie_root([bytes.fromhex(x) for x in extrinsics]).hex() == root


def test_ordered_root_uses_compact_index_keys() -> None:
    items = [bytes([i]) * (i * 3) for i in range(70)]  # indices >= 64 use two-byte compact keys
    assert ordered_trie_root(items) == trie_root({encode_compact(i): x for i, x in enumerate(items)}, state_version=0)
    assert encode_compact(64) == b"\x01\x01"


def test_signed_size_extrinsics_are_value_nodes_only_in_v1() -> None:
    xt = bytes(range(100))  # any signed extrinsic is longer than 32 bytes
    leaf_v0 = bytes([0x42, 0x00]) + encode_compact(len(xt)) + xt
    assert ordered_trie_root([xt]) == blake2_256(leaf_v0)  # default: V0, as frame_system does
    leaf_v1 = bytes([0x20 | 2, 0x00]) + blake2_256(xt)
    assert ordered_trie_root([xt], state_version=1) == blake2_256(leaf_v1)


@pytest.mark.parametrize(("system_version", "storage", "extrinsics"), [(0, 0, 0), (1, 1, 0), (2, 1, 1)])
def test_system_version_mapping(system_version: int, storage: int, extrinsics: int) -> None:
    assert storage_state_version(system_version) == storage
    assert extrinsics_root_state_version(system_version) == extrinsics


def test_trie_root_equals_incremental_trie_for_large_random_state() -> None:
    pairs = {blake2_256(i.to_bytes(4, "little"))[: 8 + i % 40]: bytes(i % 90) for i in range(3000)}
    trie = Trie(MemoryNodeStore())
    for key, value in pairs.items():
        trie.set(key, value)
    assert trie.commit() == trie_root(pairs)


def test_unknown_state_version_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown state version"):
        trie_root({b"a": b"b"}, state_version=2)
