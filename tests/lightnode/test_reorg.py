"""Reorgs of unfinalized blocks, against a deterministic fake endpoint serving two competing branches.

The localnet has a single canonical chain (no fork choice), so the competing branches come from a
small real WebSocket server whose headers are genuine SCALE headers with correct hashes.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from node.light import ForkBeyondFinalityError, LightSync, LyingEndpointError, SyncConfig
from node.localnet.header import Header
from tests.lightnode.proxy import FakeChainServer


def _branch(server: FakeChainServer, parent: Header | None, start: int, count: int, tag: int) -> list[Header]:
    out: list[Header] = []
    prev = parent
    for n in range(start, start + count):
        h = Header(parent_hash=prev.hash() if prev else b"\0" * 32, number=n,
                   state_root=bytes([tag]) * 31 + bytes([n % 256]), extrinsics_root=b"\x03" * 32)
        server.headers["0x" + h.hash().hex()] = h.to_json()
        out.append(h)
        prev = h
    return out


@pytest.fixture
def fake() -> Iterator[FakeChainServer]:
    server = FakeChainServer()
    yield server
    server.stop()


def _sync(url: str, db: Path) -> int:
    sync = LightSync(SyncConfig(db, (url,), follow=False, epochs=False))
    sync.run(threading.Event())
    return sync.rolled_back


def test_reorg_rolls_back_unfinalized_blocks_and_derived_rows(fake: FakeChainServer, tmp_path: Path) -> None:
    a = _branch(fake, None, 0, 11, tag=0xA)  # blocks 0..10
    fake.canonical = ["0x" + h.hash().hex() for h in a]
    fake.finalized = 4
    db = tmp_path / "light.sqlite"
    assert _sync(fake.url, db) == 0
    conn = sqlite3.connect(db)
    # something derived from block 8 of branch A (as an epoch snapshot would be)
    conn.execute("INSERT INTO alerts(block, kind, subject, detail) VALUES (8, 'test', 'x', 'from A')")
    conn.execute("INSERT INTO audit_summary VALUES (1, 4, 10, 9, 0)")
    conn.commit()
    b = _branch(fake, a[5], 6, 9, tag=0xB)  # fork after block 5: 6..14
    fake.canonical = fake.canonical[:6] + ["0x" + h.hash().hex() for h in b]
    assert _sync(fake.url, db) == 5  # A's 6..10 rolled back
    rows = conn.execute("SELECT number, hash, finalized FROM headers ORDER BY number").fetchall()
    assert [r[0] for r in rows] == list(range(15))
    assert [bytes(r[1]) for r in rows] == [h.hash() for h in a[:6] + b]
    assert conn.execute("SELECT COUNT(*) FROM alerts").fetchone()[0] == 0  # derived from A: gone
    assert conn.execute("SELECT COUNT(*) FROM audit_summary").fetchone()[0] == 1  # block 4 kept


def test_fork_below_finality_is_refused(fake: FakeChainServer, tmp_path: Path) -> None:
    a = _branch(fake, None, 0, 8, tag=0xA)
    fake.canonical = ["0x" + h.hash().hex() for h in a]
    fake.finalized = 6
    db = tmp_path / "light.sqlite"
    _sync(fake.url, db)
    b = _branch(fake, a[2], 3, 7, tag=0xC)  # rewrites finalized blocks 3..6
    fake.canonical = fake.canonical[:3] + ["0x" + h.hash().hex() for h in b]
    with pytest.raises(ForkBeyondFinalityError, match="finalized"):
        _sync(fake.url, db)
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM headers").fetchone()[0] == 8


def test_endpoint_whose_chain_does_not_link_is_reported(fake: FakeChainServer, tmp_path: Path) -> None:
    """Block 5 whose parent is not the block 4 the endpoint still calls canonical: a lie, not a reorg."""
    a = _branch(fake, None, 0, 6, tag=0xA)
    b = _branch(fake, a[2], 3, 5, tag=0xB)
    fake.canonical = ["0x" + h.hash().hex() for h in a[:5]] + ["0x" + h.hash().hex() for h in b[2:]]
    db = tmp_path / "light.sqlite"
    sync = LightSync(SyncConfig(db, (fake.url,), follow=False, epochs=False, batch=8))
    with pytest.raises(LyingEndpointError, match="does not link"):
        sync.run(threading.Event())
    numbers = [r[0] for r in sqlite3.connect(db).execute("SELECT number FROM headers ORDER BY number")]
    assert numbers == [0, 1, 2, 3, 4]  # the consistent prefix, nothing of the broken link


def test_majority_of_endpoints_outvotes_a_self_consistent_fake_chain(tmp_path: Path) -> None:
    """The first endpoint serves a fake chain whose headers hash and link (and claims it final);
    two honest endpoints agree on the real one: the liar is dropped and its blocks rolled back."""
    servers = [FakeChainServer() for _ in range(3)]
    try:
        liar, h1, h2 = servers
        real = _branch(h1, None, 0, 12, tag=0xA)
        for s in (h2, liar):
            s.headers.update(h1.headers)
        fake = _branch(liar, real[3], 4, 8, tag=0xF)  # shares 0..3, then its own 4..11
        h1.canonical = h2.canonical = ["0x" + h.hash().hex() for h in real]
        liar.canonical = h1.canonical[:4] + ["0x" + h.hash().hex() for h in fake]
        for s in servers:
            s.finalized = 11
        lies: list[LyingEndpointError] = []
        db = tmp_path / "light.sqlite"
        p = LightSync(SyncConfig(db, (liar.url, h1.url, h2.url), follow=False, epochs=False),
                      on_lie=lies.append).run(threading.Event())
        assert [e.endpoint for e in lies] == [liar.url] and "reject" in lies[0].reason
        assert {h.url: h.status for h in p.endpoints}[liar.url] == "dropped"
        rows = sqlite3.connect(db).execute("SELECT hash FROM headers ORDER BY number").fetchall()
        assert [bytes(r[0]) for r in rows] == [h.hash() for h in real]
        assert p.rolled_back == 8
    finally:
        for s in servers:
            s.stop()
