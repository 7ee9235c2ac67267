"""kill -9 of a sync subprocess mid-way, then a restart: nothing lost, nothing duplicated."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from node.light import LightSync, SyncConfig
from node.localnet.rpc.embedded import LocalnetHandle, start_localnet
from node.localnet.rpc.server import ServerConfig
from node.localnet.subtensor.pallet import demo_installer

BLOCKS = 160
SCRIPT = """
import sys, threading
from pathlib import Path
from node.light import LightSync, SyncConfig
LightSync(SyncConfig(Path(sys.argv[2]), (sys.argv[1],), follow=False, stop_at=int(sys.argv[3]),
                     batch=16)).run(threading.Event())
"""


@pytest.fixture(scope="module")
def net() -> Iterator[LocalnetHandle]:
    handle = start_localnet(None, config=ServerConfig(port=0), installers=[demo_installer()])
    handle.chain.produce_blocks(BLOCKS)
    yield handle
    handle.stop()


def _count(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        return int(conn.execute("SELECT COUNT(*) FROM headers").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def _dump(db: Path) -> tuple[list[tuple[object, ...]], ...]:
    conn = sqlite3.connect(db)
    return (conn.execute("SELECT number, hash, parent_hash, state_root FROM headers ORDER BY number").fetchall(),
            conn.execute("SELECT netuid, block, n, snapshot FROM epochs ORDER BY netuid, block").fetchall(),
            conn.execute("SELECT * FROM audit_summary ORDER BY netuid, block").fetchall(),
            conn.execute("SELECT * FROM audit ORDER BY netuid, block").fetchall())


@pytest.mark.slow
def test_kill_9_mid_sync_then_restart_loses_and_duplicates_nothing(net: LocalnetHandle, tmp_path: Path) -> None:
    db = tmp_path / "killed.sqlite"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, net.url, str(db), str(BLOCKS)], env=env)
    try:
        deadline = time.monotonic() + 120
        while _count(db) < 50:
            assert proc.poll() is None, "sync finished or died before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    killed_at = _count(db)
    assert 50 <= killed_at < BLOCKS + 1
    LightSync(SyncConfig(db, (net.url,), follow=False, stop_at=BLOCKS)).run(threading.Event())
    clean = tmp_path / "clean.sqlite"
    LightSync(SyncConfig(clean, (net.url,), follow=False, stop_at=BLOCKS)).run(threading.Event())
    resumed, reference = _dump(db), _dump(clean)
    assert [r[0] for r in resumed[0]] == list(range(BLOCKS + 1))  # nothing lost, nothing twice
    assert resumed == reference  # headers, epoch snapshots and audits identical to an unbroken sync
    assert len(resumed[1]) >= 4 * (BLOCKS // 20 - 1) and sum(r[4] for r in resumed[2]) == 0  # type: ignore[misc]
