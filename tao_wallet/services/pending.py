"""Signed transactions whose fate is not known yet: kept on disk with their last known state.

A lost connection never loses a pending transaction. `TxRunner` writes a record before sending (the
signed bytes, signer, nonce, era end, a human summary) and updates its last known phase as the status
changes; a re-check after reconnecting (`TxRunner.recheck`) resolves it from the chain and removes the
record once the outcome is final. No network here.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from node.client.extrinsic import extrinsic_hash
from node.scale_compact import decode_compact
from tao_wallet.models import TxStatusView
from tao_wallet.paths import data_dir

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PendingTxView:
    """One transaction the wallet sent whose outcome was (or still is) unknown, as the UI shows it.

    Attributes:
        tx_hash: 0x-hex extrinsic hash.
        summary: the decoded call in words ("" for records written before summaries were kept).
        signer: SS58 of the signer, or None when unknown.
        nonce: the signer's nonce it uses, or None when unknown.
        phase: last known phase: submitting, in_pool, in_block, finalized, failed, dropped, unknown...
        detail: what is known, in plain words.
        block_number: where it was included, once known.
        success: True/False once included.
        valid_until: first block where it can no longer be included (None = immortal).
        resend_safe: True when re-sending the identical bytes is safe now (nonce unused, still valid, not
            in the pool); None until a re-check found out.
        resolved: True once the outcome is final (the record is gone from disk).
        error / hint: the decoded chain error and what to do, when the call failed.
    """

    tx_hash: str
    summary: str
    signer: str | None
    nonce: int | None
    phase: str
    detail: str
    block_number: int | None = None
    success: bool | None = None
    valid_until: int | None = None
    resend_safe: bool | None = None
    resolved: bool = False
    error: str | None = None
    hint: str | None = None

    def status_view(self) -> TxStatusView:
        """The same facts as the status model the transaction dialogs show."""
        return TxStatusView(phase=self.phase, tx_hash=self.tx_hash, detail=self.detail, block_number=self.block_number,
                            success=self.success, error=self.error, hint=self.hint)

    def state_text(self) -> str:
        """`in block #12`, `finalized in #12`, `submitted (unknown)`... for tables."""
        where = f" #{self.block_number}" if self.block_number is not None else ""
        if self.phase == "in_block":
            return f"in block{where}"
        if self.phase == "finalized":
            return f"finalized{where}"
        if self.phase == "failed":
            return f"failed in block{where}"
        if self.phase in ("submitting", "signed"):
            return "submitted, not confirmed"
        if self.phase == "in_pool":
            return "in the node's pool"
        return self.phase


def signer_and_nonce(extrinsic: bytes) -> tuple[bytes | None, int | None]:
    """The signer's account id and nonce of a signed v4 extrinsic (MultiAddress::Id, sr/ed25519 signature,
    then era and nonce as the first signed extensions, as on subtensor); (None, None) when not that shape."""
    try:
        _, offset = decode_compact(extrinsic, 0, canonical=False)
        if extrinsic[offset] & 0x80 == 0 or extrinsic[offset + 1] != 0:  # unsigned, or not MultiAddress::Id
            return None, None
        key = bytes(extrinsic[offset + 2: offset + 34])
        offset += 34
        offset += 1 + (65 if extrinsic[offset] == 2 else 64)  # MultiSignature: ecdsa is 65 bytes
        offset += 1 if extrinsic[offset] == 0 else 2  # Era: immortal is one zero byte, mortal two bytes
        nonce, _ = decode_compact(extrinsic, offset, canonical=False)
        return key, int(nonce)
    except (IndexError, ValueError):
        return None, None


class PendingStore:
    """Pending transactions on disk (one JSON file per transaction hash)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or data_dir() / "pending"

    def _path(self, tx_hash: bytes) -> Path:
        return self.root / f"0x{tx_hash.hex()}.json"

    def save(self, network: str, extrinsic: bytes, valid_until: int | None, start_block: int, *,
             signer: str | None = None, nonce: int | None = None, summary: str = "") -> None:
        """Record a transaction before it is sent."""
        self.root.mkdir(parents=True, exist_ok=True)
        record = {"network": network, "extrinsic": "0x" + extrinsic.hex(), "valid_until": valid_until,
                  "start_block": start_block, "saved_at": int(time.time()), "signer": signer, "nonce": nonce,
                  "summary": summary, "phase": "submitting",
                  "detail": "sent to the node, waiting for its answer"}
        self._path(extrinsic_hash(extrinsic)).write_text(json.dumps(record, indent=2))

    def update(self, view: TxStatusView) -> None:
        """Remember the last known state of a recorded transaction (no-op when it has no record)."""
        path = self._path(bytes.fromhex(view.tx_hash[2:]))
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            return
        record.update(phase=view.phase, detail=view.detail, block_number=view.block_number, success=view.success)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(record, indent=2))
        tmp.replace(path)  # atomic: a crash mid-write never loses the signed bytes

    def clear(self, tx_hash: bytes) -> None:
        """Forget a transaction whose outcome is final."""
        self._path(tx_hash).unlink(missing_ok=True)

    def records(self) -> list[dict[str, Any]]:
        """All pending records (unreadable files are skipped with a log line)."""
        out: list[dict[str, Any]] = []
        for path in sorted(self.root.glob("0x*.json")) if self.root.is_dir() else []:
            try:
                out.append(json.loads(path.read_text()))
            except (OSError, ValueError):
                logger.warning("skipping unreadable pending record %s", path)
        return out


def record_view(record: dict[str, Any], encode: Any) -> PendingTxView:
    """The view of a stored record (`encode` turns an account id into SS58)."""
    extrinsic = bytes.fromhex(str(record["extrinsic"])[2:])
    signer, nonce = record.get("signer"), record.get("nonce")
    if signer is None or nonce is None:
        key, decoded_nonce = signer_and_nonce(extrinsic)
        signer = signer or (None if key is None else encode(key))
        nonce = decoded_nonce if nonce is None else nonce
    phase = str(record.get("phase") or "unknown")
    return PendingTxView(
        tx_hash="0x" + extrinsic_hash(extrinsic).hex(), summary=str(record.get("summary") or ""), signer=signer,
        nonce=None if nonce is None else int(nonce), phase=phase,
        detail=str(record.get("detail") or "sent before the connection was lost; not re-checked yet"),
        block_number=record.get("block_number"), success=record.get("success"),
        valid_until=record.get("valid_until"),
    )
