"""Reorganisations of unfinalized blocks (dev_reorg), and queries of the blocks they abandon.

A real node switches to a heavier competing branch after a fork; the localnet has one author, so
:meth:`Reorganisation.reorg` plays the competing author: it abandons the last `depth` unfinalized
blocks and builds a longer branch from their parent, in later Aura slots (so every new block differs
from the one it replaces). Like Substrate:

* Abandoned ("side") blocks stay queryable by hash: header, body and state, until finality passes
  their fork point; then their body and state are discarded (headers are kept), and state reads give
  "State already discarded" (RPC error 4003), as a node does when it canonicalizes that height.
* Transactions of abandoned blocks are announced as retracted and go back to the pool; the new
  branch includes those still valid (others are dropped with the reason). Dev mints are re-queued.
* Finalized blocks are never abandoned (:class:`ReorgError`).
"""

from __future__ import annotations

import bisect
import heapq
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from node.localnet.events import ChainEvent, ExtrinsicDropped, ExtrinsicRetracted
from node.localnet.hashing import blake2_256
from node.localnet.header import Header
from node.localnet.production import BlockProduction
from node.localnet.runtime import InvalidTransaction, State
from node.localnet.store import ChainStore, StatePrunedError

__all__ = ["REORG_MAX_DEPTH", "ReorgError", "ReorgResult", "Reorganisation", "SideBackend"]

REORG_MAX_DEPTH = 10_000
"""Largest depth (and branch length) one dev_reorg accepts."""


class ReorgError(ValueError):
    """A reorg the chain refuses: it would abandon a finalized block, or the request is malformed."""


@dataclass(frozen=True)
class ReorgResult:
    """What a reorg did.

    Attributes:
        fork_number: number of the common ancestor (the parent of the new branch).
        fork_hash: its hash.
        retracted: hashes of the abandoned blocks, lowest first.
        enacted: hashes of the new branch, lowest first (the last one is the new best block).
    """

    fork_number: int
    fork_hash: bytes
    retracted: list[bytes]
    enacted: list[bytes]


class SideBackend:
    """State of a side block: its branch's changes over the canonical state of the fork point."""

    def __init__(self, store: ChainStore, number: int, fork: int, overlay: dict[bytes, bytes | None]) -> None:
        self.store = store
        self.number = number
        self.fork = fork
        self.overlay = overlay
        self._sorted = sorted(overlay)

    def get(self, key: bytes) -> bytes | None:
        """Value of `key` at the side block."""
        if key in self.overlay:
            return self.overlay[key]
        return self.store.get_at(key, self.fork)

    def _canonical_keys(self, prefix: bytes, start: bytes | None) -> Iterator[bytes]:
        return self.store.iter_keys_at(prefix, self.fork, start)

    def keys_from(self, prefix: bytes, start: bytes | None = None) -> Iterator[bytes]:
        """Keys with `prefix` in order, strictly after `start`, that exist at the side block."""
        keys = self._sorted
        i = bisect.bisect_right(keys, start) if start is not None and start >= prefix else bisect.bisect_left(keys, prefix)
        ours: list[bytes] = []
        while i < len(keys) and keys[i].startswith(prefix):
            ours.append(keys[i])
            i += 1
        last = None
        for key in heapq.merge(ours, self._canonical_keys(prefix, start)):
            if key == last:
                continue
            last = key
            if key in self.overlay and self.overlay[key] is None:
                continue  # deleted on the side branch
            yield key


