"""The sync loop: follow best/finalized heads, verify, snapshot epochs, write one transaction per block.

Runs in one thread (the only writer). It takes a ``threading.Event`` to stop and plain callbacks
for progress and alerts, so the TUI, the CLI and tests drive it the same way.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from node.consensus import EpochOutput, run_epoch
from node.light.chain import canonical_hashes, fetch_by_hash, fetch_range, heads
from node.light.crosscheck import cross_check
from node.light.earnings import epoch_earnings
from node.light.endpoints import EndpointHealth, EndpointPool
from node.light.epochs import EpochWatcher
from node.light.errors import LightNodeError, LyingEndpointError, NoHonestEndpointError
from node.light.finality import prove_finality
from node.light.follow import HeadFollower
from node.light.headers import VerifiedHeader
from node.light.reader import VerifiedReader
from node.light.rpc import RpcEndpoint
from node.light.snapshot import EpochSnapshot, audit
from node.light.storage import S, schema_for
from node.light.store import LightStore, StoredHead, open_db
from node.light.watch import epoch_alerts, swap_alerts

logger = logging.getLogger(__name__)


class ForkBeyondFinalityError(LightNodeError):
    """The endpoint's canonical chain differs from ours at or below a block we stored as finalized."""


@dataclass(frozen=True)
class SyncConfig:
    """How the light node syncs."""

    db_path: Path
    urls: tuple[str, ...]
    backfill: int | None = None
    """Blocks of history to sync behind the head on a fresh database (None = from genesis)."""
    batch: int = 256
    """Headers requested per pipelined batch."""
    poll_interval: float = 1.0
    """Seconds between head polls once caught up, when head subscriptions are not available."""
    subscribe: bool = True
    """Follow heads by chain_subscribeNewHeads/FinalizedHeads (polling is the fallback)."""
    idle_poll: float = 10.0
    """Seconds between safety polls while subscribed (in case notifications silently stop)."""
    follow: bool = True
    """Keep following new heads; False stops once the best head at start-up... is reached."""
    stop_at: int | None = None
    """Stop after storing this block (tests, benchmarks)."""
    epochs: bool = True
    """Detect epochs, snapshot and audit them (needs SubtensorModule in the runtime)."""
    check_values: bool = True
    """Also compare served storage values with the proven ones."""
    coldkeys: tuple[bytes, ...] = ()
    """Watched coldkeys (public keys): earnings per position and watchtower alerts."""
    justifications: bool = True
    """Check the GRANDPA justification of each new finalized head the endpoint serves one for (an
    invalid one is a lie); see node/light/finality.py."""
    require_justifications: bool = False
    """Believe finality only with a valid justification (else only the endpoint's claim is needed)."""


@dataclass(frozen=True)
class SyncProgress:
    """A progress report (posted after each committed batch and on state changes)."""

    synced: int
    target: int
    finalized: int
    blocks_per_s: float
    eta_s: float | None
    verified_head: int
    verified_hash: str
    endpoints: tuple[EndpointHealth, ...]
    db_bytes: int
    epochs: int
    mismatches: int
    rolled_back: int = 0
    state: str = "syncing"
    """syncing | following | reconnecting | stopped | error"""
    error: str = ""
    lies: tuple[str, ...] = field(default_factory=tuple)
    heads: str = "polling"
    """How new heads are noticed: subscribed | polling"""
    justified: int = -1
    """Highest block whose finality a GRANDPA justification proved this session (-1: none yet)."""


def db_size(path: Path) -> int:
    """Bytes of the database including its WAL."""
    total = 0
    for suffix in ("", "-wal", "-shm"):
        p = Path(str(path) + suffix)
        if p.exists():
            total += p.stat().st_size
    return total


