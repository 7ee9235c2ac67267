"""Node codec: byte-exact known answers (sp-trie / smoldot tests, hand-built nodes) and rejection of bad bytes."""

from __future__ import annotations

import pytest

from node.scale_compact import decode_compact, encode_compact
from node.trie import EMPTY_ROOT, MemoryNodeStore, Trie, blake2_256, trie_root
from node.trie.codec import Node, NodeDecodeError, decode_node, encode_branch, encode_leaf


def test_empty_root_is_hash_of_empty_node() -> None:
    assert blake2_256(b"\x00") == EMPTY_ROOT
    assert EMPTY_ROOT.hex() == "03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314"
    assert trie_root({}) == EMPTY_ROOT
    assert Trie(MemoryNodeStore()).commit() == EMPTY_ROOT


def test_single_leaf_matches_sp_trie_codec_test() -> None:
    # sp-trie `codec_trie_single_tuple`: leaf 0x40 + 2 nibbles, key byte, Compact(1), value.
    enc = bytes([0x42, 0xAA, 1 << 2, 0xBB])
    assert encode_leaf("aa", b"\xbb", hashed=False) == enc
    assert trie_root({b"\xaa": b"\xbb"}) == blake2_256(enc)


def test_two_disjoint_keys_match_sp_trie_codec_test() -> None:
    # sp-trie `codec_trie_two_tuples_disjoint_keys`: branch without partial, bitmap slots 1 and 4,
    # two inline 5-byte leaves with 3-nibble (odd, zero-padded) partial keys.
    first = [0x05 << 2, 0x43, 0x03, 0x14, 0x01 << 2, 0xFF]
    second = [0x05 << 2, 0x43, 0x08, 0x19, 0x01 << 2, 0xFE]
    expected = bytes([0x80, 0x12, 0x00, *first, *second])
    pairs = {b"\x48\x19": b"\xfe", b"\x13\x14": b"\xff"}
    assert trie_root(pairs) == blake2_256(expected)
    store = MemoryNodeStore()
    trie = Trie(store)
    for key, value in pairs.items():
        trie.set(key, value)
    root = trie.commit()
    assert root == blake2_256(expected)
    assert store.get(root) == expected


@pytest.mark.parametrize("state_version", [0, 1])
def test_smoldot_known_roots(state_version: int) -> None:
    # smoldot lib/src/trie/calculate_root.rs `trie_root_one_node` (same root for V0 and V1).
    assert trie_root({b"abcd": b"hello world"}, state_version=state_version) == bytes.fromhex("7ab18659d3b2789ef2400d107104c7d4fb93d06d9ab6a8b641a5de7c3fecc851")


def test_smoldot_known_roots_v0_and_v1_examples() -> None:
    # smoldot lib/src/trie.rs `trie_root_example_v0_blake2` / `trie_root_example_v1_blake2`.
    v0 = trie_root({b"foo": b"bar", b"foobar": b"baz"}, state_version=0)
    assert v0 == bytes.fromhex("a61820b5fba9b01aee10b5bbd84aea80b8230318c5e8ca14b9a4940c76e09815")
    v1 = trie_root({b"bar": b"foo", b"barfoo": b"hello", b"anotheritem": b"anothervalue"})
    assert v1 == bytes.fromhex("441807c345ca7adf88bd21ab1b3cbadb15616abb89167eb9fe285dd5cecd04c8")


def test_hashed_value_leaf_built_by_hand() -> None:
    value = bytes(range(33))  # 33 bytes: the first length stored as a separate value node in V1
    v1_leaf = bytes([0x20 | 2, 0xAA]) + blake2_256(value)
    assert trie_root({b"\xaa": value}) == blake2_256(v1_leaf)
    v0_leaf = bytes([0x42, 0xAA, 33 << 2]) + value
    assert trie_root({b"\xaa": value}, state_version=0) == blake2_256(v0_leaf)
    short = bytes(range(32))  # 32 bytes stays inline even in V1
    assert trie_root({b"\xaa": short}) == blake2_256(bytes([0x42, 0xAA, 32 << 2]) + short)
    store = MemoryNodeStore()
    trie = Trie(store)
    trie.set(b"\xaa", value)
    root = trie.commit()
    assert root == blake2_256(v1_leaf)
    assert store.get(blake2_256(value)) == value  # the value node is written too


def test_hashed_value_branch_built_by_hand() -> None:
    # Key 0x01 holds a long value and is a prefix of 0x0123: a branch with a hashed value.
    value = b"v" * 40
    child = bytes([0x40 | 1, 0x03, 1 << 2, 0x07])  # leaf, 1 nibble "3", value 0x07 (inline, 4 bytes)
    branch = bytes([0x10 | 2, 0x01, 0x04, 0x00]) + blake2_256(value) + bytes([len(child) << 2]) + child
    assert trie_root({b"\x01": value, b"\x01\x23": b"\x07"}) == blake2_256(branch)
    # Same shape with a short value: branch-with-value header 0xC0 and an inline value.
    branch_v = bytes([0xC0 | 2, 0x01, 0x04, 0x00, 1 << 2, 0x09, len(child) << 2]) + child
    assert trie_root({b"\x01": b"\x09", b"\x01\x23": b"\x07"}) == blake2_256(branch_v)