class Reorganisation(BlockProduction):
    """Mixin of :class:`node.localnet.chain.Chain`: reorg and side-block queries (under the chain lock)."""

    def _side_header(self, block_hash: bytes) -> Header | None:
        if block_hash not in self._side:
            return None
        row = self.store.side_block(block_hash)
        return None if row is None else Header.decode(row[3])

    def _side_body(self, block_hash: bytes) -> tuple[Header, bytes | None] | None:
        if block_hash not in self._side:
            return None
        row = self.store.side_block(block_hash)
        return None if row is None else (Header.decode(row[3]), row[4])

    def _side_backend(self, block_hash: bytes) -> SideBackend | None:
        """State at a side block (None if `block_hash` is no side block).

        Raises:
            StatePrunedError: the side block's state was discarded (finality passed its fork point).
        """
        row = self.store.side_block(block_hash)
        if row is None:
            return None
        number, _, fork, _, _, kept = row
        if not kept:
            raise StatePrunedError(f"State already discarded for 0x{block_hash.hex()}")
        self.store.check_kept(fork)
        overlay: dict[bytes, bytes | None] = {}
        current = block_hash
        while current in self._side:  # nearest change wins; the walk ends at the canonical fork point
            for key, value in self.store.side_changes(current).items():
                overlay.setdefault(key, value)
            found = self.store.side_block(current)
            assert found is not None
            current = found[1]
        assert self.block_hash(fork) == current, "side branch does not end at its fork point"
        return SideBackend(self.store, number, fork, overlay)

    def block_hash(self, number: int) -> bytes | None:
        raise NotImplementedError

    # ---- the reorg -----------------------------------------------------------------------------

    def reorg(self, depth: int, length: int | None = None) -> ReorgResult:
        """Abandon the best `depth` blocks and build a competing branch of `length` blocks (default
        depth + 1, at least depth + 1 so it wins) from their parent.

        Raises:
            ReorgError: depth < 1, length too short, a finalized block would be abandoned, or the
                chain prunes state (`keep_blocks`: reorgs need an archive chain).
        """
        if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= REORG_MAX_DEPTH:
            raise ReorgError(f"depth must be an integer from 1 to {REORG_MAX_DEPTH}, got {depth!r}")
        length = depth + 1 if length is None else length
        if isinstance(length, bool) or not isinstance(length, int) or not depth < length <= REORG_MAX_DEPTH:
            raise ReorgError(f"length must be an integer from depth + 1 ({depth + 1}) to {REORG_MAX_DEPTH} so "
                             f"the new branch is longer, got {length!r}")
        events: list[ChainEvent] = []
        with self._lock:
            if self.keep_blocks is not None:
                raise ReorgError("reorgs need an archive chain (started without keep_blocks)")
            fork = self.best_number - depth
            if fork < self.finalized_number:
                raise ReorgError(
                    f"depth {depth} would abandon finalized block #{self.finalized_number} (best #{self.best_number},"
                    f" finalized #{self.finalized_number}): at most {self.best_number - self.finalized_number} "
                    f"unfinalized block(s) can be abandoned")
            fork_hash = self.block_hash(fork)
            assert fork_hash is not None
            retracted = self._retract_above(fork, events)
            enacted = [self._produce(events) for _ in range(length)]
        self._notify(events)
        return ReorgResult(fork, fork_hash, retracted, enacted)

    def _retract_above(self, fork: int, out_events: list[ChainEvent]) -> list[bytes]:
        """Make `fork` the best block again: move the blocks above it to the side tables, revert the
        latest state, trie and pool; return the abandoned hashes."""
        changes = self.store.changes_above(fork)
        touched = {key for per_block in changes.values() for key in per_block}
        before = {key: self.store.get_at(key, fork) for key in touched}
        first_ts = self._timestamp_in(changes.get(fork + 1, {}))
        self.store.begin()
        try:
            moved = self.store.retract_above(fork)
            self.store.commit()
        except BaseException:
            self.store.rollback()
            raise
        self.latest.apply(before)
        fork_header = self._header_at(fork)
        self.trie.reset(fork_header.state_root)
        retracted: list[bytes] = []
        for number, block_hash, _, _ in moved:
            self._hash_to_number.pop(block_hash, None)
            self._side[block_hash] = number
            retracted.append(block_hash)
        del self._number_to_hash[fork + 1 :]
        self.best_hash = self._number_to_hash[fork]
        self._best_header = fork_header
        # The competing author's first block comes in a later slot than the one it replaces.
        self._last_ts = first_ts if first_ts is not None else self._last_ts
        requeued: list[tuple[bytes, int]] = []
        for number, block_hash, _, body in moved:
            self._unfinalized_txs.pop(number, None)
            requeued.extend(self._unfinalized_mints.pop(number, []))
            self._return_to_pool(block_hash, body, out_events)
        self._pending_mints[:0] = requeued
        return retracted

    def _timestamp_in(self, changes: dict[bytes, bytes | None]) -> int | None:
        raw = changes.get(State(self.md, self.latest).key("Timestamp", "Now"))
        return None if raw is None else int(struct.unpack("<Q", raw)[0])

    def _return_to_pool(self, block_hash: bytes, body: bytes, out_events: list[ChainEvent]) -> None:
        """Announce the block's transactions as retracted and pool again those still valid."""
        from node.localnet.chain import split_body

        state = State(self.md, self.latest)
        for raw in split_body(body)[1:]:  # extrinsic 0 is the Timestamp inherent
            tx_hash = blake2_256(raw)
            out_events.append(ExtrinsicRetracted(tx_hash, block_hash))
            try:
                xt = self.runtime.codec.decode(raw)
                if xt.signer is None:
                    continue  # unsigned: no pool entry to restore
                valid = self.runtime.validate(state, xt, self.best_number + 1)
                self.pool.add(xt, valid, death=self.best_number + 1 + valid.longevity)
            except InvalidTransaction as exc:
                out_events.append(ExtrinsicDropped(tx_hash, str(exc.data)))
