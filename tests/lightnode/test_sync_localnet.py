"""Sync from genesis against a real demo localnet: verified headers, proven reads, 0 audit mismatches."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from node.light import LightSync, LyingEndpointError, SyncConfig, SyncProgress, open_db
from node.light.snapshot import EpochSnapshot
from node.light.store import schema_version
from node.localnet.rpc.embedded import LocalnetHandle
from tests.lightnode.conftest import DEMO_BLOCKS


def _sync(url: str | tuple[str, ...], db: Path, **kw: object) -> SyncProgress:
    urls = (url,) if isinstance(url, str) else url
    return LightSync(SyncConfig(db, urls, follow=False, **kw)).run(threading.Event())  # type: ignore[arg-type]


def test_sync_from_genesis_verifies_and_audits_every_epoch(demo_net: LocalnetHandle, tmp_path: Path) -> None:
    db = tmp_path / "light.sqlite"
    seen: list[SyncProgress] = []
    progress = LightSync(SyncConfig(db, (demo_net.url,), follow=False, stop_at=DEMO_BLOCKS),
                         on_progress=seen.append).run(threading.Event())
    assert progress.synced == DEMO_BLOCKS and progress.state == "stopped"
    assert seen and seen[-1].db_bytes > 0
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT number, hash, parent_hash, finalized FROM headers ORDER BY number").fetchall()
    assert [r[0] for r in rows] == list(range(DEMO_BLOCKS + 1))
    for number, h, parent, finalized in rows:
        assert bytes(h) == demo_net.chain.block_hash(number)  # the chain's own hashes
        assert finalized == 1
        if number:
            assert bytes(parent) == rows[number - 1][1]
    epochs = conn.execute("SELECT netuid, block, snapshot FROM epochs ORDER BY block").fetchall()
    netuids = {e[0] for e in epochs}
    assert netuids == {1, 2, 3, 4}
    assert all(sum(1 for e in epochs if e[0] == n) >= 2 for n in netuids)
    # every snapshot is really an epoch of that subnet at that block, with non-trivial outputs
    for netuid, block, blob in epochs:
        snap = EpochSnapshot.from_blob(blob)
        chain_hash = demo_net.chain.block_hash(block)
        assert demo_net.chain.read("SubtensorModule", "LastMechansimStepBlock", netuid, at=chain_hash) == block
        assert snap.outputs["emission"] == list(demo_net.chain.read("SubtensorModule", "Emission", netuid,
                                                                    at=chain_hash))
        assert sum(snap.outputs["emission"]) > 0 and sum(snap.stake) > 0
    summary = conn.execute("SELECT COUNT(*), SUM(mismatches), SUM(uids) FROM audit_summary").fetchone()
    assert summary[0] == len(epochs) and summary[1] == 0 and summary[2] > 300
    assert conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == 0
    assert schema_version(open_db(db)) == 2


def test_audit_catches_a_changed_epoch_output(demo_net: LocalnetHandle, tmp_path: Path) -> None:
    """The audit is not vacuous: alter one stored output in a snapshot and it reports that cell."""
    from node.consensus import run_epoch
    from node.light.snapshot import audit

    db = tmp_path / "light.sqlite"
    _sync(demo_net.url, db, stop_at=25)
    blob = sqlite3.connect(db).execute("SELECT snapshot FROM epochs LIMIT 1").fetchone()[0]
    snap = EpochSnapshot.from_blob(blob)
    out = run_epoch(snap.epoch_input(), "exact")
    snap.outputs["incentive"][20] += 1
    result = audit(snap, out)
    assert [(f, u) for f, u, _, _ in result.mismatches] == [("incentive", 20)]


def test_resume_continues_from_the_last_block(demo_net: LocalnetHandle, tmp_path: Path) -> None:
    db = tmp_path / "light.sqlite"
    assert _sync(demo_net.url, db, stop_at=10, epochs=False).synced == 10
    assert _sync(demo_net.url, db, stop_at=30, epochs=False).synced == 30
    numbers = [r[0] for r in sqlite3.connect(db).execute("SELECT number FROM headers ORDER BY number")]
    assert numbers == list(range(31))


def test_backfill_window_starts_behind_the_head(demo_net: LocalnetHandle, tmp_path: Path) -> None:
    db = tmp_path / "light.sqlite"
    best = demo_net.chain.best_number
    _sync(demo_net.url, db, backfill=15, epochs=False)
    numbers = [r[0] for r in sqlite3.connect(db).execute("SELECT number FROM headers ORDER BY number")]
    assert numbers[0] == best - 15 and numbers[-1] >= best


def test_other_chain_database_is_refused(demo_net: LocalnetHandle, tmp_path: Path) -> None:
    db = tmp_path / "light.sqlite"
    _sync(demo_net.url, db, stop_at=3, epochs=False)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE meta SET value='00' WHERE key='genesis_hash'")
    conn.commit()
    with pytest.raises(Exception, match="another chain"):
        _sync(demo_net.url, db, stop_at=5, epochs=False)


def test_lie_types_are_distinct() -> None:
    err = LyingEndpointError("ws://x", "wrong storage value")
    assert err.endpoint == "ws://x" and "wrong storage value" in str(err)
