"""Property tests: the incremental trie always equals the from-scratch root, in any operation order."""

from __future__ import annotations

import sqlite3
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from node.trie import EMPTY_ROOT, MemoryNodeStore, SqliteNodeStore, Trie, trie_root, verify_read_proof
from node.trie.codec import HashedValue, Node, decode_node

# Few distinct bytes so keys share prefixes and are prefixes of each other.
keys = st.binary(max_size=4).map(lambda b: bytes(x % 3 * 0x11 for x in b))
values = st.one_of(st.binary(max_size=3), st.binary(min_size=30, max_size=40))
ops = st.lists(st.tuples(keys, st.one_of(st.none(), values)), max_size=60)


@settings(max_examples=150, deadline=None)
@given(ops=ops, commit_every=st.integers(min_value=1, max_value=10))
def test_incremental_root_matches_from_scratch(ops: list[tuple[bytes, bytes | None]], commit_every: int) -> None:
    store = MemoryNodeStore()
    trie = Trie(store)
    model: dict[bytes, bytes] = {}
    for n, (key, value) in enumerate(ops, 1):
        if value is None:
            trie.delete(key)
            model.pop(key, None)
        else:
            trie.set(key, value)
            model[key] = value
        if n % commit_every == 0:
            assert trie.commit() == trie_root(model)
            reopened = Trie(store, trie.root)
            assert all(reopened.get(k) == v for k, v in model.items())
    assert trie.commit() == trie_root(model)
    assert all(trie.get(k) == v for k, v in model.items())


@settings(max_examples=100, deadline=None)
@given(pairs=st.dictionaries(keys, values, max_size=25), data=st.data())
def test_root_is_independent_of_insertion_order(pairs: dict[bytes, bytes], data: st.DataObject) -> None:
    order = data.draw(st.permutations(list(pairs)))
    extra = data.draw(st.dictionaries(keys, values, max_size=8))
    trie = Trie(MemoryNodeStore())
    for key in order:
        trie.set(key, pairs[key])
    for key, value in extra.items():  # insert then remove keys that are not in the final set
        if key not in pairs:
            trie.set(key, value)
    trie.commit()
    for key in extra:
        if key not in pairs:
            trie.delete(key)
    assert trie.commit() == trie_root(pairs)


@settings(max_examples=100, deadline=None)
@given(pairs=st.dictionaries(keys, values, max_size=25), probe=st.lists(keys, max_size=8))
def test_every_proof_verifies(pairs: dict[bytes, bytes], probe: list[bytes]) -> None:
    trie = Trie(MemoryNodeStore())
    for key, value in pairs.items():
        trie.set(key, value)
    root = trie.commit()
    wanted = list(pairs)[:8] + probe
    proof = trie.prove(wanted)
    assert verify_read_proof(root, proof, wanted) == {k: pairs.get(k) for k in wanted}


@settings(max_examples=100, deadline=None)
@given(pairs=st.dictionaries(keys, values, max_size=25), prefix=keys, start=st.one_of(st.none(), keys))
def test_keys_from_matches_sorted_keys(pairs: dict[bytes, bytes], prefix: bytes, start: bytes | None) -> None:
    store = MemoryNodeStore()
    trie = Trie(store)
    for key, value in pairs.items():
        trie.set(key, value)
    root = trie.commit()
    expected = [k for k in sorted(pairs) if k.startswith(prefix) and (start is None or k > start)]
    assert list(Trie(store, root).keys_from(prefix, start)) == expected


def _reference_counts(store: MemoryNodeStore, root: bytes) -> Counter[bytes]:
    """Count every stored node / value node occurrence reachable from ``root`` (tree walk)."""
    counts: Counter[bytes] = Counter()
    if root == EMPTY_ROOT:
        return counts

    def walk(node: Node) -> None:
        if isinstance(node.value, HashedValue):
            counts[node.value.hash] += 1
        for child in node.children or []:
            if isinstance(child, bytes):
                counts[child] += 1
                walk(_decode(store, child))
            elif child is not None:
                walk(child)

    counts[root] += 1
    walk(_decode(store, root))
    return counts


def _decode(store: MemoryNodeStore, node_hash: bytes) -> Node:
    data = store.get(node_hash)
    assert data is not None
    node = decode_node(data)
    assert node is not None
    return node


@settings(max_examples=150, deadline=None)
@given(ops=ops, commit_every=st.integers(min_value=1, max_value=6), reopen=st.booleans())
def test_commit_deltas_are_exact_reference_counts(
    ops: list[tuple[bytes, bytes | None]], commit_every: int, reopen: bool
) -> None:
    """Applying every delta leaves exactly the references of the latest root (pruning is exact)."""
    store = MemoryNodeStore()
    trie = Trie(store)
    refs: Counter[bytes] = Counter()
    for n, (key, value) in enumerate(ops, 1):
        if value is None:
            trie.delete(key)
        else:
            trie.set(key, value)
        if n % commit_every == 0 or n == len(ops):
            trie.commit()
            refs.update(trie.last_delta.inserted)
            refs.subtract(trie.last_delta.removed)
            assert all(c >= 0 for c in refs.values())
            assert +refs == _reference_counts(store, trie.root)
            if reopen:  # a fresh Trie object (e.g. after a restart) continues the accounting
                trie = Trie(store, trie.root)


@settings(max_examples=60, deadline=None)
@given(ops=ops)
def test_state_version_0_trie_matches_from_scratch(ops: list[tuple[bytes, bytes | None]]) -> None:
    trie = Trie(MemoryNodeStore(), state_version=0)
    model: dict[bytes, bytes] = {}
    for key, value in ops:
        if value is None:
            trie.delete(key)
            model.pop(key, None)
        else:
            trie.set(key, value)
            model[key] = value
    assert trie.commit() == trie_root(model, state_version=0)
    proof = trie.prove(list(model))
    assert not any(v in proof for v in model.values() if len(v) >= 33)  # values stay inline in V0
    assert verify_read_proof(trie.root, proof, list(model)) == model


@settings(max_examples=40, deadline=None)
@given(
    blocks=st.lists(st.tuples(st.lists(st.tuples(keys, st.one_of(st.none(), values)), max_size=6), st.booleans()),
                    max_size=12)
)
def test_sqlite_store_survives_rolled_back_blocks(blocks: list[tuple[list[tuple[bytes, bytes | None]], bool]]) -> None:
    """Blocks whose transaction fails leave no trace; later blocks and reopened stores stay exact."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    store = SqliteNodeStore(conn)
    trie = Trie(store)
    model: dict[bytes, bytes] = {}
    for changes, fails in blocks:
        pending = dict(model)
        parent_root = trie.root
        conn.execute("BEGIN")
        for key, value in changes:
            if value is None:
                trie.delete(key)
                pending.pop(key, None)
            else:
                trie.set(key, value)
                pending[key] = value
        trie.commit()
        if fails:
            conn.execute("ROLLBACK")
            trie.rollback(parent_root)
        else:
            conn.execute("COMMIT")
            model = pending
        assert trie.root == trie_root(model)
        assert all(trie.get(k) == v for k, v in model.items())
    reopened = Trie(SqliteNodeStore(conn), trie.root)
    assert all(reopened.get(k) == v for k, v in model.items())
    conn.close()