def test_children_of_32_bytes_or_more_are_hashed() -> None:
    # A child leaf whose encoding is exactly 32 bytes must be referenced by hash, 31 bytes inline.
    value31 = b"x" * 28  # leaf: header + 1 partial byte (3 nibbles -> 2 bytes) ...
    leaf = encode_leaf("000", value31, hashed=False)
    assert len(leaf) == 1 + 2 + 1 + 28 == 32
    pairs = {b"\x10\x00": value31, b"\x20\x00": b"y"}
    leaf_hash = blake2_256(leaf)
    other = encode_leaf("000", b"y", hashed=False)
    expected = bytes([0x80, 0x06, 0x00, 0x80]) + leaf_hash + bytes([len(other) << 2]) + other
    assert trie_root(pairs) == blake2_256(expected)


@pytest.mark.parametrize(
    ("nibbles", "header"),
    [
        (0, b"\x40"),
        (62, b"\x7e"),
        (63, b"\x7f\x00"),
        (64, b"\x7f\x01"),
        (317, b"\x7f\xfe"),
        (318, b"\x7f\xff\x00"),
    ],
)
def test_long_partial_key_headers(nibbles: int, header: bytes) -> None:
    partial = "5" * nibbles
    enc = encode_leaf(partial, b"", hashed=False)
    assert enc.startswith(header)
    node = decode_node(enc)
    assert node is not None and node.partial == partial and node.value == b""


@pytest.mark.parametrize(
    ("nibbles", "header"), [(30, b"\x3e"), (31, b"\x3f\x00"), (32, b"\x3f\x01")]
)
def test_hashed_leaf_headers(nibbles: int, header: bytes) -> None:
    enc = encode_leaf("a" * nibbles, b"\x11" * 32, hashed=True)
    assert enc.startswith(header)
    node = decode_node(enc)
    assert node is not None and node.partial == "a" * nibbles


@pytest.mark.parametrize(("nibbles", "header"), [(14, b"\x1e"), (15, b"\x1f\x00"), (16, b"\x1f\x01")])
def test_hashed_branch_headers(nibbles: int, header: bytes) -> None:
    enc = encode_branch("b" * nibbles, b"\x22" * 32, True, [b"\x33" * 32] + [None] * 15)
    assert enc.startswith(header)
    node = decode_node(enc)
    assert node is not None and node.children is not None and node.children[0] == b"\x33" * 32


def test_decode_roundtrip_keeps_inline_children() -> None:
    enc = bytes([0x80, 0x03, 0x00, 20, 0x41, 0x00, 0x08, 0x68, 0x69, 20, 0x41, 0x00, 0x08, 0x68, 0x69])
    node = decode_node(enc)
    assert node is not None and node.children is not None
    child = node.children[0]
    assert isinstance(child, Node) and child.value == b"hi" and child.partial == "0"
    assert child.ref == bytes([0x41, 0x00, 0x08, 0x68, 0x69])


def test_empty_node_decodes_to_none() -> None:
    assert decode_node(b"\x00") is None


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"\x01", "escape header (compact proofs) is not a node"),
        (b"\x08", "unknown header"),
        (b"\x00\x00", "trailing after empty node"),
        (b"\x41\x10\x00", "non-zero padding nibble"),
        (b"\x42\xaa", "value length missing"),
        (b"\x42\xaa\x08\x01", "value shorter than its length"),
        (b"\x42\xaa\x04\x01\x02", "trailing bytes"),
        (b"\x80\x00\x00", "branch without children"),
        (b"\x80\x01\x00", "child missing"),
        (b"\x80\x01\x00\x84" + b"\x00" * 33, "child reference longer than a hash"),
        (b"\x80\x01\x00\x04\x00", "inline child is the empty node"),
        (b"\x80\x01\x00\x08\x42\xaa", "truncated inline child"),
        (b"\x42\xaa\x01\x00", "non-canonical compact length"),
        (b"\x22\xaa" + b"\x00" * 31, "truncated value hash"),
        (b"\x7f", "truncated long header"),
    ],
)
def test_malformed_nodes_are_rejected(data: bytes, reason: str) -> None:
    with pytest.raises(NodeDecodeError):
        decode_node(data)


@pytest.mark.parametrize(
    ("value", "encoded"),
    [(0, "00"), (1, "04"), (63, "fc"), (64, "0101"), (16383, "fdff"), (16384, "02000100"),
     (2**30 - 1, "feffffff"), (2**30, "0300000040"), (2**32 - 1, "03ffffffff")],
)
def test_compact_roundtrip(value: int, encoded: str) -> None:
    assert encode_compact(value).hex() == encoded
    assert decode_compact(bytes.fromhex(encoded), 0, canonical=True, max_bytes=4) == (value, len(encoded) // 2)


@pytest.mark.parametrize("encoded", ["0100", "02000000", "0300000000", "07ffffffffff"])
def test_non_canonical_or_oversized_compact_is_rejected(encoded: str) -> None:
    with pytest.raises(ValueError):
        decode_compact(bytes.fromhex(encoded), 0, canonical=True, max_bytes=4)
