"""Block production for the Chain: inherents, pool transactions, runtime hooks, trie root, persistence.

Each produced block: System/pallet on_initialize hooks, pending dev mints, the Timestamp.set inherent
(extrinsic 0), ready pool transactions (re-validated against the block's state), on_finalize hooks, state
changes applied to the Patricia-Merkle trie (node.trie, state version 1) for the header's state root,
and everything written to SQLite in one transaction. Block timestamps are
max(wall clock, previous + SlotDuration) so Aura slots always increase.
"""

from __future__ import annotations

import logging
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from node.localnet.block_limits import BlockBudget
from node.localnet.events import (
    ChainEvent,
    ExtrinsicDropped,
    ExtrinsicFinalized,
    ExtrinsicIncluded,
    Finalized,
    NewHead,
    StorageChanged,
)
from node.localnet.extrinsic import Extrinsic, RuntimeCall, encode_unsigned
from node.localnet.hashing import blake2_256, compact
from node.localnet.header import Header, aura_pre_digest, encode_digest
from node.localnet.metadata import RuntimeMetadata
from node.localnet.pool import PooledTx, TxPool
from node.localnet.runtime import BlockContext, DictBackend, InvalidTransaction, Runtime, State
from node.localnet.runtime.pallet import DispatchError
from node.localnet.store import ChainStore
from node.trie import SqliteNodePruner, Trie, ordered_trie_root

log = logging.getLogger(__name__)

MAX_SKIPPED_TRANSACTIONS = 8
"""Like Substrate's block builder: after this many ready transactions did not fit, the block is full."""

PRUNE_EVERY = 64
"""Blocks between moves of the pruning window (flat history and trie nodes, in the block's transaction)."""

TRIE_UNLOAD_EVERY = 512
"""Blocks between trimming the trie's cached nodes (they reload from SQLite on demand)."""


@dataclass(frozen=True)
class _Built:
    """A block executed and committed to the store, not yet adopted in memory."""

    number: int
    ts: int
    header: Header
    block_hash: bytes
    changes: dict[bytes, bytes | None]
    included: list[bytes]
    new_final: int
    mints: list[tuple[bytes, int]]


