"""The light node's SQLite database: headers, epoch snapshots, audits, earnings and alerts.

One writer (the sync thread) owns the connection; readers open their own connections (WAL lets
them read while the writer commits). Every block is written in one transaction together with
everything derived from it, so a kill -9 leaves either the whole block or none of it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from node.light.headers import VerifiedHeader

DERIVED_TABLES = ("epochs", "audit", "audit_summary", "earnings", "alerts")
"""Tables whose rows carry a ``block`` column and are rolled back with their block."""


def _t(db: sqlite_utils.Database, name: str) -> sqlite_utils.db.Table:
    return db.table(name)


def _v1(db: sqlite_utils.Database) -> None:
    _t(db, "headers").create({"number": int, "hash": bytes, "parent_hash": bytes, "state_root": bytes,
                          "extrinsics_root": bytes, "finalized": int}, pk="number")
    _t(db, "headers").create_index(["hash"], unique=True)
    _t(db, "meta").create({"key": str, "value": str}, pk="key")
    _t(db, "epochs").create({"netuid": int, "block": int, "n": int, "snapshot": bytes, "bytes": int,
                         "recompute_ms": float}, pk=("netuid", "block"))
    _t(db, "epochs").create_index(["block"])
    _t(db, "audit_summary").create({"netuid": int, "block": int, "uids": int, "fields": int,
                                "mismatches": int}, pk=("netuid", "block"))
    _t(db, "audit_summary").create_index(["block"])
    _t(db, "audit").create({"netuid": int, "block": int, "field": str, "uid": int, "chain": str,
                        "local": str}, pk=("netuid", "block", "field", "uid"))
    _t(db, "audit").create_index(["block"])


def _v2(db: sqlite_utils.Database) -> None:
    _t(db, "earnings").create({"coldkey": bytes, "hotkey": bytes, "netuid": int, "block": int,
                           "alpha_before": int, "alpha_after": int, "earned_alpha": int,
                           "incentive": int, "dividends": int, "delegation": int,
                           "price_rao": int, "earned_tao": int}, pk=("coldkey", "hotkey", "netuid", "block"))
    _t(db, "earnings").create_index(["block"])
    _t(db, "earnings").create_index(["coldkey", "block"])
    _t(db, "alerts").create({"id": int, "block": int, "kind": str, "subject": str, "detail": str},
                        pk="id")
    _t(db, "alerts").create_index(["block", "kind", "subject"], unique=True)


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_v1, _v2]
"""Schema migrations; the schema version is ``PRAGMA user_version`` = number applied."""


def open_db(path: Path | str, readonly: bool = False) -> sqlite_utils.Database:
    """Open (and migrate, unless read-only) the light-node database in the calling thread."""
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        return sqlite_utils.Database(conn)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), isolation_level=None)
    db = sqlite_utils.Database(conn)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable at checkpoints, atomic always
    migrate(db)
    return db


def schema_version(db: sqlite_utils.Database) -> int:
    """Applied migrations."""
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite_utils.Database) -> int:
    """Apply pending migrations, each in its own transaction; returns the new version."""
    version = schema_version(db)
    for i, step in enumerate(MIGRATIONS[version:], start=version + 1):
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            step(db)
            db.conn.execute(f"PRAGMA user_version={i}")
            db.conn.execute("COMMIT")
        except BaseException:
            db.conn.execute("ROLLBACK")
            raise
    return schema_version(db)


@dataclass(frozen=True)
class StoredHead:
    """The last stored block."""

    number: int
    hash: bytes
    state_root: bytes


class LightStore:
    """Write-side API used by the sync thread (and read helpers shared with the services)."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.conn = db.conn

    def tip(self) -> StoredHead | None:
        """Highest stored header."""
        row = self.conn.execute(
            "SELECT number, hash, state_root FROM headers ORDER BY number DESC LIMIT 1").fetchone()
        return None if row is None else StoredHead(row[0], row[1], row[2])

    def hash_at(self, number: int) -> bytes | None:
        """Stored hash of block ``number``."""
        row = self.conn.execute("SELECT hash FROM headers WHERE number=?", (number,)).fetchone()
        return None if row is None else bytes(row[0])

    def finalized_number(self) -> int:
        """Highest block stored as finalized (-1 if none)."""
        row = self.conn.execute("SELECT MAX(number) FROM headers WHERE finalized=1").fetchone()
        return -1 if row[0] is None else int(row[0])

    def get_meta(self, key: str) -> str | None:
        """A meta value."""
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Set a meta value (own transaction)."""
        with self.transaction():
            self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def transaction(self) -> _Tx:
        """``with store.transaction():`` -- BEGIN IMMEDIATE .. COMMIT, ROLLBACK on error."""
        return _Tx(self.conn)

    def insert_header(self, h: VerifiedHeader, finalized: bool) -> None:
        """Insert one header (call inside a transaction)."""
        self.conn.execute(
            "INSERT INTO headers(number, hash, parent_hash, state_root, extrinsics_root, finalized)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (h.number, h.hash, h.parent_hash, h.state_root, h.extrinsics_root, int(finalized)))

    def mark_finalized(self, upto: int) -> None:
        """Mark stored headers up to ``upto`` as finalized (call inside a transaction)."""
        self.conn.execute("UPDATE headers SET finalized=1 WHERE number<=? AND finalized=0", (upto,))

    def rollback_above(self, number: int) -> int:
        """Delete headers above ``number`` and everything derived from them; returns blocks removed."""
        with self.transaction():
            for table in DERIVED_TABLES:
                self.conn.execute(f"DELETE FROM {table} WHERE block>?", (number,))
            cur = self.conn.execute("DELETE FROM headers WHERE number>?", (number,))
            return int(cur.rowcount)

    def insert_rows(self, table: str, rows: Iterable[dict[str, Any]]) -> None:
        """Insert derived rows (call inside a transaction)."""
        rows = list(rows)
        if rows:
            cols = list(rows[0])
            sql = f"INSERT INTO {table}({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            self.conn.executemany(sql, [tuple(r[c] for c in cols) for r in rows])


class _Tx:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.conn.execute("COMMIT" if exc_type is None else "ROLLBACK")
