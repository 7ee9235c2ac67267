"""Content-addressed node stores: node hash -> encoded node (or raw value for value nodes)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from typing import Protocol

__all__ = ["MemoryNodeStore", "NodeStore", "SqliteNodeStore"]


class NodeStore(Protocol):
    """Where trie nodes live. Content-addressed, so writes are idempotent and never overwrite."""

    def get(self, node_hash: bytes) -> bytes | None:
        """Return the encoded node stored under ``node_hash``, or None."""
        ...

    def put_many(self, nodes: Mapping[bytes, bytes]) -> None:
        """Store every ``hash -> encoding`` pair (existing entries are left as they are)."""
        ...


class MemoryNodeStore:
    """A dict-backed store, for tests, throwaway chains and proof checking."""

    def __init__(self) -> None:
        self._nodes: dict[bytes, bytes] = {}

    def get(self, node_hash: bytes) -> bytes | None:
        """Return the encoded node stored under ``node_hash``, or None."""
        return self._nodes.get(node_hash)

    def put_many(self, nodes: Mapping[bytes, bytes]) -> None:
        """Store every ``hash -> encoding`` pair."""
        self._nodes.update(nodes)

    def __len__(self) -> int:
        return len(self._nodes)


_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SqliteNodeStore:
    """Nodes in a SQLite table ``(hash BLOB PRIMARY KEY, node BLOB)``.

    The caller owns the connection and its transactions: ``put_many`` only issues
    ``INSERT OR IGNORE`` statements, so a block's nodes commit atomically with the block itself.
    """

    def __init__(self, conn: sqlite3.Connection, table: str = "trie_nodes") -> None:
        """Create the table if needed.

        Raises:
            ValueError: if ``table`` is not a plain SQL identifier.
        """
        if not _TABLE_NAME.match(table):
            raise ValueError(f"invalid table name {table!r}")
        self._conn = conn
        self.table = table
        """Name of the node table (other bookkeeping tables are named after it)."""
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {table} (hash BLOB PRIMARY KEY, node BLOB NOT NULL) WITHOUT ROWID"
        )
        self._get_sql = f"SELECT node FROM {table} WHERE hash = ?"
        self._put_sql = f"INSERT OR IGNORE INTO {table} (hash, node) VALUES (?, ?)"

    def get(self, node_hash: bytes) -> bytes | None:
        """Return the encoded node stored under ``node_hash``, or None."""
        row = self._conn.execute(self._get_sql, (node_hash,)).fetchone()
        return None if row is None else bytes(row[0])

    def put_many(self, nodes: Mapping[bytes, bytes]) -> None:
        """Insert every ``hash -> encoding`` pair not already present."""
        if nodes:
            self._conn.executemany(self._put_sql, nodes.items())
