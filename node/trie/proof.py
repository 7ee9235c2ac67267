"""Read proofs: the node set ``state_getReadProof`` returns, and its verification.

A read proof is an unordered set of encoded trie nodes (plus raw value nodes for hashed values).
Checking it means rebuilding a hash -> node map from the proof and looking every key up from the
trusted root, exactly like sp-trie's ``read_proof_check``: a node missing from the map (which is
also what a tampered node looks like, since nodes are addressed by their hash) or a malformed node
makes the proof invalid. Extra, unused nodes are tolerated, as Substrate does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from node.trie.codec import HASH_LEN, NIBBLE_INDEX, HashedValue, Node, NodeDecodeError, decode_node
from node.trie.errors import InvalidProofError, MissingNodeError, TrieError
from node.trie.hashing import EMPTY_ROOT, blake2_256
from node.trie.store import NodeStore

__all__ = ["generate_proof", "lookup", "verify_read_proof"]

Fetch = Callable[[bytes, str], bytes]


def lookup(fetch: Fetch, root: bytes, key: bytes, cache: dict[bytes, Node | None]) -> bytes | None:
    """Look ``key`` up from ``root`` through ``fetch(hash, what)``, which returns bytes or raises.

    Args:
        fetch: returns the encoded node / value node for a hash; raises if it has none.
        root: root hash.
        key: storage key.
        cache: decoded nodes by hash, shared across lookups of one proof.

    Returns:
        The value, or None if the key is absent.

    Raises:
        NodeDecodeError: if a fetched node is malformed.
    """
    node = _fetch_node(fetch, root, cache)
    k = key.hex()
    pos = 0
    while node is not None:
        p = node.partial
        if not k.startswith(p, pos):
            return None
        pos += len(p)
        if pos == len(k):
            value = node.value
            if isinstance(value, HashedValue):
                return fetch(value.hash, "value node")
            return value
        children = node.children
        if children is None:
            return None
        child = children[NIBBLE_INDEX[k[pos]]]
        pos += 1
        if isinstance(child, bytes):
            node = _fetch_node(fetch, child, cache)
            if node is None:
                raise NodeDecodeError("empty node used as a child")
        else:
            node = child
    return None


def _fetch_node(fetch: Fetch, node_hash: bytes, cache: dict[bytes, Node | None]) -> Node | None:
    if node_hash in cache:
        return cache[node_hash]
    node = decode_node(fetch(node_hash, "node"))
    cache[node_hash] = node
    return node


def generate_proof(store: NodeStore, root: bytes, keys: Iterable[bytes]) -> list[bytes]:
    """Collect the nodes a verifier needs to look up each of ``keys`` under ``root``.

    Raises:
        MissingNodeError: if the store lacks a node on one of the paths.
        TrieError: if a stored node is corrupt.
    """
    recorded: dict[bytes, bytes] = {}

    def fetch(node_hash: bytes, what: str) -> bytes:
        data = recorded.get(node_hash)
        if data is None:
            data = store.get(node_hash)
            if data is None:
                if node_hash == EMPTY_ROOT:
                    return b"\x00"
                raise MissingNodeError(node_hash, what)
            recorded[node_hash] = data
        return data

    cache: dict[bytes, Node | None] = {}
    for key in keys:
        try:
            lookup(fetch, root, key, cache)
        except NodeDecodeError as exc:
            raise TrieError(f"corrupt trie node while proving 0x{key.hex()}: {exc}") from None
    return list(recorded.values())


def verify_read_proof(root: bytes, proof: Iterable[bytes], keys: Iterable[bytes]) -> dict[bytes, bytes | None]:
    """Check a read proof and return each key's proven value (None = proven absent).

    Args:
        root: the trusted state root (e.g. from a verified header).
        proof: encoded nodes as returned by ``state_getReadProof`` (any order, duplicates allowed).
        keys: the storage keys to read from the proof.

    Raises:
        InvalidProofError: if a needed node is missing or altered, a node is malformed, or the
            inputs are not bytes.
    """
    if not isinstance(root, bytes | bytearray) or len(root) != HASH_LEN:
        raise InvalidProofError("state root must be 32 bytes")
    root = bytes(root)
    nodes: dict[bytes, bytes] = {EMPTY_ROOT: b"\x00"}
    for item in proof:
        if not isinstance(item, bytes | bytearray):
            raise InvalidProofError(f"proof items must be bytes, got {type(item).__name__}")
        item = bytes(item)
        nodes[blake2_256(item)] = item

    def fetch(node_hash: bytes, what: str) -> bytes:
        data = nodes.get(node_hash)
        if data is None:
            raise InvalidProofError(f"proof lacks {what} 0x{node_hash.hex()} (missing or altered)")
        return data

    cache: dict[bytes, Node | None] = {}
    result: dict[bytes, bytes | None] = {}
    for key in keys:
        if not isinstance(key, bytes | bytearray):
            raise InvalidProofError(f"keys must be bytes, got {type(key).__name__}")
        key = bytes(key)
        try:
            result[key] = lookup(fetch, root, key, cache)
        except NodeDecodeError as exc:
            raise InvalidProofError(f"malformed node in proof: {exc}") from None
    return result
