"""Reference-counted pruning of old trie states in a :class:`SqliteNodeStore` table.

Every block's commit adds references (new nodes) and drops references (nodes of the previous state
that the new state no longer uses). Counting references exactly, as trie-db's memory database does,
lets a node be deleted once no kept state can reach it, even when identical nodes (equal value nodes,
say) are shared or come back later. Drops are journalled per block as "death rows" and applied
only when the states that still need them fall out of the pruning window.
"""

from __future__ import annotations

import sqlite3
from collections import Counter

from node.trie.codec import HASH_LEN
from node.trie.store import SqliteNodeStore
from node.trie.trie import CommitDelta

__all__ = ["SqliteNodePruner"]


class SqliteNodePruner:
    """Reference counts and per-block death rows beside a ``SqliteNodeStore`` table.

    Use one pruner for every commit of the chain's state trie, from genesis on: ``record`` after
    each block's ``Trie.commit()`` (in the same transaction), ``prune`` when the window moves. Nodes
    written before the pruner was used have no count and are never deleted (a leak, never a loss).
    """

    def __init__(self, conn: sqlite3.Connection, store: SqliteNodeStore) -> None:
        """Create the bookkeeping tables (``<nodes table>_refs`` and ``<nodes table>_death``)."""
        self._conn = conn
        self._nodes = store.table
        self._refs = f"{store.table}_refs"
        self._death = f"{store.table}_death"
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {self._refs} (hash BLOB PRIMARY KEY, rc INTEGER NOT NULL) WITHOUT ROWID"
        )
        conn.execute(f"CREATE TABLE IF NOT EXISTS {self._death} (block INTEGER PRIMARY KEY, hashes BLOB NOT NULL)")

    def record(self, block: int, delta: CommitDelta) -> None:
        """Account for the commit that produced ``block``'s state (caller's transaction)."""
        if delta.inserted:
            self._conn.executemany(
                f"INSERT INTO {self._refs} (hash, rc) VALUES (?, ?) "
                "ON CONFLICT(hash) DO UPDATE SET rc = rc + excluded.rc",
                Counter(delta.inserted).items(),
            )
        if delta.removed:
            self._conn.execute(
                f"INSERT INTO {self._death} (block, hashes) VALUES (?, ?) "
                "ON CONFLICT(block) DO UPDATE SET hashes = hashes || excluded.hashes",
                (block, b"".join(delta.removed)),
            )

    def prune(self, keep_from: int) -> int:
        """Delete the nodes only states of blocks before ``keep_from`` need; return how many.

        Block ``n``'s death row lists references the state of block ``n - 1`` held, so every row
        up to and including ``keep_from`` can be applied.
        """
        rows = self._conn.execute(
            f"SELECT hashes FROM {self._death} WHERE block <= ?", (keep_from,)
        ).fetchall()
        released: Counter[bytes] = Counter()
        for (blob,) in rows:
            data = bytes(blob)
            released.update(data[i : i + HASH_LEN] for i in range(0, len(data), HASH_LEN))
        if released:
            self._conn.executemany(
                f"UPDATE {self._refs} SET rc = rc - ? WHERE hash = ?",
                ((count, node_hash) for node_hash, count in released.items()),
            )
        dead = [
            (bytes(row[0]),)
            for node_hash in released
            for row in self._conn.execute(f"SELECT hash FROM {self._refs} WHERE hash = ? AND rc <= 0", (node_hash,))
        ]
        self._conn.executemany(f"DELETE FROM {self._nodes} WHERE hash = ?", dead)
        self._conn.executemany(f"DELETE FROM {self._refs} WHERE hash = ?", dead)
        self._conn.execute(f"DELETE FROM {self._death} WHERE block <= ?", (keep_from,))
        return len(dead)
