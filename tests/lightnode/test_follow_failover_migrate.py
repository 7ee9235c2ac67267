"""Following new heads, failing over from an unreachable endpoint, and schema migrations."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from pathlib import Path

import sqlite_utils

from node.light import LightSync, SyncConfig, SyncProgress, open_db
from node.light.store import MIGRATIONS, migrate, schema_version
from node.localnet.rpc.embedded import LocalnetHandle


def _dead_url() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens here now
    return f"ws://127.0.0.1:{port}"


def test_follows_new_heads_until_stopped(demo_net: LocalnetHandle, tmp_path: Path) -> None:
    seen: list[SyncProgress] = []
    stop = threading.Event()
    sync = LightSync(SyncConfig(tmp_path / "l.sqlite", (demo_net.url,), poll_interval=0.05, epochs=False),
                     on_progress=seen.append)
    thread = threading.Thread(target=sync.run, args=(stop,))
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not seen or seen[-1].synced < demo_net.chain.best_number:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        demo_net.chain.produce_blocks(5)
        target = demo_net.chain.best_number
        while seen[-1].synced < target:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert any(p.state == "following" for p in seen)
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()
    rows = sqlite3.connect(tmp_path / "l.sqlite").execute("SELECT number, hash FROM headers ORDER BY number")
    for number, h in rows:
        assert bytes(h) == demo_net.chain.block_hash(number)


def test_unreachable_endpoint_fails_over(demo_net: LocalnetHandle, tmp_path: Path) -> None:
    dead = _dead_url()
    p = LightSync(SyncConfig(tmp_path / "l.sqlite", (dead, demo_net.url), follow=False, stop_at=25)
                  ).run(threading.Event())
    assert p.synced == 25 and p.mismatches == 0 and p.epochs >= 2
    health = {h.url: h for h in p.endpoints}
    assert health[dead].errors >= 1 and "cannot connect" in health[dead].last_error
    assert health[demo_net.url].status == "ok"


def test_migrations_upgrade_an_old_database_and_keep_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    db = sqlite_utils.Database(conn)
    MIGRATIONS[0](db)  # a database written by schema version 1
    conn.execute("PRAGMA user_version=1")
    conn.execute("INSERT INTO headers VALUES (0, x'01', x'00', x'02', x'03', 1)")
    conn.close()
    upgraded = open_db(path)
    assert schema_version(upgraded) == len(MIGRATIONS) == 2
    assert upgraded.execute("SELECT COUNT(*) FROM headers").fetchone()[0] == 1
    assert "earnings" in upgraded.table_names() and "alerts" in upgraded.table_names()
    assert migrate(upgraded) == 2  # idempotent
    assert upgraded.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
