"""SQLite persistence of the localnet: blocks, a versioned flat key/value table, trie nodes, chain meta.

One SQLite transaction per block (WAL journal), so a kill -9 leaves the database at the last complete
block. ``path=None`` keeps everything in an in-memory database (a throwaway chain).

Tables:
    blocks(number PK, hash UNIQUE, header, body)   body = SCALE Vec of the extrinsics
    kv(key, block, value)                            value NULL = deleted at `block`; latest version
                                                     <= N is the value at block N
    trie_nodes(hash PK, node)                        owned by node.trie.SqliteNodeStore
    meta(name PK, value)
    side_blocks(hash PK, number, parent, fork, header, body, state_kept)
                                                     blocks abandoned by a reorg (dev_reorg); `fork` is
                                                     the number of their canonical ancestor
    side_kv(hash, key, value)                        the state changes of each side block
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from node.trie import SqliteNodeStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS blocks (number INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE,
                                   header BLOB NOT NULL, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS kv (key BLOB NOT NULL, block INTEGER NOT NULL, value BLOB,
                               PRIMARY KEY (key, block)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB);
CREATE TABLE IF NOT EXISTS side_blocks (hash BLOB PRIMARY KEY, number INTEGER NOT NULL, parent BLOB NOT NULL,
                                        fork INTEGER NOT NULL, header BLOB NOT NULL, body BLOB,
                                        state_kept INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS side_kv (hash BLOB NOT NULL, key BLOB NOT NULL, value BLOB,
                                    PRIMARY KEY (hash, key)) WITHOUT ROWID;
"""


class StatePrunedError(LookupError):
    """State of a block older than the pruning window was requested."""


