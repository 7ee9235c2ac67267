"""Reference-counted pruning of old trie states in a :class:`SqliteNodeStore` table.

Every block's commit adds references (new nodes) and drops references (nodes of the previous state
that the new state no longer uses). Counting references exactly, as trie-db's memory database does,
lets a node be deleted once no kept state can reach it, even when identical nodes (equal value nodes,
say) are shared or come back later. Drops are journalled per block as "death rows" and applied
only when the states that still need them fall out of the pruning window.

Counts live in the node table's ``rc`` column. Rows without a count (NULL) are never deleted: rows
written before pruning was first used, and, as a safety net, every row once the pruner notices that
commits were written without being recorded (a session that ran without it).
"""

from __future__ import annotations

import sqlite3
from collections import Counter

from node.trie.codec import HASH_LEN
from node.trie.store import SqliteNodeStore
from node.trie.trie import CommitDelta

__all__ = ["SqliteNodePruner"]


class SqliteNodePruner:
    """Reference counts and per-block death rows for a ``SqliteNodeStore``.

    Call :meth:`record` after each block's ``Trie.commit()`` (same transaction) and :meth:`prune`
    when the window moves. A missed record only leaks nodes, never deletes a live one.
    """

    def __init__(self, conn: sqlite3.Connection, store: SqliteNodeStore) -> None:
        """Create the bookkeeping tables and settle which rows are counted."""
        self._conn = conn
        self._store = store
        self._nodes = store.table
        self._death = f"{store.table}_death"
        self._meta = f"{store.table}_pruning"
        conn.execute(f"CREATE TABLE IF NOT EXISTS {self._death} (block INTEGER PRIMARY KEY, hashes BLOB NOT NULL)")
        conn.execute(f"CREATE TABLE IF NOT EXISTS {self._meta} (name TEXT PRIMARY KEY, value INTEGER NOT NULL)")
        top = self._top_rowid()
        covered = self._get_meta("covered")
        if covered is None:
            # Rows already present were never counted: they stay NULL (kept forever).
            self._set_meta("watermark", top)
            self._set_meta("covered", top)
        elif top > covered:
            # Commits happened without being recorded: no count can be trusted any more.
            conn.execute(f"UPDATE {self._nodes} SET rc = NULL WHERE rc IS NOT NULL")
            self._set_meta("watermark", top)
            self._set_meta("covered", top)
        self._watermark = self._get_meta("watermark") or 0

    def _top_rowid(self) -> int:
        row = self._conn.execute(f"SELECT max(id) FROM {self._nodes}").fetchone()
        return int(row[0] or 0)

    def _get_meta(self, name: str) -> int | None:
        row = self._conn.execute(f"SELECT value FROM {self._meta} WHERE name = ?", (name,)).fetchone()
        return None if row is None else int(row[0])

    def _set_meta(self, name: str, value: int) -> None:
        self._conn.execute(f"INSERT OR REPLACE INTO {self._meta} (name, value) VALUES (?, ?)", (name, value))

    def record(self, block: int, delta: CommitDelta) -> None:
        """Account for the commit that produced ``block``'s state (caller's transaction)."""
        updates = []
        for node_hash, count in Counter(delta.inserted).items():
            rowid = self._store.indexed_rowid(node_hash)
            if rowid is not None:
                updates.append((count, rowid, node_hash, self._watermark))
        self._conn.executemany(
            f"UPDATE {self._nodes} SET rc = coalesce(rc, 0) + ? "
            "WHERE id = ? AND hash = ? AND (rc IS NOT NULL OR id > ?)",
            updates,
        )
        if delta.removed:
            self._conn.execute(
                f"INSERT INTO {self._death} (block, hashes) VALUES (?, ?) "
                "ON CONFLICT(block) DO UPDATE SET hashes = hashes || excluded.hashes",
                (block, b"".join(delta.removed)),
            )
        self._set_meta("covered", self._top_rowid())

    def prune(self, keep_from: int) -> int:
        """Delete the nodes only states of blocks before ``keep_from`` need; return how many.

        Block ``n``'s death row lists references the state of block ``n - 1`` held, so every row
        up to and including ``keep_from`` can be applied.
        """
        rows = self._conn.execute(f"SELECT hashes FROM {self._death} WHERE block <= ?", (keep_from,)).fetchall()
        if not rows:
            return 0
        released: Counter[bytes] = Counter()
        for (blob,) in rows:
            data = bytes(blob)
            released.update(data[i : i + HASH_LEN] for i in range(0, len(data), HASH_LEN))
        targets = []
        for node_hash, count in released.items():
            rowid = self._store.indexed_rowid(node_hash)
            if rowid is not None:
                targets.append((count, rowid, node_hash))
        self._conn.executemany(
            f"UPDATE {self._nodes} SET rc = rc - ? WHERE id = ? AND hash = ? AND rc IS NOT NULL", targets
        )
        before = self._conn.total_changes
        self._conn.executemany(
            f"DELETE FROM {self._nodes} WHERE id = ? AND hash = ? AND rc <= 0",
            ((rowid, node_hash) for _, rowid, node_hash in targets),
        )
        deleted = self._conn.total_changes - before
        self._conn.execute(f"DELETE FROM {self._death} WHERE block <= ?", (keep_from,))
        self._set_meta("covered", self._top_rowid())
        return deleted
