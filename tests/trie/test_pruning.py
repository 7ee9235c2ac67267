"""Reference-counted pruning of old states in SQLite: kept states stay whole, nothing else is left."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from node.trie import (
    EMPTY_ROOT,
    MemoryNodeStore,
    MissingNodeError,
    SqliteNodePruner,
    SqliteNodeStore,
    Trie,
    blake2_256,
)
from node.trie.codec import HashedValue, Node, decode_node


def _reachable(store: SqliteNodeStore, root: bytes) -> set[bytes]:
    seen: set[bytes] = set()
    if root == EMPTY_ROOT:
        return seen

    def walk(node: Node) -> None:
        if isinstance(node.value, HashedValue):
            seen.add(node.value.hash)
        for child in node.children or []:
            if isinstance(child, bytes):
                seen.add(child)
                walk(_decode(store, child))
            elif child is not None:
                walk(child)

    seen.add(root)
    walk(_decode(store, root))
    return seen


def _decode(store: SqliteNodeStore, node_hash: bytes) -> Node:
    data = store.get(node_hash)
    assert data is not None, "a kept state lost a node"
    node = decode_node(data)
    assert node is not None
    return node


def _table(conn: sqlite3.Connection) -> set[bytes]:
    return {bytes(r[0]) for r in conn.execute("SELECT hash FROM trie_nodes")}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pruning_keeps_exactly_the_window(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    conn = sqlite3.connect(tmp_path / "chain.sqlite")
    store = SqliteNodeStore(conn)
    pruner = SqliteNodePruner(conn, store)
    trie = Trie(store)
    keys = [bytes([rng.randrange(4), rng.randrange(4)]) * rng.randrange(1, 3) for _ in range(40)]
    # Few distinct values, many of them long: shared value nodes must be counted, not deduplicated.
    values = [b"", b"\x01", b"x" * 40, b"y" * 40, b"z" * 64]
    model: dict[bytes, bytes] = {}
    roots: list[bytes] = []
    states: list[dict[bytes, bytes]] = []
    for block in range(80):
        with conn:
            for _ in range(rng.randrange(1, 6)):
                key = rng.choice(keys)
                if rng.random() < 0.3:
                    trie.delete(key)
                    model.pop(key, None)
                else:
                    value = rng.choice(values)
                    trie.set(key, value)
                    model[key] = value
            trie.commit()
            pruner.record(block, trie.last_delta)
        roots.append(trie.root)
        states.append(dict(model))

    for keep_from in (10, 50, 79):
        with conn:
            pruner.prune(keep_from)
        expected: set[bytes] = set()
        for block in range(keep_from, 80):
            expected |= _reachable(store, roots[block])
            old = Trie(store, roots[block])
            assert {k: old.get(k) for k in keys} == {k: states[block].get(k) for k in keys}
        assert _table(conn) == expected
    conn.close()


def test_pruned_state_is_reported_missing(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "c.sqlite")
    store = SqliteNodeStore(conn)
    pruner = SqliteNodePruner(conn, store)
    trie = Trie(store)
    roots = []
    for block in range(3):
        with conn:
            trie.set(b"balance", str(block).encode() * 20)
            trie.set(b"other", b"o" * 40)
            roots.append(trie.commit())
            pruner.record(block, trie.last_delta)
    with conn:
        deleted = pruner.prune(2)
    assert deleted == 2  # the two old roots (leaf-sized branches hold the changed value inline)
    with pytest.raises(MissingNodeError):
        Trie(store, roots[0])
    assert Trie(store, roots[2]).get(b"other") == b"o" * 40


def test_nodes_written_before_the_pruner_are_never_deleted(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "c.sqlite")
    store = SqliteNodeStore(conn)
    trie = Trie(store)
    with conn:
        trie.set(b"k", b"v" * 50)
        legacy_root = trie.commit()
    pruner = SqliteNodePruner(conn, store)
    with conn:
        trie.set(b"k", b"w" * 50)
        trie.commit()
        pruner.record(1, trie.last_delta)
        pruner.prune(1)
    assert Trie(store, legacy_root).get(b"k") == b"v" * 50


def test_commits_made_without_the_pruner_freeze_all_counts(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    shared = b"same account info " * 3  # identical values share one value node
    conn = sqlite3.connect(db)
    store = SqliteNodeStore(conn)
    pruner = SqliteNodePruner(conn, store)
    trie = Trie(store)
    with conn:
        trie.set(b"alice", shared)
        trie.commit()
        pruner.record(1, trie.last_delta)
    conn.close()
    # A session without pruning adds a second reference to the same value node.
    conn = sqlite3.connect(db)
    store = SqliteNodeStore(conn)
    trie = Trie(store, trie.root)
    with conn:
        trie.set(b"bob", shared)
        trie.commit()
    conn.close()
    # Pruning resumes: alice's reference is dropped, bob's (never counted) must survive.
    conn = sqlite3.connect(db)
    store = SqliteNodeStore(conn)
    pruner = SqliteNodePruner(conn, store)
    trie = Trie(store, trie.root)
    with conn:
        trie.delete(b"alice")
        trie.commit()
        pruner.record(3, trie.last_delta)
        pruner.prune(3)
    assert Trie(store, trie.root).get(b"bob") == shared
    reopened = SqliteNodeStore(conn)  # a fresh index sees the same rows
    assert Trie(reopened, trie.root).get(b"bob") == shared
    conn.close()


def test_hash_keyed_table_from_the_first_layout_is_migrated(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "old.sqlite")
    memory = MemoryNodeStore()
    trie = Trie(memory)
    trie.set(b"k", b"v" * 40)
    root = trie.commit()
    with conn:
        conn.execute("CREATE TABLE trie_nodes (hash BLOB PRIMARY KEY, node BLOB NOT NULL) WITHOUT ROWID")
        conn.executemany(
            "INSERT INTO trie_nodes VALUES (?, ?)",
            [(root, memory.get(root)), (blake2_256(b"v" * 40), b"v" * 40)],
        )
    store = SqliteNodeStore(conn)
    assert Trie(store, root).get(b"k") == b"v" * 40
    conn.close()

