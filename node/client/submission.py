"""Submitting a signed extrinsic and following it: ready -> in block -> finalized, with events.

The state machine, and what each state means for the user's money:

    SIGNED      built and signed locally; nothing sent yet. Safe to discard.
    SUBMITTING  bytes were sent; no answer yet. Unknown whether the node has it.
    IN_POOL     the node accepted it (ready/future); not in a block yet.
    IN_BLOCK    included in a block; its events (success or dispatch error) are known.
    FINALIZED   included in a finalized block: final.
    REJECTED    the node refused it at submission: never included, nothing charged.
    FAILED      included but the call failed (dispatch error): the fee was charged, nothing else happened.
    DROPPED     left the pool without being included (usurped, invalid, era passed): nothing charged.
    UNKNOWN     the connection was lost and could not be re-established to find out. The extrinsic may
                still be included until `valid_until`; re-check with `resolve()` later.

A lost connection never loses the state: `Submission.resolve()` reconnects and looks for the extrinsic
hash in the blocks since submission and in the pool. Re-sending the identical bytes is always safe (the
nonce makes it execute at most once), which `resolve(resubmit=True)` does when it is nowhere to be found.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from node.client.client import ChainClient, RpcError
from node.client.errors import (
    ChainClientError,
    ConnectionLostError,
    DispatchErrorInfo,
    explain_dispatch_error,
    rejection_from_rpc,
)
from node.client.events import EventRecord, extrinsic_events
from node.client.extrinsic import extrinsic_hash

logger = logging.getLogger(__name__)


class TxPhase(StrEnum):
    """Where a transaction is; see the module docstring for what each means."""

    SIGNED = "signed"
    SUBMITTING = "submitting"
    IN_POOL = "in_pool"
    IN_BLOCK = "in_block"
    FINALIZED = "finalized"
    REJECTED = "rejected"
    FAILED = "failed"
    DROPPED = "dropped"
    UNKNOWN = "unknown"


#: Phases after which nothing more will happen to the transaction.
TERMINAL = frozenset({TxPhase.FINALIZED, TxPhase.REJECTED, TxPhase.DROPPED})


@dataclass(frozen=True)
class TxState:
    """A snapshot of one transaction's progress (what the UI shows).

    Attributes:
        phase: see `TxPhase`.
        tx_hash: blake2_256 of the extrinsic.
        block_hash / block_number / index: where it was included, once known.
        success: True/False once included (False = dispatch error), None before.
        error: the decoded dispatch error when the call failed.
        events: the events it triggered.
        fee_paid: from TransactionPayment.TransactionFeePaid, in rao.
        detail: plain-words explanation of the phase (e.g. why it is unknown).
    """

    phase: TxPhase
    tx_hash: bytes
    block_hash: bytes | None = None
    block_number: int | None = None
    index: int | None = None
    success: bool | None = None
    error: DispatchErrorInfo | None = None
    events: tuple[EventRecord, ...] = ()
    fee_paid: int | None = None
    detail: str = ""


StatusCallback = Callable[[TxState], None]


@dataclass
class Submission:
    """One signed extrinsic on its way into the chain.

    Args:
        client: the connection to submit through.
        extrinsic: the signed, length-prefixed extrinsic.
        valid_until: first block where its era has passed (None = immortal).
        on_status: called on every phase change (from the submitting thread).
    """

    client: ChainClient
    extrinsic: bytes
    valid_until: int | None = None
    on_status: StatusCallback | None = None
    state: TxState = field(init=False)
    start_block: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.state = TxState(TxPhase.SIGNED, extrinsic_hash(self.extrinsic))

    @property
    def tx_hash(self) -> bytes:
        """The transaction hash."""
        return self.state.tx_hash

    def _set(self, **changes: Any) -> None:
        self.state = replace(self.state, **changes)
        if self.on_status is not None:
            self.on_status(self.state)

    # --- submit and watch ---------------------------------------------------------------------------

    def submit(self, *, wait_for: str = "finalized", idle_timeout: float = 60.0) -> TxState:
        """Send the extrinsic and follow it until `wait_for` ("in_pool", "in_block" or "finalized").

        "in_pool" returns as soon as the node accepted it: for several transactions in a row, whose
        outcome is then re-checked with `resolve()` (nonces are handed out locally meanwhile).

        Returns:
            The final state. A lost connection is handled here: the state is resolved after reconnecting,
            or left UNKNOWN (with the reason) when no endpoint answers.
        Raises:
            TransactionRejectedError: the node refused it (state REJECTED; nothing was charged).
        """
        try:
            self.start_block = self.client.best_block().number
        except ChainClientError as exc:
            self._set(detail=f"not sent: {exc}")
            raise
        self._set(phase=TxPhase.SUBMITTING, detail="sent to the node, waiting for its answer")

        def on_update(result: Any) -> Any:
            return self._on_watch_update(result, wait_for)

        try:
            _, sub_id = self.client.subscribe(
                "author_submitAndWatchExtrinsic", ["0x" + self.extrinsic.hex()], on_update,
                idle_timeout=idle_timeout,
            )
        except RpcError as exc:
            rejection = rejection_from_rpc(exc.error)
            self._set(phase=TxPhase.REJECTED, detail=str(rejection))
            raise rejection from exc
        except ConnectionLostError as exc:
            known = self._known_text()
            logger.warning("connection lost while following %s: %s", self.tx_hash.hex(), exc)
            self._set(phase=TxPhase.UNKNOWN, detail=f"connection lost ({exc}); {known}; re-checking")
            return self.resolve(wait_for=wait_for)
        if sub_id is not None:
            try:
                self.client.rpc("author_unwatchExtrinsic", [sub_id])
            except ChainClientError:
                logger.debug("unwatch failed (subscription already gone)", exc_info=True)
        return self.state

    def _known_text(self) -> str:
        phase = self.state.phase
        if phase == TxPhase.SUBMITTING:
            return "the transaction was sent but the node had not confirmed receiving it"
        if phase == TxPhase.IN_POOL:
            return "the node had accepted it into its pool; it was not yet seen in a block"
        if phase == TxPhase.IN_BLOCK:
            return f"it was already included in block #{self.state.block_number}, not yet finalized"
        return f"it was {phase.value}"

    def _on_watch_update(self, result: Any, wait_for: str) -> Any:
        if result in ("ready", "future") or (isinstance(result, dict) and "broadcast" in result):
            if self.state.phase in (TxPhase.SIGNED, TxPhase.SUBMITTING):
                self._set(phase=TxPhase.IN_POOL, detail="accepted by the node, waiting for a block")
            return True if wait_for == "in_pool" else None
        if isinstance(result, dict) and "inBlock" in result:
            self._included(bytes.fromhex(result["inBlock"][2:]))
            return True if wait_for in ("in_pool", "in_block") else None
        if isinstance(result, dict) and "retracted" in result:
            self._set(phase=TxPhase.IN_POOL, detail="its block was retracted by a reorg; waiting again")
            return None
        if isinstance(result, dict) and "finalized" in result:
            block_hash = bytes.fromhex(result["finalized"][2:])
            if self.state.block_hash != block_hash:
                self._included(block_hash)
            self._set(phase=TxPhase.FINALIZED, detail=self._final_detail())
            return True
        if isinstance(result, dict) and "finalityTimeout" in result:
            self._set(detail="finality timed out; the block may still be finalized later")
            return True
        if isinstance(result, dict) and "usurped" in result:
            self._set(phase=TxPhase.DROPPED, detail="replaced by another transaction with the same nonce")
            return True
        if result in ("dropped", "invalid"):
            self._set(phase=TxPhase.DROPPED, detail=f"the node {result} it from its pool; nothing was charged")
            return True
        logger.debug("ignoring unknown extrinsic status %r", result)
        return None

    def _final_detail(self) -> str:
        if self.state.success is False and self.state.error is not None:
            return f"finalized, but the call failed: {self.state.error.message()}"
        return "finalized"

    def _included(self, block_hash: bytes) -> None:
        """Record inclusion and read the extrinsic's events from the block."""
        header = self.client.read("chain_getHeader", ["0x" + block_hash.hex()])
        number = int(header["number"], 16) if header else None
        index = None
        for i, ext in enumerate(self.client.block_extrinsics(block_hash)):
            if extrinsic_hash(ext) == self.tx_hash:
                index = i
                break
        events = tuple(extrinsic_events(self.client, block_hash, index)) if index is not None else ()
        success: bool | None = None
        error = None
        fee = None
        for event in events:
            if event.pallet == "System" and event.name == "ExtrinsicSuccess":
                success = True
            elif event.pallet == "System" and event.name == "ExtrinsicFailed":
                success = False
                attrs = event.attributes
                raw = attrs.get("dispatch_error") if isinstance(attrs, dict) else attrs[0]
                error = explain_dispatch_error(self.client.runtime(), raw)
            elif event.pallet == "TransactionPayment" and event.name == "TransactionFeePaid":
                attrs = event.attributes
                fee = int(attrs["actual_fee"] if isinstance(attrs, dict) else attrs[1])
        phase = TxPhase.FAILED if success is False else TxPhase.IN_BLOCK
        detail = (f"in block #{number}" if success is not False
                  else f"in block #{number}, but the call failed: {error.message() if error else 'unknown error'}")
        self._set(phase=phase, block_hash=block_hash, block_number=number, index=index,
                  success=success, error=error, events=events, fee_paid=fee, detail=detail)

    # --- recovery -----------------------------------------------------------------------------------

    def resolve(self, *, wait_for: str = "finalized", resubmit: bool = False, poll: float = 0.5,
                max_wait: float = 60.0) -> TxState:
        """After a lost connection: reconnect and find out what happened to the transaction.

        Looks for the hash in every block since submission, then in the pool. If it is nowhere and its era
        has passed, it is DROPPED for certain. If it is nowhere but could still be included, it stays
        UNKNOWN unless `resubmit` (safe: same nonce) is set.
        """
        try:
            self.client.connect()
        except ChainClientError as exc:
            self._set(phase=TxPhase.UNKNOWN,
                      detail=f"{self._known_text()}; the node is unreachable ({exc}). Nothing else was sent. "
                      + self._validity_text())
            return self.state
        deadline = time.monotonic() + max_wait
        scanned_to = self.start_block - 1
        found: bytes | None = None
        while True:
            try:
                best = self.client.best_block().number
                if found is None:
                    found = self._scan(scanned_to + 1, best)
                    scanned_to = best
                    if found is not None:
                        self._included(found)
                if found is not None:
                    number = self.state.block_number
                    if wait_for in ("in_pool", "in_block"):
                        return self.state
                    if number is not None and self.client.block_hash(number) != found:
                        # reorged out: look again from that height
                        found, scanned_to = None, number - 1
                        self._set(phase=TxPhase.IN_POOL, detail="its block was replaced by a reorg; re-checking")
                        continue
                    if self._finalized(found):
                        self._set(phase=TxPhase.FINALIZED, detail=self._final_detail())
                        return self.state
                elif self.extrinsic not in self.client.pending_extrinsics():
                    if self.valid_until is not None and best >= self.valid_until:
                        self._set(phase=TxPhase.DROPPED,
                                  detail=f"not included before its validity ended at block #{self.valid_until}; "
                                  "nothing was charged and it can never be included now")
                        return self.state
                    if not resubmit:
                        self._set(phase=TxPhase.UNKNOWN,
                                  detail="the node does not have it and it is not in any block; it was most "
                                  "likely never received. Nothing was charged. " + self._validity_text())
                        return self.state
                    return self._resubmit(wait_for)
                else:
                    if self.state.phase != TxPhase.IN_POOL:
                        self._set(phase=TxPhase.IN_POOL, detail="in the node's pool, waiting for a block")
                    if wait_for == "in_pool":
                        return self.state
            except ConnectionLostError as exc:
                self._set(phase=TxPhase.UNKNOWN, detail=f"{self._known_text()}; connection lost again ({exc})")
                return self.state
            if time.monotonic() > deadline:
                self._set(detail=self.state.detail + " (still waiting; check again later)")
                return self.state
            time.sleep(poll)

    def _resubmit(self, wait_for: str) -> TxState:
        logger.info("re-sending %s after a lost connection (same nonce: executes at most once)",
                    self.tx_hash.hex())
        self._set(phase=TxPhase.SIGNED, detail="re-sending the identical signed transaction")
        return self.submit(wait_for=wait_for)

    def _validity_text(self) -> str:
        if self.valid_until is None:
            return "It is immortal: check again later."
        return (f"It can still be included until block #{self.valid_until}; re-sending the same signed "
                "transaction is safe (its nonce lets it execute only once).")

    def _scan(self, start: int, end: int) -> bytes | None:
        for number in range(max(start, 0), end + 1):
            block_hash = self.client.block_hash(number)
            if block_hash is None:
                continue
            if any(extrinsic_hash(x) == self.tx_hash for x in self.client.block_extrinsics(block_hash)):
                return block_hash
        return None

    def _finalized(self, block_hash: bytes) -> bool:
        finalized = self.client.finalized_block()
        number = self.state.block_number
        return number is not None and finalized.number >= number and self.client.block_hash(number) == block_hash
