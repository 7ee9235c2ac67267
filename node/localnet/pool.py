"""The transaction pool: validated transactions by sender and nonce; future nonces wait until ready."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from node.localnet.extrinsic import Extrinsic
from node.localnet.runtime.executive import ValidTransaction
from node.localnet.validity import InvalidTransaction


@dataclass
class PooledTx:
    """A transaction waiting in the pool."""

    xt: Extrinsic
    valid: ValidTransaction
    seq: int
    death: int
    """First block number at which the transaction's mortal era has ended."""


class TxPool:
    """Pending transactions keyed by hash and by (signer, nonce)."""

    def __init__(self, max_size: int = 50_000) -> None:
        self.max_size = max_size
        self.by_hash: dict[bytes, PooledTx] = {}
        self.by_sender: dict[bytes, dict[int, bytes]] = {}
        self._seq = itertools.count()

    def __len__(self) -> int:
        return len(self.by_hash)

    def add(self, xt: Extrinsic, valid: ValidTransaction, death: int = 2**64) -> None:
        """Insert (or replace a same-nonce tx with a lower priority).

        Raises:
            InvalidTransaction: 1012 already imported, 1014 priority too low.
        """
        if xt.hash in self.by_hash:
            raise InvalidTransaction.already_imported(xt.hash)
        assert xt.signer is not None
        slots = self.by_sender.setdefault(xt.signer, {})
        old_hash = slots.get(xt.nonce)
        if old_hash is not None:
            old = self.by_hash[old_hash]
            if old.valid.priority >= valid.priority:
                raise InvalidTransaction.too_low_priority(old.valid.priority, valid.priority)
            del self.by_hash[old_hash]
        if len(self.by_hash) >= self.max_size:
            raise InvalidTransaction(1016, "Immediately Dropped", "The transaction couldn't enter the pool "
                                     "because of the limit", reason="ImmediatelyDropped")
        slots[xt.nonce] = xt.hash
        self.by_hash[xt.hash] = PooledTx(xt, valid, next(self._seq), death)

    def restore(self, tx: PooledTx) -> None:
        """Put back a transaction taken out for a block that failed (keeps its arrival order)."""
        if tx.xt.hash in self.by_hash or tx.xt.signer is None:
            return
        slots = self.by_sender.setdefault(tx.xt.signer, {})
        if tx.xt.nonce in slots:  # a replacement arrived meanwhile: it wins
            return
        slots[tx.xt.nonce] = tx.xt.hash
        self.by_hash[tx.xt.hash] = tx

    def remove(self, tx_hash: bytes) -> PooledTx | None:
        """Remove a transaction by hash."""
        tx = self.by_hash.pop(tx_hash, None)
        if tx is not None and tx.xt.signer is not None:
            slots = self.by_sender.get(tx.xt.signer, {})
            if slots.get(tx.xt.nonce) == tx_hash:
                del slots[tx.xt.nonce]
            if not slots:
                self.by_sender.pop(tx.xt.signer, None)
        return tx

    def ready_run(self, signer: bytes, state_nonce: int) -> list[bytes]:
        """Hashes of the sender's ready transactions: consecutive nonces from `state_nonce`, in order."""
        slots = self.by_sender.get(signer, {})
        out = []
        n = state_nonce
        while n in slots:
            out.append(slots[n])
            n += 1
        return out

    def next_nonce(self, signer: bytes, state_nonce: int) -> int:
        """The nonce after the consecutive run of pooled nonces starting at `state_nonce`."""
        slots = self.by_sender.get(signer, {})
        n = state_nonce
        while n in slots:
            n += 1
        return n

    def ready(self, nonce_of: Callable[[bytes], int]) -> list[PooledTx]:
        """Transactions whose nonces continue their sender's account nonce, by priority then arrival,
        each sender's in nonce order."""
        queues: list[list[PooledTx]] = []
        for signer, slots in self.by_sender.items():
            n = nonce_of(signer)
            run = []
            while n in slots:
                run.append(self.by_hash[slots[n]])
                n += 1
            if run:
                queues.append(run)
        queues.sort(key=lambda q: (-q[0].valid.priority, q[0].seq))
        out: list[PooledTx] = []
        for q in queues:
            out.extend(q)
        return out

    def all(self) -> list[PooledTx]:
        """All pooled transactions in arrival order."""
        return sorted(self.by_hash.values(), key=lambda t: t.seq)
