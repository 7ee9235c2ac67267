"""The light node as the app sees it: sync control, status, audits, earnings, alerts, what-ifs.

Screens and the CLI get frozen dataclasses only. ``sync`` blocks (run it in a thread worker); every
read opens its own read-only SQLite connection, so it never competes with the single writer.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from tao_wallet.paths import data_dir
from tao_wallet.services.chain import decode_address, encode_address, rao_to_tao


@dataclass(frozen=True)
class EndpointStatus:
    """Health of one endpoint."""

    url: str
    status: str
    requests: int
    errors: int
    lies: tuple[str, ...]
    latency_ms: float


@dataclass(frozen=True)
class NodeStatus:
    """Where the light node is."""

    synced: int
    target: int
    finalized: int
    blocks_per_s: float
    eta_s: float | None
    verified_hash: str
    endpoints: tuple[EndpointStatus, ...]
    db_bytes: int
    epochs: int
    mismatches: int
    bytes_per_epoch: int | None
    state: str
    error: str = ""
    rolled_back: int = 0
    heads: str = ""
    """How new heads are noticed while following: subscribed | polling ("" when not syncing)."""
    justified: int = -1
    """Highest block whose finality a GRANDPA justification proved this session (-1: none)."""

    @property
    def fraction(self) -> float:
        """Sync progress 0..1 (display only)."""
        return 1.0 if self.target <= 0 else max(0.0, min(1.0, (self.synced + 1) / (self.target + 1)))


@dataclass(frozen=True)
class AuditRow:
    """Audit of one subnet epoch."""

    netuid: int
    block: int
    uids: int
    fields: int
    mismatches: int


@dataclass(frozen=True)
class AuditCell:
    """One mismatching (uid, field) of an audited epoch."""

    netuid: int
    block: int
    field: str
    uid: int
    chain: str
    local: str


@dataclass(frozen=True)
class EarningRow:
    """One position's earnings in one epoch; alpha amounts in alpha, TAO in TAO."""

    netuid: int
    block: int
    hotkey: str
    position_alpha: Decimal
    earned_alpha: Decimal
    incentive: Decimal
    dividends: Decimal
    delegation: Decimal
    earned_tao: Decimal
    price: Decimal


@dataclass(frozen=True)
class ReturnRow:
    """Realized return over one window."""

    window: str
    earned_tao: Decimal
    avg_stake_tao: Decimal
    covered_blocks: int
    per_1000_tao_per_day: Decimal | None


@dataclass(frozen=True)
class ProjectionRow:
    """Expected earnings next epoch."""

    netuid: int
    hotkey: str
    position_alpha: Decimal
    expected_alpha: Decimal
    expected_tao: Decimal
    from_block: int


@dataclass(frozen=True)
class EarningsReport:
    """A coldkey's earnings history, returns and projections."""

    coldkey: str
    rows: tuple[EarningRow, ...]
    returns: tuple[ReturnRow, ...]
    projections: tuple[ProjectionRow, ...]


@dataclass(frozen=True)
class AlertRow:
    """A watchtower alert."""

    block: int
    kind: str
    subject: str
    detail: str


@dataclass(frozen=True)
class SubnetSeries:
    """Per-epoch series of one subnet for charts: price (TAO/alpha) and total validator dividends."""

    netuid: int
    blocks: tuple[int, ...]
    price: tuple[Decimal, ...]
    dividends_alpha: tuple[Decimal, ...]


