"""A real chain's full storage and block headers (swanky-node dev chain, blocks 1-4, via smoldot's test data).

The headers hash-link (each parent hash is the blake2 of the previous header), so the state roots
they carry are authentic. The parent storage of blocks 3 and 4 must hash to the state roots of
blocks 2 and 3 with the V1 layout (this chain has ``system_version: 1``), the child-trie roots
stored under ``:child_storage:default:`` must match their contents, and the extrinsics roots of
blocks 3 and 4 (with signed extrinsics) must match with the V0 layout.

The 643 KB runtime blob (``:code``) is not shipped: in a V1 trie a value that long enters the root
only through its BLAKE2-256 hash (a value node), so the test swaps in a placeholder value and maps
the placeholder's hash to the real one. Everything else is the chain's real data.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

import node.trie.root
import node.trie.trie
from node.scale_compact import decode_compact
from node.trie import MemoryNodeStore, Trie, blake2_256, ordered_trie_root, trie_root

DATA = Path(__file__).parent / "data" / "swanky_node_blocks.json.gz"
CODE_KEY = b":code"


@pytest.fixture(scope="module")
def chain() -> dict[str, Any]:
    return dict(json.loads(gzip.decompress(DATA.read_bytes())))


def _header(chain: dict[str, Any], number: int) -> tuple[bytes, bytes, bytes, bytes]:
    raw = bytes.fromhex(chain["headers"][str(number)])
    parsed_number, offset = decode_compact(raw, 32, canonical=True, max_bytes=4)
    assert parsed_number == number
    return raw[:32], raw[offset : offset + 32], raw[offset + 32 : offset + 64], blake2_256(raw)


@pytest.fixture
def real_code_hash(chain: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> bytes:
    """A placeholder for ``:code`` whose hash is reported as the real runtime's hash."""
    placeholder = b"\xaa" * chain["code_len"]
    real_hash = bytes.fromhex(chain["code_hash"])

    def hashing(data: bytes) -> bytes:
        return real_hash if data == placeholder else blake2_256(data)

    monkeypatch.setattr(node.trie.root, "blake2_256", hashing)
    monkeypatch.setattr(node.trie.trie, "blake2_256", hashing)
    return placeholder


def test_headers_hash_link(chain: dict[str, Any]) -> None:
    for number in (2, 3, 4):
        assert _header(chain, number)[0] == _header(chain, number - 1)[3]


@pytest.mark.parametrize("number", [3, 4])
def test_parent_storage_hashes_to_parent_state_root(
    chain: dict[str, Any], real_code_hash: bytes, number: int
) -> None:
    storage = {bytes.fromhex(k): bytes.fromhex(v) for k, v in chain["parent_storage"][str(number)]["main"].items()}
    storage[CODE_KEY] = real_code_hash
    parent_state_root = _header(chain, number - 1)[1]
    assert trie_root(storage) == parent_state_root
    # The incremental trie, fed in an arbitrary order with deletions on the way, agrees.
    trie = Trie(MemoryNodeStore())
    for key in sorted(storage, reverse=True):
        trie.set(key, b"scratch" * 9)
    trie.commit()
    trie.set(b"extra key", b"1")
    for key, value in storage.items():
        trie.set(key, value)
    trie.delete(b"extra key")
    assert trie.commit() == parent_state_root


@pytest.mark.parametrize("number", [3, 4])
def test_child_trie_roots(chain: dict[str, Any], number: int) -> None:
    state = chain["parent_storage"][str(number)]
    assert state["children"]
    for child_key, entries in state["children"].items():
        stored_root = state["main"][(b":child_storage:default:" + bytes.fromhex(child_key)).hex()]
        pairs = {bytes.fromhex(k): bytes.fromhex(v) for k, v in entries.items()}
        assert trie_root(pairs).hex() == stored_root


@pytest.mark.parametrize("number", [3, 4])
def test_extrinsics_roots_with_signed_extrinsics(chain: dict[str, Any], number: int) -> None:
    body = [bytes.fromhex(x) for x in chain["bodies"][str(number)]]
    assert max(len(x) for x in body) > 33  # a signed extrinsic: V0 and V1 roots differ
    extrinsics_root = _header(chain, number)[2]
    assert ordered_trie_root(body) == extrinsics_root
    assert ordered_trie_root(body, state_version=1) != extrinsics_root
