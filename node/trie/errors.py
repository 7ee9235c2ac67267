"""Errors raised by the trie package."""

from __future__ import annotations

__all__ = ["InvalidProofError", "MissingNodeError", "TrieError"]


class TrieError(Exception):
    """Base class for trie failures."""


class MissingNodeError(TrieError):
    """A node (or value node) the trie needs is not in its store: the store is incomplete."""

    def __init__(self, node_hash: bytes, what: str = "node") -> None:
        super().__init__(f"trie {what} 0x{node_hash.hex()} is not in the store")
        self.node_hash = node_hash


class InvalidProofError(TrieError):
    """A read proof does not prove the requested keys against the given root."""