def default_db_path(network: str) -> Path:
    """Where the light node keeps a network's database."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in network)
    return data_dir() / "light" / f"{safe}.sqlite"


def _status_from(p: object, epochs_bytes: int | None) -> NodeStatus:
    from node.light import SyncProgress

    assert isinstance(p, SyncProgress)
    return NodeStatus(
        synced=p.synced, target=p.target, finalized=p.finalized, blocks_per_s=p.blocks_per_s, eta_s=p.eta_s,
        verified_hash=p.verified_hash,
        endpoints=tuple(EndpointStatus(e.url, e.status, e.requests, e.errors, tuple(e.lies), e.latency_ms)
                        for e in p.endpoints),
        db_bytes=p.db_bytes, epochs=p.epochs, mismatches=p.mismatches, bytes_per_epoch=epochs_bytes,
        state=p.state, error=p.error, rolled_back=p.rolled_back,
        heads=p.heads, justified=p.justified)


class NodeService:
    """Light-node facade for one network.

    Args:
        urls: endpoint URLs (several = cross-checked failover; a liar is dropped).
        db_path: the node database.
        coldkeys: SS58 addresses whose earnings and alerts are tracked.
    """

    def __init__(self, urls: tuple[str, ...], db_path: Path, coldkeys: tuple[str, ...] = ()) -> None:
        self.urls = urls
        self.db_path = db_path
        self.coldkeys = coldkeys
        self._keys = tuple(decode_address(c) for c in coldkeys)
        self.last_status: NodeStatus | None = None

    # --- writer ----------------------------------------------------------------------------

    def sync(self, stop: threading.Event, on_status: Callable[[NodeStatus], None] | None = None, *,
             follow: bool = True, stop_at: int | None = None, backfill: int | None = None,
             epochs: bool = True) -> NodeStatus:
        """Run the sync loop in the calling thread until ``stop`` (or caught up / ``stop_at``).

        Raises:
            node.light.LightNodeError: a lying single endpoint, a fork below finality, another chain.
        """
        from node.light import LightSync, SyncConfig, SyncProgress

        def report(p: SyncProgress) -> None:
            status = _status_from(p, self._bytes_per_epoch(p.db_bytes, p.epochs))
            self.last_status = status
            if on_status is not None:
                on_status(status)

        config = SyncConfig(self.db_path, self.urls, backfill=backfill, follow=follow, stop_at=stop_at,
                            epochs=epochs, coldkeys=self._keys)
        final = LightSync(config, on_progress=report).run(stop)
        return _status_from(final, self._bytes_per_epoch(final.db_bytes, final.epochs))

    # --- readers ---------------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection | None:
        if not self.db_path.exists():
            return None
        return sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=10)

    def _bytes_per_epoch(self, db_bytes: int, epochs: int) -> int | None:
        conn = self._conn()
        if conn is None:
            return None
        with conn:
            row = conn.execute("SELECT COUNT(*), COALESCE(SUM(bytes), 0) FROM epochs").fetchone()
        n = int(row[0])
        return None if n == 0 else db_bytes // n

    def status(self) -> NodeStatus:
        """Status from the database (and the running sync, if this service runs one)."""
        if self.last_status is not None:
            return self.last_status
        from node.light.sync import db_size

        conn = self._conn()
        if conn is None:
            return NodeStatus(-1, 0, -1, 0.0, None, "", (), 0, 0, 0, None, "not synced")
        with conn:
            tip = conn.execute("SELECT number, hash FROM headers ORDER BY number DESC LIMIT 1").fetchone()
            fin = conn.execute("SELECT MAX(number) FROM headers WHERE finalized=1").fetchone()[0]
            epochs, mism = conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(mismatches), 0) FROM audit_summary").fetchone()
        size = db_size(self.db_path)
        synced = -1 if tip is None else int(tip[0])
        return NodeStatus(synced, synced, -1 if fin is None else int(fin), 0.0, None,
                          "" if tip is None else "0x" + bytes(tip[1]).hex(), (), size, int(epochs), int(mism),
                          size // int(epochs) if epochs else None, "idle")

    def audits(self, netuid: int | None = None, limit: int = 200) -> tuple[AuditRow, ...]:
        """Audited epochs, newest first."""
        conn = self._conn()
        if conn is None:
            return ()
        with conn:
            sql = "SELECT netuid, block, uids, fields, mismatches FROM audit_summary"
            args: tuple[int, ...] = ()
            if netuid is not None:
                sql += " WHERE netuid=?"
                args = (netuid,)
            rows = conn.execute(sql + " ORDER BY block DESC, netuid LIMIT ?", (*args, limit)).fetchall()
        return tuple(AuditRow(*map(int, r)) for r in rows)

    def audit_cells(self, netuid: int, block: int) -> tuple[AuditCell, ...]:
        """Mismatching cells of one audited epoch (empty = every uid and field matched)."""
        conn = self._conn()
        if conn is None:
            return ()
        with conn:
            rows = conn.execute("SELECT netuid, block, field, uid, chain, local FROM audit WHERE netuid=? AND "
                                "block=? ORDER BY field, uid", (netuid, block)).fetchall()
        return tuple(AuditCell(int(a), int(b), str(f), int(u), str(c), str(lo)) for a, b, f, u, c, lo in rows)

    def alerts(self, limit: int = 100) -> tuple[AlertRow, ...]:
        """Watchtower alerts, newest first."""
        conn = self._conn()
        if conn is None:
            return ()
        with conn:
            rows = conn.execute("SELECT block, kind, subject, detail FROM alerts ORDER BY block DESC, id DESC "
                                "LIMIT ?", (limit,)).fetchall()
        return tuple(AlertRow(int(b), str(k), self._subject(str(s)), str(d)) for b, k, s, d in rows)

    @staticmethod
    def _subject(subject: str) -> str:
        key, _, where = subject.partition("@")
        try:
            ss58 = encode_address(bytes.fromhex(key))
        except ValueError:
            return subject
        return f"{ss58} on subnet {where}" if where else ss58

    def earnings(self, coldkey: str) -> EarningsReport:
        """Earnings history, realized returns and next-epoch projections of a watched coldkey."""
        from node.light.projection import project_position
        from node.light.returns import realized_returns
        from node.light.snapshot import EpochSnapshot

        ck = decode_address(coldkey)
        conn = self._conn()
        if conn is None:
            return EarningsReport(coldkey, (), (), ())
        with conn:
            rows = conn.execute(
                "SELECT netuid, block, hotkey, alpha_after, earned_alpha, incentive, dividends, delegation, "
                "earned_tao, price_rao FROM earnings WHERE coldkey=? ORDER BY block, netuid", (ck,)).fetchall()
            tip_row = conn.execute("SELECT MAX(number) FROM headers").fetchone()
            tip = int(tip_row[0] or 0)
            returns = realized_returns(conn, ck, tip)
            latest: dict[tuple[int, bytes], int] = {}
            for r in rows:
                latest[(int(r[0]), bytes(r[2]))] = int(r[3])
            projections = []
            for (netuid, hk), alpha in sorted(latest.items()):
                blob = conn.execute("SELECT snapshot FROM epochs WHERE netuid=? ORDER BY block DESC LIMIT 1",
                                    (netuid,)).fetchone()
                if blob is None:
                    continue
                p = project_position(EpochSnapshot.from_blob(blob[0]), ck, hk, alpha)
                projections.append(ProjectionRow(netuid, encode_address(hk), rao_to_tao(alpha),
                                                 rao_to_tao(p.expected_alpha), rao_to_tao(p.expected_tao),
                                                 p.from_block))
        out = tuple(EarningRow(int(r[0]), int(r[1]), encode_address(bytes(r[2])), rao_to_tao(int(r[3])),
                               rao_to_tao(int(r[4])), rao_to_tao(int(r[5])), rao_to_tao(int(r[6])),
                               rao_to_tao(int(r[7])), rao_to_tao(int(r[8])), rao_to_tao(int(r[9])))
                    for r in rows)
        rets = tuple(ReturnRow(x.window, rao_to_tao(x.earned_tao), rao_to_tao(x.avg_stake_tao), x.covered_blocks,
                               None if x.per_1000_tao_per_day is None else rao_to_tao(x.per_1000_tao_per_day))
                     for x in returns)
        return EarningsReport(coldkey, out, rets, tuple(projections))

    def what_if(self, netuid: int, hotkey: str, amount_alpha: Decimal) -> ProjectionRow:
        """Expected earnings next epoch of staking ``amount_alpha`` more to ``hotkey`` on ``netuid``.

        Raises:
            ValueError: no synced epoch of that subnet, or the hotkey is not registered there.
        """
        from node.light.projection import what_if_stake
        from node.light.snapshot import EpochSnapshot

        hk = decode_address(hotkey)
        conn = self._conn()
        blob = None
        if conn is not None:
            with conn:
                blob = conn.execute("SELECT snapshot FROM epochs WHERE netuid=? ORDER BY block DESC LIMIT 1",
                                    (netuid,)).fetchone()
        if blob is None:
            raise ValueError(f"no synced epoch of subnet {netuid} yet: run `tao-wallet node sync` first")
        amount = int(amount_alpha * 10**9)
        p = what_if_stake(EpochSnapshot.from_blob(blob[0]), hk, amount)
        return ProjectionRow(netuid, hotkey, rao_to_tao(amount), rao_to_tao(p.expected_alpha),
                             rao_to_tao(p.expected_tao), p.from_block)

    def subnet_series(self, limit: int = 200) -> tuple[SubnetSeries, ...]:
        """Price and validator-dividend series per subnet from the synced epoch snapshots."""
        from node.light.snapshot import EpochSnapshot

        conn = self._conn()
        if conn is None:
            return ()
        with conn:
            rows = conn.execute("SELECT netuid, block, snapshot FROM epochs ORDER BY block DESC LIMIT ?",
                                (limit,)).fetchall()
        series: dict[int, list[tuple[int, Decimal, Decimal]]] = {}
        for netuid, block, blob in reversed(rows):
            snap = EpochSnapshot.from_blob(blob)
            tao, alpha = int(snap.context.get("subnet_tao", 0)), int(snap.context.get("subnet_alpha_in", 0))
            price = Decimal(tao) / Decimal(alpha) if alpha else Decimal(0)
            divs = rao_to_tao(sum(int(e) for e, p in zip(snap.outputs.get("emission", []),
                                                          snap.outputs.get("validator_permit", []), strict=False)
                                  if p))
            series.setdefault(int(netuid), []).append((int(block), price, divs))
        return tuple(SubnetSeries(n, tuple(b for b, _, _ in v), tuple(p for _, p, _ in v),
                                  tuple(d for _, _, d in v)) for n, v in sorted(series.items()))