class LightSync:
    """One sync session. Call ``run(stop)`` in the writer thread."""

    def __init__(self, config: SyncConfig, on_progress: Callable[[SyncProgress], None] | None = None,
                 on_lie: Callable[[LyingEndpointError], None] | None = None) -> None:
        self.config = config
        self.on_progress = on_progress
        self.pool = EndpointPool(list(config.urls), on_lie=on_lie)
        self.reader = VerifiedReader(self.pool, config.check_values)
        self.follower = HeadFollower(self.pool, config.subscribe, config.idle_poll)
        self._rate: deque[tuple[float, int]] = deque(maxlen=64)
        self.rolled_back = 0
        self.epochs = 0
        self.mismatches = 0
        self._store: LightStore | None = None
        self._alerted: set[str] = set()
        self._checked = -1
        self._last_report = 0.0
        self.justified = -1
        self._unjustified = b""

    # --- the loop ---------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> SyncProgress:
        """Sync until ``stop`` is set (or ``stop_at`` / caught up without ``follow``)."""
        db = open_db(self.config.db_path)
        store = LightStore(db)
        self._store = store
        try:
            self._check_genesis(store)
            watcher = self._watcher() if self.config.epochs else None
            last = self._progress(store, 0, -1, "syncing")
            backoff = self.config.poll_interval
            while not stop.is_set():
                try:
                    best, fin = self.pool.run(heads)
                except NoHonestEndpointError as exc:
                    if not self.config.follow or self.pool.health_all_dropped():
                        raise
                    # Following: a broken connection reconnects on the next call; retry with backoff.
                    logger.warning("heads unavailable (%s); retrying in %.1f s", exc, backoff)
                    self._progress(store, last.target, last.finalized, "reconnecting")
                    stop.wait(backoff)
                    backoff = min(30.0, backoff * 2)
                    continue
                backoff = self.config.poll_interval
                target = best.number if self.config.stop_at is None else min(best.number, self.config.stop_at)
                tip = store.tip()
                if tip is not None and self._handle_reorg(store, tip):
                    continue
                final = self._believed_final(store, fin)
                if tip is not None:
                    with store.transaction():
                        store.mark_finalized(min(final, tip.number))
                    if self._outvoted(store, tip):
                        continue
                start = self._start(tip, best.number)
                if start > target:
                    last = self._progress(store, target, fin.number, "following")
                    if not self.config.follow or self.config.stop_at is not None:
                        break
                    self.follower.wait(stop, self.config.poll_interval)
                    continue
                end = min(target, start + self.config.batch - 1)
                headers = self.pool.run(partial(_fetch_range, start=start, end=end,
                                                parent=None if tip is None else tip.hash))
                if not headers:
                    continue  # our tip left the canonical chain: the reorg check runs next round
                parent = self._parent(store, tip, headers[0])
                if parent is False:
                    continue  # our tip is no longer the parent: a reorg, handled next round
                linked = headers if isinstance(parent, VerifiedHeader) else headers[1:]
                epochs = watcher.epochs_in_batch(linked) if watcher is not None else {}
                for h in headers:
                    if stop.is_set():
                        break
                    self._commit_block(store, watcher, h, parent if isinstance(parent, VerifiedHeader)
                                       else None, h.number <= final, epochs.get(h.number, []))
                    parent = h
                    if time.monotonic() - self._last_report > 0.5:  # keep the UI moving within a batch
                        self._progress(store, target, fin.number, "syncing")
                last = self._progress(store, target, fin.number, "syncing")
            return self._progress(store, last.target, last.finalized, "stopped")
        finally:
            self.pool.close()
            db.conn.close()

    def _watcher(self) -> EpochWatcher:
        metadata = bytes.fromhex(self.pool.run(lambda ep: ep.call("state_getMetadata"))[2:])
        return EpochWatcher(schema_for(metadata), self.reader)

    def _check_genesis(self, store: LightStore) -> None:
        genesis = canonical_hashes_first(self.pool)
        known = store.get_meta("genesis_hash")
        if known is None:
            store.set_meta("genesis_hash", genesis.hex())
        elif known != genesis.hex():
            raise LightNodeError(f"the endpoint serves another chain (genesis 0x{genesis.hex()[:16]}.., "
                                 f"database has 0x{known[:16]}..)")

    def _start(self, tip: StoredHead | None, best: int) -> int:
        if tip is not None:
            return tip.number + 1
        if self.config.backfill is None:
            return 0
        return max(0, best - self.config.backfill)

    def _parent(self, store: LightStore, tip: StoredHead | None, first: VerifiedHeader
                ) -> VerifiedHeader | bool | None:
        if tip is None:
            return None  # genesis or the backfill anchor: nothing to link to
        if first.parent_hash != tip.hash:
            return False
        return VerifiedHeader(tip.hash, b"", tip.number, tip.state_root, b"", b"")

    def _believed_final(self, store: LightStore, fin: VerifiedHeader) -> int:
        """The finalized block number we believe: the endpoint's claim, checked with its GRANDPA
        justification once we store that block (with ``require_justifications``: only proven ones)."""
        if not self.config.justifications:
            return fin.number
        if fin.number > max(0, self.justified) and fin.hash != self._unjustified \
                and store.hash_at(fin.number) == fin.hash:
            row = store.conn.execute("SELECT hash, number, state_root FROM headers WHERE number=?",
                                     (fin.number - 1,)).fetchone()
            if row is not None:
                parent = VerifiedHeader(bytes(row[0]), b"", int(row[1]), bytes(row[2]), b"", b"")
                if self.pool.run(partial(_prove_finality, header=fin, parent=parent)):
                    self.justified = fin.number
                else:
                    self._unjustified = fin.hash  # none served for this head: do not ask again
        if self.config.require_justifications:
            return min(fin.number, self.justified)
        return fin.number

    def _outvoted(self, store: LightStore, tip: StoredHead) -> bool:
        """With several endpoints, check our finalized block against the majority (once per height).

        If the majority rejects it, what we stored came from a liar (now dropped): roll back to
        where the remaining endpoints agree, finalized or not, and return True.
        """
        number = store.finalized_number()
        if len(self.pool.usable()) < 2 or number <= self._checked:
            return False
        ours = store.hash_at(number)
        if ours is None or cross_check(self.pool, number, ours):
            self._checked = number
            return False
        self._handle_reorg(store, tip, forced=True)
        return True

    def _handle_reorg(self, store: LightStore, tip: StoredHead, forced: bool = False) -> bool:
        """Roll back our unfinalized blocks that left the canonical chain; True if it did.

        Args:
            forced: our chain came from a dropped liar: roll back even finalized blocks.
        """
        [canon] = self.pool.run(lambda ep: canonical_hashes(ep, [tip.number]))
        if canon == tip.hash or (canon is None and not forced):
            return False
        number = tip.number
        fork = -1
        while number >= 0 and fork < 0:
            lo = max(0, number - 63)
            numbers = list(range(lo, number + 1))
            theirs = self.pool.run(partial(_canonical, numbers=numbers))
            for n, h in zip(reversed(numbers), reversed(theirs), strict=True):
                if store.hash_at(n) == h:
                    fork = n
                    break
            number = lo - 1
        finalized = store.finalized_number()
        if fork < finalized and not forced:
            raise ForkBeyondFinalityError(
                f"endpoint replaced finalized block #{fork + 1} (finalized up to #{finalized})")
        epochs, mismatches = store.conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(mismatches), 0) FROM audit_summary WHERE block>?", (fork,)).fetchone()
        removed = store.rollback_above(fork)
        self.rolled_back += removed
        self.epochs = max(0, self.epochs - int(epochs))  # abandoned epochs leave the counters too
        self.mismatches = max(0, self.mismatches - int(mismatches))
        self._alerted.clear()  # alerts of abandoned blocks are gone; the table dedupes the rest
        logger.warning("reorg: rolled back %d block(s) above #%d", removed, fork)
        return True

    def _commit_block(self, store: LightStore, watcher: EpochWatcher | None, h: VerifiedHeader,
                      parent: VerifiedHeader | None, finalized: bool, netuids: list[int]) -> None:
        derived: list[tuple[str, list[dict[str, object]]]] = []
        if watcher is not None and parent is not None:
            for netuid in netuids:
                derived += self._epoch_rows(watcher, h, parent, netuid)
        with store.transaction():
            store.insert_header(h, finalized)
            for table, rows in derived:
                store.insert_rows(table, rows)
        self._rate.append((time.monotonic(), h.number))

    def _epoch_rows(self, watcher: EpochWatcher, h: VerifiedHeader, parent: VerifiedHeader,
                    netuid: int) -> list[tuple[str, list[dict[str, object]]]]:
        snap = watcher.capture(h, parent, netuid)
        t0 = time.perf_counter()
        out = run_epoch(snap.epoch_input(), "exact")
        result = audit(snap, out)
        ms = (time.perf_counter() - t0) * 1000
        blob = snap.to_blob()
        extra = self._user_rows(watcher, h, parent, snap, out)
        self.epochs += 1
        self.mismatches += len(result.mismatches)
        if result.mismatches:
            logger.warning("audit: subnet %d epoch at #%d: %d mismatch(es)", netuid, h.number,
                           len(result.mismatches))
        return [
            ("epochs", [{"netuid": netuid, "block": h.number, "n": snap.n, "snapshot": blob,
                         "bytes": len(blob), "recompute_ms": ms}]),
            ("audit_summary", [{"netuid": netuid, "block": h.number, "uids": result.uids,
                                "fields": result.fields, "mismatches": len(result.mismatches)}]),
            ("audit", [{"netuid": netuid, "block": h.number, "field": f, "uid": u, "chain": c, "local": lo}
                       for f, u, c, lo in result.mismatches]),
            *extra,
        ]

    def _user_rows(self, watcher: EpochWatcher, h: VerifiedHeader, parent: VerifiedHeader,
                   snap: EpochSnapshot, out: EpochOutput) -> list[tuple[str, list[dict[str, object]]]]:
        coldkeys = self.config.coldkeys
        if not coldkeys or self._store is None:
            return []
        earned = epoch_earnings(watcher, h, parent, snap, out, coldkeys)
        row = self._store.conn.execute(
            "SELECT snapshot FROM epochs WHERE netuid=? AND block<? ORDER BY block DESC LIMIT 1",
            (snap.netuid, h.number)).fetchone()
        prev = EpochSnapshot.from_blob(row[0]) if row else None
        alerts = epoch_alerts(snap, prev, coldkeys, {e.hotkey for e in earned})
        if watcher.schema.has(S, "ColdkeySwapAnnouncements"):
            got = watcher.read_items(h, [("ColdkeySwapAnnouncements", (ck,)) for ck in coldkeys])
            announced = {ck: got[("ColdkeySwapAnnouncements", (ck,))] for ck in coldkeys}
            for alert in swap_alerts(h.number, announced):
                seen = self._store.conn.execute(
                    "SELECT 1 FROM alerts WHERE kind=? AND subject=? AND detail=?",
                    (alert.kind, alert.subject, alert.detail)).fetchone()
                if seen is None and alert.subject not in self._alerted:
                    self._alerted.add(alert.subject)
                    alerts.append(alert)
        return [("earnings", [e.row() for e in earned]), ("alerts", [a.row() for a in alerts])]

    def _progress(self, store: LightStore, target: int, finalized: int, state: str) -> SyncProgress:
        tip = store.tip()
        synced = -1 if tip is None else tip.number
        rate = 0.0
        if len(self._rate) >= 2 and self._rate[-1][0] > self._rate[0][0]:
            rate = (self._rate[-1][1] - self._rate[0][1]) / (self._rate[-1][0] - self._rate[0][0])
        remaining = max(0, target - synced)
        eta = remaining / rate if rate > 0 else (0.0 if remaining == 0 else None)
        lies = tuple(f"{h.url}: {r}" for h in self.pool.health.values() for r in h.lies)
        p = SyncProgress(
            synced=synced, target=target, finalized=finalized, blocks_per_s=rate, eta_s=eta,
            verified_head=synced, verified_hash="" if tip is None else "0x" + tip.hash.hex(),
            endpoints=tuple(EndpointHealth(**vars(h)) for h in self.pool.health.values()),
            db_bytes=db_size(self.config.db_path), epochs=self.epochs, mismatches=self.mismatches,
            rolled_back=self.rolled_back, state=state, lies=lies, heads=self.follower.mode,
            justified=self.justified)
        self._last_report = time.monotonic()
        if self.on_progress is not None:
            self.on_progress(p)
        return p


def canonical_hashes_first(pool: EndpointPool) -> bytes:
    """The genesis hash (block 0), verified by hashing the genesis header."""
    [genesis] = pool.run(lambda ep: canonical_hashes(ep, [0]))
    if genesis is None:
        raise LightNodeError("endpoint has no genesis block")
    pool.run(lambda ep: fetch_by_hash(ep, genesis))
    return genesis


def _fetch_range(ep: RpcEndpoint, start: int, end: int, parent: bytes | None) -> list[VerifiedHeader]:
    return fetch_range(ep, start, end, parent)


def _prove_finality(ep: RpcEndpoint, header: VerifiedHeader, parent: VerifiedHeader) -> bool:
    return prove_finality(ep, header, parent)


def _canonical(ep: RpcEndpoint, numbers: list[int]) -> list[bytes | None]:
    return canonical_hashes(ep, numbers)