class ChainStore:
    """The chain's SQLite database (the caller serialises access; one connection)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False,
                                    isolation_level=None)
        if path is not None:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(SCHEMA)
        self.nodes = SqliteNodeStore(self.conn)
        self.pruned_below = int(self.meta("pruned_below") or b"0")
        self._pruned_below_at_begin = self.pruned_below

    # ---- meta ----------------------------------------------------------------------------------

    def meta(self, name: str) -> bytes | None:
        """A meta value or None."""
        row = self.conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else bytes(row[0])

    def set_meta(self, name: str, value: bytes) -> None:
        """Write a meta value (inside the caller's transaction)."""
        self.conn.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, value))

    # ---- transactions --------------------------------------------------------------------------

    def begin(self) -> None:
        """Start the block's transaction."""
        self.conn.execute("BEGIN")
        self._pruned_below_at_begin = self.pruned_below

    def commit(self) -> None:
        """Commit the block's transaction."""
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        """Abandon the block's transaction."""
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        self.pruned_below = self._pruned_below_at_begin

    # ---- blocks --------------------------------------------------------------------------------

    def put_block(self, number: int, block_hash: bytes, header: bytes, body: bytes,
                  changes: dict[bytes, bytes | None]) -> None:
        """Store a block and its state changes (inside the caller's transaction)."""
        self.conn.execute("INSERT INTO blocks (number, hash, header, body) VALUES (?, ?, ?, ?)",
                          (number, block_hash, header, body))
        self.conn.executemany("INSERT OR REPLACE INTO kv (key, block, value) VALUES (?, ?, ?)",
                              [(k, number, v) for k, v in changes.items()])

    def best_number(self) -> int | None:
        """Highest stored block number (None for an empty database)."""
        row = self.conn.execute("SELECT MAX(number) FROM blocks").fetchone()
        return None if row[0] is None else int(row[0])

    def block_by_number(self, number: int) -> tuple[bytes, bytes, bytes] | None:
        """(hash, header, body) of block `number`."""
        row = self.conn.execute("SELECT hash, header, body FROM blocks WHERE number = ?", (number,)).fetchone()
        return None if row is None else (bytes(row[0]), bytes(row[1]), bytes(row[2]))

    def block_hashes(self) -> Iterator[tuple[int, bytes]]:
        """(number, hash) of all blocks."""
        for number, h in self.conn.execute("SELECT number, hash FROM blocks ORDER BY number"):
            yield int(number), bytes(h)

    # ---- state ---------------------------------------------------------------------------------

    def load_latest(self) -> dict[bytes, bytes]:
        """The whole latest state."""
        rows = self.conn.execute(
            "SELECT k.key, k.value FROM kv k JOIN (SELECT key, MAX(block) AS b FROM kv GROUP BY key) m "
            "ON k.key = m.key AND k.block = m.b WHERE k.value IS NOT NULL"
        )
        return {bytes(k): bytes(v) for k, v in rows}

    def check_kept(self, number: int) -> None:
        """Raise StatePrunedError if block `number`'s state is outside the pruning window."""
        if number < self.pruned_below:
            raise StatePrunedError(f"state of block {number} has been pruned (kept from {self.pruned_below})")

    def get_at(self, key: bytes, number: int) -> bytes | None:
        """Value of `key` at block `number`."""
        self.check_kept(number)
        row = self.conn.execute(
            "SELECT value FROM kv WHERE key = ? AND block <= ? ORDER BY block DESC LIMIT 1", (key, number)
        ).fetchone()
        return None if row is None or row[0] is None else bytes(row[0])

    def iter_keys_at(self, prefix: bytes, number: int, start: bytes | None = None,
                     page: int = 512) -> Iterator[bytes]:
        """Every key with `prefix` existing at block `number`, in order, after `start` (read `page` at a time)."""
        cursor = start
        while True:
            batch = self.keys_at(prefix, number, cursor, page)
            yield from batch
            if len(batch) < page:
                return
            cursor = batch[-1]

    def keys_at(self, prefix: bytes, number: int, start: bytes | None, limit: int) -> list[bytes]:
        """Up to `limit` keys with `prefix` existing at block `number`, in order, after `start`."""
        self.check_kept(number)
        lower = start if start is not None and start >= prefix else prefix
        op = ">" if start is not None and start >= prefix else ">="
        out: list[bytes] = []
        cursor = lower
        while len(out) < limit:
            rows = self.conn.execute(
                f"SELECT key, value FROM kv k WHERE key {op} ? AND block = "
                "(SELECT MAX(block) FROM kv WHERE key = k.key AND block <= ?) ORDER BY key LIMIT ?",
                (cursor, number, limit * 2),
            ).fetchall()
            if not rows:
                break
            for key, value in rows:
                key = bytes(key)
                if not key.startswith(prefix):
                    return out
                if value is not None:
                    out.append(key)
                    if len(out) >= limit:
                        return out
            cursor = bytes(rows[-1][0])
            op = ">"
        return out

    def prune(self, below: int) -> None:
        """Forget state versions only needed to read blocks older than `below` (one transaction)."""
        if below <= self.pruned_below:
            return
        self.conn.execute(
            "DELETE FROM kv WHERE block < ? AND EXISTS (SELECT 1 FROM kv k2 WHERE k2.key = kv.key "
            "AND k2.block > kv.block AND k2.block <= ?)", (below, below)
        )
        self.conn.execute("DELETE FROM kv WHERE block < ? AND value IS NULL AND NOT EXISTS "
                          "(SELECT 1 FROM kv k2 WHERE k2.key = kv.key AND k2.block > kv.block)", (below,))
        self.pruned_below = below
        self.set_meta("pruned_below", str(below).encode())

    # ---- side blocks (abandoned by a reorg) -------------------------------------------------------

    def changes_above(self, number: int) -> dict[int, dict[bytes, bytes | None]]:
        """State changes of each block above `number` (one scan of the versioned table)."""
        out: dict[int, dict[bytes, bytes | None]] = {}
        for key, block, value in self.conn.execute("SELECT key, block, value FROM kv WHERE block > ?", (number,)):
            out.setdefault(int(block), {})[bytes(key)] = None if value is None else bytes(value)
        return out

    def retract_above(self, number: int) -> list[tuple[int, bytes, bytes, bytes]]:
        """Move the blocks above `number` and their state changes to the side tables (caller's
        transaction); side blocks forked above `number` now fork at it. Returns (number, hash, header,
        body) of the moved blocks in order."""
        moved = [(int(n), bytes(h), bytes(hd), bytes(b)) for n, h, hd, b in self.conn.execute(
            "SELECT number, hash, header, body FROM blocks WHERE number > ? ORDER BY number", (number,))]
        self.conn.execute("UPDATE side_blocks SET fork = ? WHERE fork > ?", (number, number))
        changes = self.changes_above(number)
        for n, block_hash, header, body in moved:
            self.conn.execute("INSERT INTO side_blocks (hash, number, parent, fork, header, body) "
                              "VALUES (?, ?, ?, ?, ?, ?)", (block_hash, n, header[:32], number, header, body))
            self.conn.executemany("INSERT INTO side_kv (hash, key, value) VALUES (?, ?, ?)",
                                  [(block_hash, k, v) for k, v in changes.get(n, {}).items()])
        self.conn.execute("DELETE FROM kv WHERE block > ?", (number,))
        self.conn.execute("DELETE FROM blocks WHERE number > ?", (number,))
        return moved

    def side_hashes(self) -> Iterator[tuple[bytes, int]]:
        """(hash, number) of every side block."""
        for h, n in self.conn.execute("SELECT hash, number FROM side_blocks"):
            yield bytes(h), int(n)

    def side_block(self, block_hash: bytes) -> tuple[int, bytes, int, bytes, bytes | None, bool] | None:
        """(number, parent hash, fork number, header, body or None once discarded, state kept)."""
        row = self.conn.execute("SELECT number, parent, fork, header, body, state_kept FROM side_blocks "
                                "WHERE hash = ?", (block_hash,)).fetchone()
        if row is None:
            return None
        return (int(row[0]), bytes(row[1]), int(row[2]), bytes(row[3]),
                None if row[4] is None else bytes(row[4]), bool(row[5]))

    def side_changes(self, block_hash: bytes) -> dict[bytes, bytes | None]:
        """State changes of one side block."""
        rows = self.conn.execute("SELECT key, value FROM side_kv WHERE hash = ?", (block_hash,))
        return {bytes(k): None if v is None else bytes(v) for k, v in rows}

    def discard_side(self, finalized: int) -> int:
        """Discard body and state of side blocks that can no longer become canonical: those whose
        fork point is below the finalized block (Substrate discards such non-canonical states when
        it canonicalizes their height). Headers stay. Caller's transaction; returns how many."""
        doomed = [bytes(h) for (h,) in self.conn.execute(
            "SELECT hash FROM side_blocks WHERE fork < ? AND state_kept = 1", (finalized,))]
        for block_hash in doomed:
            self.conn.execute("DELETE FROM side_kv WHERE hash = ?", (block_hash,))
            self.conn.execute("UPDATE side_blocks SET body = NULL, state_kept = 0 WHERE hash = ?", (block_hash,))
        return len(doomed)

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()
