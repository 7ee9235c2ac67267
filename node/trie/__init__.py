"""Substrate base-16 Patricia-Merkle trie: state roots, read proofs and their verification.

Faithful to paritytech's trie-db / sp-trie ``LayoutV1`` (state version 1): no extension nodes,
partial keys in leaves and branches, values of 33 bytes or more stored as separate value nodes,
children inline when their encoding is shorter than 32 bytes, BLAKE2-256 hashing.

Typical chain use, one SQLite transaction per block::

    trie = Trie(SqliteNodeStore(conn), parent_state_root)
    for key, value in changes.items():
        trie.delete(key) if value is None else trie.set(key, value)
    state_root = trie.commit()                    # only the changed paths are re-hashed
    pruner.record(number, trie.last_delta)        # optional: SqliteNodePruner for old states
    extrinsics_root = ordered_trie_root(body)     # V0, as frame_system does for system_version 1

Read proofs: ``trie.prove(keys, root)`` returns the node set ``state_getReadProof`` serves;
``verify_read_proof(root, proof, keys)`` checks one (from us or from a real node) against a root.
"""

from __future__ import annotations

from node.trie.errors import InvalidProofError, MissingNodeError, TrieError
from node.trie.hashing import EMPTY_ROOT, blake2_256
from node.trie.proof import verify_read_proof
from node.trie.pruning import SqliteNodePruner
from node.trie.root import extrinsics_root_state_version, ordered_trie_root, storage_state_version, trie_root
from node.trie.store import MemoryNodeStore, NodeStore, SqliteNodeStore
from node.trie.trie import CommitDelta, Trie

__all__ = [
    "EMPTY_ROOT",
    "CommitDelta",
    "InvalidProofError",
    "MemoryNodeStore",
    "MissingNodeError",
    "NodeStore",
    "SqliteNodePruner",
    "SqliteNodeStore",
    "Trie",
    "TrieError",
    "blake2_256",
    "extrinsics_root_state_version",
    "ordered_trie_root",
    "storage_state_version",
    "trie_root",
    "verify_read_proof",
]
