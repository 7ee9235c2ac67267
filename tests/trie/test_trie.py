"""The mutable trie: reads, writes, canonical deletes, incremental commits, stores, history."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from node.trie import (
    EMPTY_ROOT,
    MemoryNodeStore,
    MissingNodeError,
    SqliteNodeStore,
    Trie,
    blake2_256,
    trie_root,
)


def _filled(store: MemoryNodeStore | SqliteNodeStore, pairs: dict[bytes, bytes]) -> Trie:
    trie = Trie(store)
    for key, value in pairs.items():
        trie.set(key, value)
    trie.commit()
    return trie


def test_get_set_delete_and_uncommitted_reads() -> None:
    store = MemoryNodeStore()
    trie = Trie(store)
    trie.set(b"alice", b"1")
    trie.set(b"alicia", b"2")
    trie.set(b"al", b"")  # empty values are present values
    assert trie.get(b"alice") == b"1"
    assert trie.get(b"al") == b""
    assert trie.get(b"ali") is None
    assert trie.get(b"alicex") is None
    assert trie.root == EMPTY_ROOT  # nothing committed yet
    assert len(store) == 0
    root = trie.commit()
    assert root == trie.root == trie_root({b"alice": b"1", b"alicia": b"2", b"al": b""})
    trie.delete(b"alice")
    trie.delete(b"missing")
    assert trie.get(b"alice") is None
    assert trie.commit() == trie_root({b"alicia": b"2", b"al": b""})


def test_delete_collapses_branch_into_single_child() -> None:
    pairs = {b"\x12\x34": b"a", b"\x12\x35": b"b", b"\x12": b"c"}
    trie = _filled(MemoryNodeStore(), pairs)
    trie.delete(b"\x12")  # branch 0x12 loses its value -> still two children
    trie.delete(b"\x12\x35")  # now one child, no value -> merges into a leaf with partial "1234"
    root = trie.commit()
    assert root == trie_root({b"\x12\x34": b"a"}) == blake2_256(bytes([0x44, 0x12, 0x34, 0x04, 0x61]))


def test_delete_everything_returns_to_empty_root() -> None:
    pairs = {bytes([i, j]): bytes([i ^ j]) * (i + j) for i in range(5) for j in range(5)}
    store = MemoryNodeStore()
    trie = _filled(store, pairs)
    for key in pairs:
        trie.delete(key)
    assert trie.commit() == EMPTY_ROOT


def test_commit_is_incremental() -> None:
    store = MemoryNodeStore()
    pairs = {blake2_256(i.to_bytes(4, "little")): i.to_bytes(4, "little") * 20 for i in range(2000)}
    trie = _filled(store, pairs)
    before = len(store)
    key = next(iter(pairs))
    trie.set(key, b"changed")
    root = trie.commit()
    written = len(store) - before
    # One path of a 2000-key trie: root, ~2-3 branches and the leaf (value now inline).
    assert 2 <= written <= 5
    assert root == trie_root({**pairs, key: b"changed"})
    # Committing again without changes writes nothing and keeps the root.
    assert trie.commit() == root and len(store) - before == written
    # Re-setting the same value does not dirty anything.
    trie.set(key, b"changed")
    assert trie.commit() == root and len(store) - before == written


def test_open_at_historical_roots() -> None:
    store = MemoryNodeStore()
    trie = Trie(store)
    roots = []
    states = []
    state: dict[bytes, bytes] = {}
    for block in range(20):
        for i in range(5):
            key = f"acct{(block * 7 + i) % 30}".encode()
            state[key] = f"balance{block}-{i}".encode() * (1 + i * 3)
        if block % 3 == 0:
            victim = f"acct{block % 30}".encode()
            state.pop(victim, None)
            trie.delete(victim)
        for key, value in state.items():
            trie.set(key, value)
        roots.append(trie.commit())
        states.append(dict(state))
    for root, expected in zip(roots, states, strict=True):
        old = Trie(store, root)
        for i in range(30):
            key = f"acct{i}".encode()
            assert old.get(key) == expected.get(key)
        assert old.commit() == root


def test_tiny_root_shorter_than_a_hash_reopens() -> None:
    store = MemoryNodeStore()
    trie = Trie(store)
    trie.set(b"\x01", b"\x02")
    root = trie.commit()
    assert store.get(root) == bytes([0x42, 0x01, 0x04, 0x02])
    reopened = Trie(store, root)
    assert reopened.get(b"\x01") == b"\x02"
    # The tiny root becomes an inline child once the trie grows.
    reopened.set(b"\x01\x05", b"\x03")
    assert reopened.commit() == trie_root({b"\x01": b"\x02", b"\x01\x05": b"\x03"})


def test_unknown_root_is_a_clear_error() -> None:
    with pytest.raises(MissingNodeError, match="not in the store"):
        Trie(MemoryNodeStore(), b"\x11" * 32)


def test_sqlite_store_persists_across_connections(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite"
    pairs = {f"key{i}".encode(): f"value{i}".encode() * (i % 7) for i in range(300)}
    conn = sqlite3.connect(db)
    with conn:  # the caller owns the transaction
        trie = _filled(SqliteNodeStore(conn), pairs)
    root = trie.root
    conn.close()
    conn = sqlite3.connect(db)
    store = SqliteNodeStore(conn)
    reopened = Trie(store, root)
    assert all(reopened.get(k) == v for k, v in pairs.items())
    with conn:
        reopened.set(b"key1", b"new")
        new_root = reopened.commit()
    assert new_root == trie_root({**pairs, b"key1": b"new"})
    assert Trie(store, root).get(b"key1") == pairs[b"key1"]  # old state still readable
    conn.close()


def test_sqlite_store_rolled_back_commit_leaves_no_nodes(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "s.sqlite")
    store = SqliteNodeStore(conn, table="nodes_v1")
    trie = Trie(store)
    trie.set(b"k" * 40, b"v" * 40)
    try:
        with conn:
            root = trie.commit()
            raise RuntimeError("block import failed")
    except RuntimeError:
        pass
    assert store.get(root) is None
    conn.close()


def test_sqlite_store_rejects_bad_table_name() -> None:
    with pytest.raises(ValueError, match="invalid table name"):
        SqliteNodeStore(sqlite3.connect(":memory:"), table="x; DROP TABLE y")


def test_missing_value_node_is_reported() -> None:
    store = MemoryNodeStore()
    trie = _filled(store, {b"k": b"v" * 50})
    partial = MemoryNodeStore()
    partial.put_many({trie.root: store.get(trie.root) or b""})
    with pytest.raises(MissingNodeError, match="value node"):
        Trie(partial, trie.root).get(b"k")


def test_keys_from_prefix_and_start() -> None:
    pairs = {k: b"v" for k in [b"", b"a", b"ab", b"abc", b"abd", b"ac", b"b", b"ba", b"\x00", b"\xff\xff"]}
    trie = _filled(MemoryNodeStore(), pairs)
    ordered = sorted(pairs)
    assert list(trie.keys_from()) == ordered
    assert list(trie.keys_from(b"ab")) == [b"ab", b"abc", b"abd"]
    assert list(trie.keys_from(b"ab", start=b"ab")) == [b"abc", b"abd"]
    assert list(trie.keys_from(b"a", start=b"abc")) == [b"abd", b"ac"]
    assert list(trie.keys_from(b"a", start=b"0")) == [b"a", b"ab", b"abc", b"abd", b"ac"]  # start < prefix
    assert list(trie.keys_from(b"a", start=b"z")) == []
    assert list(trie.keys_from(b"", start=b"abz")) == [b"ac", b"b", b"ba", b"\xff\xff"]
    assert list(trie.keys_from(b"zz")) == []
    assert list(Trie(MemoryNodeStore()).keys_from()) == []


def test_keys_from_matches_sorted_model_on_reopened_trie() -> None:
    store = MemoryNodeStore()
    pairs = {blake2_256(i.to_bytes(2, "little"))[: 1 + i % 5]: b"x" for i in range(400)}
    trie = _filled(store, pairs)
    reopened = Trie(store, trie.root)  # children are loaded lazily during the walk
    ordered = sorted(pairs)
    for prefix in [b"", ordered[10][:1], ordered[50][:2]]:
        for start in [None, ordered[0], ordered[77], ordered[200][:1], ordered[-1]]:
            expected = [k for k in ordered if k.startswith(prefix) and (start is None or k > start)]
            assert list(reopened.keys_from(prefix, start)) == expected


def test_rollback_discards_uncommitted_changes() -> None:
    trie = _filled(MemoryNodeStore(), {b"a": b"1", b"b": b"2"})
    root = trie.root
    trie.set(b"a", b"changed")
    trie.delete(b"b")
    trie.rollback()
    assert trie.get(b"a") == b"1" and trie.get(b"b") == b"2"
    assert trie.commit() == root


def test_unload_forgets_clean_subtrees_but_keeps_changes() -> None:
    store = MemoryNodeStore()
    pairs = {blake2_256(i.to_bytes(4, "little")): b"v" * (i % 50) for i in range(500)}
    trie = _filled(store, pairs)
    key = next(iter(pairs))
    trie.set(key, b"pending")  # uncommitted: its path must survive
    assert trie.unload(keep_depth=1) > 0
    assert trie.get(key) == b"pending"
    assert all(trie.get(k) == v for k, v in pairs.items() if k != key)
    assert trie.commit() == trie_root({**pairs, key: b"pending"})
    assert trie.unload(keep_depth=0) >= 1
    assert trie.commit() == trie_root({**pairs, key: b"pending"})


def test_rollback_after_the_store_transaction_of_a_commit_was_rolled_back(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "s.sqlite")
    store = SqliteNodeStore(conn)
    trie = Trie(store)
    with conn:
        trie.set(b"balance", b"100" * 20)
        first = trie.commit()
    try:
        with conn:
            trie.set(b"balance", b"50" * 20)
            trie.commit()  # written inside the transaction that fails below
            raise RuntimeError("block import failed after the trie commit")
    except RuntimeError:
        pass
    trie.rollback()  # the new root's nodes are gone: back to the last durable root
    assert trie.root == first
    assert trie.get(b"balance") == b"100" * 20
    with conn:
        trie.set(b"balance", b"75" * 20)
        assert trie.commit() == trie_root({b"balance": b"75" * 20})
    conn.close()


def test_reset_to_any_stored_root() -> None:
    store = MemoryNodeStore()
    trie = _filled(store, {b"a": b"1"})
    old = trie.root
    trie.set(b"b", b"2")
    trie.commit()
    trie.reset(old)
    assert trie.root == old and trie.get(b"b") is None
    with pytest.raises(MissingNodeError):
        trie.reset(b"\x42" * 32)


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.set("key", b"v"),
        lambda t: t.set(b"key", "v"),
        lambda t: t.get("key"),
        lambda t: t.delete(0x01),
    ],
)
def test_non_bytes_keys_and_values_are_rejected(call: Callable[[Trie], object]) -> None:
    trie = Trie(MemoryNodeStore())
    with pytest.raises(TypeError, match="bytes"):
        call(trie)
