"""The mutable, incrementally hashed Substrate trie used for the localnet state root."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from node.trie.codec import (
    HASH_LEN,
    HEX_NIBBLES,
    NIBBLE_INDEX,
    ChildSlot,
    HashedValue,
    Node,
    NodeDecodeError,
    decode_node,
    encode_branch,
    encode_leaf,
)
from node.trie.errors import MissingNodeError, TrieError
from node.trie.hashing import EMPTY_ROOT, blake2_256
from node.trie.iterate import iter_keys
from node.trie.proof import generate_proof
from node.trie.store import NodeStore

__all__ = ["CommitDelta", "Trie", "value_threshold"]


@dataclass(frozen=True)
class CommitDelta:
    """Store references one commit added and dropped, with multiplicity (for pruning).

    Attributes:
        inserted: hashes of the nodes and value nodes the commit wrote, once per reference.
        removed: hashes the previous root referenced and the new root no longer does (once per
            dropped reference); safe to release only when no kept root needs them.
    """

    inserted: list[bytes]
    removed: list[bytes]


def value_threshold(state_version: int) -> int | None:
    """Return the value-node threshold of a state version (None: values always inline)."""
    if state_version == 1:
        return 33
    if state_version == 0:
        return None
    raise ValueError(f"unknown state version {state_version}")


class Trie:
    """A base-16 Patricia-Merkle trie (Substrate LayoutV1 by default) over a :class:`NodeStore`.

    Nodes are loaded lazily from the store and kept in memory; each caches its reference (hash or
    inline encoding) so :meth:`commit` re-encodes only the nodes on paths changed since the last
    commit. Changes are invisible to the store and to :attr:`root` until committed. Not thread-safe:
    one owner (the chain, under its lock) drives it.

    Attributes:
        root: the root hash as of the last commit (or the root the trie was opened at).
    """

    def __init__(self, store: NodeStore, root: bytes = EMPTY_ROOT, *, state_version: int = 1) -> None:
        """Open the trie at ``root``.

        Raises:
            MissingNodeError: if the root node is not in the store.
        """
        self._store = store
        self._threshold = value_threshold(state_version)
        self.root = root
        self.last_delta = CommitDelta([], [])
        self._removed: list[bytes] = []
        self._previous_root: bytes | None = None
        self._root_stored_inline = False  # root encoding < 32 bytes: stored only under the root hash
        self._root: Node | None = None if root == EMPTY_ROOT else self._load_root(root)

    def _load_root(self, root: bytes) -> Node:
        node = self._load(root)
        self._root_stored_inline = node.ref is not None and len(node.ref) != HASH_LEN
        return node

    # -- loading -------------------------------------------------------------------------------

    def _load(self, node_hash: bytes) -> Node:
        data = self._store.get(node_hash)
        if data is None:
            raise MissingNodeError(node_hash)
        try:
            node = decode_node(data)
        except NodeDecodeError as exc:
            raise TrieError(f"corrupt trie node 0x{node_hash.hex()}: {exc}") from None
        if node is None:
            raise TrieError(f"empty node stored under non-empty hash 0x{node_hash.hex()}")
        # Only a root can be hashed while shorter than a hash; it must stay inline as a child.
        node.ref = node_hash if len(data) >= HASH_LEN else data
        return node

    @staticmethod
    def _hex_key(key: bytes) -> str:
        if not isinstance(key, bytes | bytearray):
            raise TypeError(f"trie keys are bytes, got {type(key).__name__}")
        return key.hex()

    def _dirty(self, node: Node) -> None:
        """Mark a node changed; a stored (hashed) old version is recorded as dereferenced."""
        ref = node.ref
        if ref is not None:
            if len(ref) == HASH_LEN:
                self._removed.append(ref)
            node.ref = None

    def _value(self, value: bytes | HashedValue) -> bytes:
        if isinstance(value, bytes):
            return value
        if value.data is None:
            data = self._store.get(value.hash)
            if data is None:
                raise MissingNodeError(value.hash, "value node")
            value.data = data
        return value.data

    # -- reads ---------------------------------------------------------------------------------

    def get(self, key: bytes) -> bytes | None:
        """Return the value stored under ``key`` (including uncommitted changes), or None."""
        k = self._hex_key(key)
        node = self._root
        if node is None:
            return None
        pos = 0
        while True:
            p = node.partial
            if not k.startswith(p, pos):
                return None
            pos += len(p)
            if pos == len(k):
                return None if node.value is None else self._value(node.value)
            children = node.children
            if children is None:
                return None
            idx = NIBBLE_INDEX[k[pos]]
            child = children[idx]
            if child is None:
                return None
            if isinstance(child, bytes):
                child = children[idx] = self._load(child)
            node = child
            pos += 1

    def keys_from(self, prefix: bytes = b"", start: bytes | None = None) -> Iterator[bytes]:
        """Yield keys starting with ``prefix`` in byte order, strictly after ``start`` if given.

        Sees uncommitted changes; do not modify the trie while iterating.
        """
        return iter_keys(self._root, self._load, prefix, start)

    # -- writes --------------------------------------------------------------------------------

    def set(self, key: bytes, value: bytes) -> None:
        """Insert or replace ``key``'s value (an empty value is a present, empty value)."""
        if type(value) is not bytes:
            if not isinstance(value, bytes | bytearray):
                raise TypeError(f"trie values are bytes, got {type(value).__name__}")
            value = bytes(value)
        k = self._hex_key(key)
        n = len(k)
        node = self._root
        if node is None:
            self._root = Node(k, value, None)
            return
        path: list[Node] = []
        parent: list[ChildSlot] | None = None
        parent_idx = 0
        pos = 0
        while True:
            p = node.partial
            if k.startswith(p, pos):
                pos += len(p)
                if pos == n:
                    old = node.value
                    if old == value or (isinstance(old, HashedValue) and old.data == value):
                        return
                    if isinstance(old, HashedValue):
                        self._removed.append(old.hash)
                    node.value = value
                    path.append(node)
                    break
                children = node.children
                if children is None:
                    children = node.children = [None] * 16
                path.append(node)
                idx = NIBBLE_INDEX[k[pos]]
                child = children[idx]
                if child is None:
                    children[idx] = Node(k[pos + 1 :], value, None)
                    break
                if isinstance(child, bytes):
                    child = children[idx] = self._load(child)
                parent, parent_idx = children, idx
                node = child
                pos += 1
                continue
            # The key leaves this node's partial: split it under a new branch.
            c = _common_prefix_len(p, k, pos)
            branch = Node(p[:c], None, [None] * 16)
            assert branch.children is not None
            node.partial = p[c + 1 :]
            self._dirty(node)
            branch.children[NIBBLE_INDEX[p[c]]] = node
            if pos + c == n:
                branch.value = value
            else:
                branch.children[NIBBLE_INDEX[k[pos + c]]] = Node(k[pos + c + 1 :], value, None)
            if parent is None:
                self._root = branch
            else:
                parent[parent_idx] = branch
            break
        for dirty in path:
            self._dirty(dirty)

    def delete(self, key: bytes) -> None:
        """Remove ``key`` if present, restoring the canonical shape of the trie."""
        k = self._hex_key(key)
        node = self._root
        if node is None:
            return
        n = len(k)
        path: list[tuple[Node, int]] = []  # ancestors and the child index taken from each
        pos = 0
        while True:
            p = node.partial
            if not k.startswith(p, pos):
                return
            pos += len(p)
            if pos == n:
                break
            children = node.children
            if children is None:
                return
            idx = NIBBLE_INDEX[k[pos]]
            child = children[idx]
            if child is None:
                return
            if isinstance(child, bytes):
                child = children[idx] = self._load(child)
            path.append((node, idx))
            node = child
            pos += 1
        if node.value is None:
            return
        if isinstance(node.value, HashedValue):
            self._removed.append(node.value.hash)
        node.value = None
        replacement = self._normalize(node)
        # Walk back up: attach the replacement, re-normalize ancestors that lost a child.
        while path:
            parent, idx = path.pop()
            assert parent.children is not None
            parent.children[idx] = replacement
            self._dirty(parent)
            if replacement is not None:
                for ancestor, _ in path:
                    self._dirty(ancestor)
                return
            replacement = self._normalize(parent)
            if replacement is parent:
                for ancestor, _ in path:
                    self._dirty(ancestor)
                return
        self._root = replacement

    def _normalize(self, node: Node) -> Node | None:
        """Return the canonical form of a node whose value or children just changed."""
        self._dirty(node)
        children = node.children
        if children is None:
            return None if node.value is None else node
        only = -1
        count = 0
        for i, child in enumerate(children):
            if child is not None:
                count += 1
                only = i
                if count > 1:
                    return node
        if count == 0:
            if node.value is None:
                return None
            node.children = None
            return node
        if node.value is not None:
            return node
        child = children[only]
        if isinstance(child, bytes):
            child = self._load(child)
        assert child is not None
        child.partial = node.partial + HEX_NIBBLES[only] + child.partial
        self._dirty(child)
        return child

    def rollback(self, to_root: bytes | None = None) -> None:
        """Drop uncommitted changes (and the node cache), reopening at ``to_root`` or :attr:`root`.

        Pass ``to_root`` (e.g. the parent block's state root) to undo a commit whose store writes
        were rolled back. Without it, a root that is gone from the store (its transaction was rolled
        back) makes the trie return to the root before the last commit; a rolled-back commit whose
        root happens to be stored already (an identical earlier state) cannot be told apart.
        """
        if to_root is not None:
            self.reset(to_root)
            return
        try:
            self.reset(self.root)
        except MissingNodeError:
            previous = self._previous_root
            if previous is None:
                raise
            self.reset(previous)

    def reset(self, root: bytes) -> None:
        """Reopen at ``root`` (any root in the store), dropping uncommitted changes.

        Raises:
            MissingNodeError: if the root node is not in the store.
        """
        node = None if root == EMPTY_ROOT else self._load_root(root)
        if node is None:
            self._root_stored_inline = False
        self._root = node
        self.root = root
        self._previous_root = None
        self._removed = []

    def unload(self, keep_depth: int = 3) -> int:
        """Forget clean subtrees below ``keep_depth`` branch levels to bound memory; return how many.

        They are reloaded from the store when next needed; uncommitted changes are kept.
        """
        root = self._root
        if root is None:
            return 0
        dropped = 0
        stack: list[tuple[Node, int]] = [(root, 0)]
        while stack:
            node, depth = stack.pop()
            children = node.children
            if children is None:
                continue
            for i, child in enumerate(children):
                if not isinstance(child, Node):
                    continue
                ref = child.ref
                if depth + 1 >= keep_depth and ref is not None and len(ref) == HASH_LEN:
                    children[i] = ref
                    dropped += 1
                else:
                    stack.append((child, depth + 1))
        return dropped

    # -- commit --------------------------------------------------------------------------------

    def commit(self) -> bytes:
        """Hash the changed nodes, write them (and new value nodes) to the store, return the root.

        Only nodes on paths touched since the previous commit are re-encoded. What the commit
        added and dereferenced is left in :attr:`last_delta` for reference-counted pruning.
        """
        root = self._root
        inserted: list[bytes] = []
        new_nodes: dict[bytes, bytes] = {}
        stored_inline = False
        if root is None:
            root_hash = EMPTY_ROOT
        else:
            ref = root.ref or self._commit_node(root, new_nodes, inserted)
            if len(ref) == HASH_LEN:
                root_hash = ref
            else:  # a root shorter than a hash is still stored, under its hash
                root_hash = blake2_256(ref)
                stored_inline = True
                if root_hash != self.root:
                    new_nodes[root_hash] = ref
                    inserted.append(root_hash)
        removed = self._removed
        if root_hash != self.root and self._root_stored_inline:
            removed.append(self.root)
        if new_nodes:
            self._store.put_many(new_nodes)
        self._previous_root = self.root
        self.root = root_hash
        self.last_delta = CommitDelta(inserted, removed)
        self._removed = []
        self._root_stored_inline = stored_inline
        return root_hash

    def _commit_node(self, node: Node, out: dict[bytes, bytes], inserted: list[bytes]) -> bytes:
        value = node.value
        hashed = False
        if isinstance(value, HashedValue):
            value_part: bytes | None = value.hash
            hashed = True
        elif value is not None and self._threshold is not None and len(value) >= self._threshold:
            value_hash = blake2_256(value)
            out[value_hash] = value
            inserted.append(value_hash)
            node.value = HashedValue(value_hash, value)
            value_part = value_hash
            hashed = True
        else:
            value_part = value
        children = node.children
        if children is None:
            assert value_part is not None
            enc = encode_leaf(node.partial, value_part, hashed)
        else:
            refs: list[bytes | None] = []
            for child in children:
                if child is None or isinstance(child, bytes):
                    refs.append(child)
                else:
                    # Clean children answer from their cached ref without a call.
                    refs.append(child.ref or self._commit_node(child, out, inserted))
            enc = encode_branch(node.partial, value_part, hashed, refs)
        if len(enc) >= HASH_LEN:
            node_hash = blake2_256(enc)
            out[node_hash] = enc
            inserted.append(node_hash)
            node.ref = node_hash
            return node_hash
        node.ref = enc
        return enc

    # -- proofs --------------------------------------------------------------------------------

    def prove(self, keys: Iterable[bytes], root: bytes | None = None) -> list[bytes]:
        """Return the encoded nodes (and value nodes) proving each key's value or absence.

        Args:
            keys: storage keys to prove.
            root: any root whose nodes are in the store; defaults to the last committed root.

        Raises:
            MissingNodeError: if the store lacks a node on one of the paths.
        """
        return generate_proof(self._store, self.root if root is None else root, keys)


def _common_prefix_len(p: str, k: str, pos: int) -> int:
    """Length of the common prefix of ``p`` and ``k[pos:]`` (known to be shorter than ``p``)."""
    c = 0
    limit = min(len(p), len(k) - pos)
    while c < limit and p[c] == k[pos + c]:
        c += 1
    return c