class BlockProduction:
    """Mixin of :class:`node.localnet.chain.Chain` that builds and imports blocks (under the chain lock)."""

    _lock: threading.RLock
    md: RuntimeMetadata
    runtime: Runtime
    store: ChainStore
    pool: TxPool
    trie: Trie
    latest: DictBackend
    best_hash: bytes
    finality_lag: int
    finalized_number: int
    keep_blocks: int | None
    pruner: SqliteNodePruner | None
    _best_header: Header
    _last_ts: int
    _number_to_hash: list[bytes]
    _hash_to_number: dict[bytes, int]
    _pending_mints: list[tuple[bytes, int]]
    _unfinalized_txs: dict[int, list[bytes]]
    _unfinalized_mints: dict[int, list[tuple[bytes, int]]]
    _side: dict[bytes, int]

    @property
    def best_number(self) -> int:
        """Number of the best block."""
        return len(self._number_to_hash) - 1

    def _header_at(self, number: int) -> Header:
        raise NotImplementedError

    def _nonce(self, who: bytes) -> int:
        raise NotImplementedError

    def _notify(self, events: list[ChainEvent]) -> None:
        raise NotImplementedError

    # ---- dev helpers ---------------------------------------------------------------------------

    def fund(self, account_id: bytes, rao: int) -> bytes:
        """Dev helper: mint `rao` into an account in a new block (Balances.Minted event); return its hash."""
        if rao <= 0:
            raise ValueError("amount must be positive")
        if len(account_id) != 32:
            raise ValueError("account id must be 32 bytes")
        with self._lock:
            entry = (bytes(account_id), int(rao))
            self._pending_mints.append(entry)
            try:
                return self.produce_block()
            except BaseException:
                if entry in self._pending_mints:  # the block failed: this mint did not happen
                    self._pending_mints.remove(entry)
                raise

    # ---- block production ----------------------------------------------------------------------

    def produce_blocks(self, count: int) -> list[bytes]:
        """Produce `count` blocks; return their hashes."""
        return [self.produce_block() for _ in range(count)]

    def produce_block(self) -> bytes:
        """Build, execute, persist and announce one block with the ready pool transactions."""
        events: list[ChainEvent] = []
        with self._lock:
            block_hash = self._produce(events)
        self._notify(events)
        return block_hash

    def _produce(self, out_events: list[ChainEvent]) -> bytes:
        """Build and import one block; a failure leaves chain, trie, pool and pending mints as they were."""
        parent_root = self._best_header.state_root
        mints = list(self._pending_mints)
        taken: list[PooledTx] = []
        try:
            built = self._build(out_events, taken)
        except BaseException:
            self.store.rollback()
            # Exact undo: reopen at the parent's root even if the failed block's root is stored already.
            self.trie.rollback(parent_root)
            for tx in taken:
                self.pool.restore(tx)
            self._pending_mints = mints
            out_events.clear()
            raise
        return self._imported(built, out_events)

    def _build(self, out_events: list[ChainEvent], taken: list[PooledTx]) -> _Built:
        """Execute the block and persist it in one SQLite transaction (committed on return)."""
        number = self.best_number + 1
        parent = self.best_hash
        ts = max(int(time.time() * 1000), self._last_ts + self.runtime.slot_duration_ms)
        slot = ts // self.runtime.slot_duration_ms
        digest = (aura_pre_digest(slot),)
        state = State(self.md, self.latest)
        rt = self.runtime
        block = rt.initialize_block(state, number, parent, ts, encode_digest(digest))
        mints = list(self._pending_mints)
        self._apply_mints(state)
        inherent_call = RuntimeCall("Timestamp", "set", {"now": ts})
        inherent_bytes = self.md.encode_call("Timestamp", "set", {"now": ts})
        inherent_raw = encode_unsigned(self.md, inherent_bytes)
        inherent = Extrinsic(inherent_raw, blake2_256(inherent_raw), inherent_call, inherent_bytes)
        rt.apply_extrinsic(state, inherent, 0, block)
        body = [inherent_raw]
        included: list[bytes] = []
        limits = rt.block_limits
        budget = BlockBudget(limits)
        budget.add_unchecked("mandatory", limits.extrinsic_weight("mandatory", rt.call_weight(inherent_call).ref_time),
                             len(inherent_raw))
        skipped = 0
        nonce_of = self._nonce_in(state)
        shield: Any = rt.pallets.get("MevShield")
        for tx in self.pool.ready(nonce_of):
            if tx.xt.signer is not None and tx.xt.nonce > nonce_of(tx.xt.signer):
                continue  # an earlier nonce of this sender was dropped or did not fit: wait
            cls = rt.call_class(tx.xt.call)
            if not budget.try_add(cls, limits.extrinsic_weight(cls, rt.call_weight(tx.xt.call).ref_time),
                                  len(tx.xt.raw)):
                skipped += 1  # stays in the pool for the next block
                if skipped >= MAX_SKIPPED_TRANSACTIONS:
                    break
                continue
            try:
                rt.validate(state, tx.xt, number)
                inner = shield.unshield(state, tx.xt, number) if shield is not None else None
            except InvalidTransaction as exc:
                self.pool.remove(tx.xt.hash)
                taken.append(tx)
                out_events.append(ExtrinsicDropped(tx.xt.hash, exc.data))
                continue
            self.pool.remove(tx.xt.hash)
            taken.append(tx)
            rt.apply_extrinsic(state, tx.xt, len(body), block)
            body.append(tx.xt.raw)
            included.append(tx.xt.hash)
            if inner is not None:  # MevShield: the author puts the decrypted transaction right after its wrapper
                self._include_unshielded(state, inner, number, block, body, included)
        rt.finalize_block(state, block, len(body))
        changes = dict(state.changes())
        for k, v in changes.items():
            if v is None:
                self.trie.delete(k)
            else:
                self.trie.set(k, v)
        self.store.begin()
        root = self.trie.commit()
        if self.pruner is not None:
            self.pruner.record(number, self.trie.last_delta)
        header = Header(parent, number, root, ordered_trie_root(body), digest)
        block_hash = header.hash()
        encoded_body = compact(len(body)) + b"".join(body)
        self.store.put_block(number, block_hash, header.encode(), encoded_body, changes)
        new_final = max(self.finalized_number, number - self.finality_lag)
        self.store.set_meta("finalized", str(new_final).encode())
        if self._side and new_final > self.finalized_number:
            self.store.discard_side(new_final)  # side branches that can no longer win: state discarded
        if self.keep_blocks is not None and number % PRUNE_EVERY == 0:
            keep_from = max(0, number - self.keep_blocks)
            self.store.prune(keep_from)
            if self.pruner is not None:
                self.pruner.prune(keep_from)  # same transaction: a kill -9 never half-prunes
        self.store.commit()
        return _Built(number, ts, header, block_hash, changes, included, new_final, mints)

    def _imported(self, built: _Built, out_events: list[ChainEvent]) -> bytes:
        """Adopt a committed block as the new best (in-memory state, finality, events)."""
        number, header, block_hash, changes = built.number, built.header, built.block_hash, built.changes
        included, new_final, ts = built.included, built.new_final, built.ts
        self.latest.apply(changes)
        if number % TRIE_UNLOAD_EVERY == 0:
            self.trie.unload()  # bound the trie's in-memory node cache on long runs
        self._last_ts = ts
        self._number_to_hash.append(block_hash)
        self._hash_to_number[block_hash] = number
        self.best_hash = block_hash
        self._best_header = header
        out_events.append(NewHead(header, block_hash))
        out_events.extend(ExtrinsicIncluded(h, block_hash, i + 1) for i, h in enumerate(included))
        out_events.append(StorageChanged(block_hash, changes))
        self._unfinalized_txs[number] = included
        if built.mints:
            self._unfinalized_mints[number] = built.mints  # re-queued if a reorg abandons this block
        for n in range(self.finalized_number + 1, new_final + 1):
            bh = self._number_to_hash[n]
            out_events.append(Finalized(self._header_at(n) if n != number else header, bh))
            out_events.extend(ExtrinsicFinalized(h, bh) for h in self._unfinalized_txs.pop(n, []))
            self._unfinalized_mints.pop(n, None)
        self.finalized_number = new_final
        self._drop_expired(number, out_events)
        return block_hash

    def _include_unshielded(self, state: State, inner: Extrinsic, number: int, block: BlockContext,
                            body: list[bytes], included: list[bytes]) -> None:
        """Apply a transaction decrypted from a MevShield wrapper (skipped, as by the chain's author, if invalid)."""
        try:
            self.runtime.validate(state, inner, number)
        except InvalidTransaction as exc:
            log.info("unshielded transaction 0x%s not included: %s", inner.hash.hex(), exc.data)
            return
        self.pool.remove(inner.hash)  # back in the pool after a reorg retracted it: included here instead
        self.runtime.apply_extrinsic(state, inner, len(body), block)
        body.append(inner.raw)
        included.append(inner.hash)

    def _apply_mints(self, state: State) -> None:
        balances = self.runtime.pallets["Balances"]
        for who, amount in self._pending_mints:
            try:
                balances.deposit(state, who, amount)  # type: ignore[attr-defined]
                self.runtime.deposit_event("Balances", "Minted", who, amount)
            except DispatchError as exc:
                log.warning("fund %s failed: %s", who.hex(), exc)
        self._pending_mints.clear()

    def _nonce_in(self, state: State) -> Callable[[bytes], int]:
        def nonce(who: bytes) -> int:
            raw = state.get_raw(state.key("System", "Account", who))
            return struct.unpack_from("<I", raw)[0] if raw else 0

        return nonce

    def _drop_expired(self, number: int, out_events: list[ChainEvent]) -> None:
        """Drop pooled transactions whose mortal era ended or whose nonce is now stale."""
        for tx in list(self.pool.by_hash.values()):
            signer = tx.xt.signer
            stale = signer is not None and tx.xt.nonce < self._nonce(signer)
            if stale or number + 1 >= tx.death:
                self.pool.remove(tx.xt.hash)
                reason = "Transaction is outdated" if stale else "Transaction has an ancient birth block"
                out_events.append(ExtrinsicDropped(tx.xt.hash, reason))

