"""Signing and submitting transactions: online (TxRunner) and offline/air-gapped (build -> sign -> submit).

Offline documents are JSON. `build_unsigned` runs online and records everything the signature commits
to plus a human summary; `sign_unsigned` runs with no network: it decodes the call from the bundled
metadata, recomputes the signing payload from the recorded fields and refuses if it differs from the
document's payload (so a tampered payload cannot hide behind an innocent summary); `submit_signed`
checks the document still fits the chain (genesis, runtime, era, nonce) before sending it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from node.client.client import ChainClient
from node.client.era import MortalEra
from node.client.errors import ChainClientError, TransactionRejectedError
from node.client.extrinsic import (
    CryptoScheme,
    ExternalSigner,
    SigningContext,
    bytes_to_sign,
    encode_signed_extrinsic,
    extrinsic_hash,
    sign_extrinsic,
    signing_payload,
)
from node.client.metadata_hash import MetadataHashError, OnlineMetadata, hashed_runtime, online_metadata
from node.client.nonces import NonceTracker
from node.client.runtime import DecodedCall, Runtime, RuntimeMetadataError
from node.client.submission import Submission, TxPhase, TxState
from tao_wallet.models import TxEventView, TxStatusView
from tao_wallet.paths import ASSETS
from tao_wallet.services.chain import ChainService, chain_errors, decode_address, encode_address, rao_to_tao
from tao_wallet.services.errors import WalletError
from tao_wallet.services.pending import (
    PendingStore as PendingStore,  # re-exported: callers import it from here
)
from tao_wallet.services.pending import PendingTxView as PendingTxView
from tao_wallet.services.pending import record_view

if TYPE_CHECKING:
    from tao_wallet.services.wallets import WalletService

logger = logging.getLogger(__name__)

UNSIGNED_FORMAT = "tao-wallet/unsigned-tx/1"
SIGNED_FORMAT = "tao-wallet/signed-tx/1"

StatusCallback = Callable[[TxStatusView], None]


def state_view(state: TxState) -> TxStatusView:
    """The model the CLI and screens show for a node-level transaction state."""
    events = tuple(TxEventView(e.pallet, e.name, _fields(e.attributes)) for e in state.events)
    return TxStatusView(
        phase=state.phase.value, tx_hash="0x" + state.tx_hash.hex(), detail=state.detail,
        block_hash=None if state.block_hash is None else "0x" + state.block_hash.hex(),
        block_number=state.block_number, success=state.success,
        error=None if state.error is None else f"{state.error.pallet}.{state.error.name}"
        + (f": {state.error.docs}" if state.error.docs else ""),
        hint=None if state.error is None else (state.error.hint or None),
        fee=None if state.fee_paid is None else rao_to_tao(state.fee_paid), events=events,
    )


#: Event fields that hold account ids: shown as SS58 addresses.
_ACCOUNT_FIELDS = frozenset({"who", "from", "to", "dest", "account", "hotkey", "coldkey", "owner"})


def _fields(attributes: Any) -> str:
    if isinstance(attributes, dict):
        return ", ".join(f"{k}={_account_or_value(k, v)}" for k, v in attributes.items())
    if isinstance(attributes, (list, tuple)):
        return ", ".join(str(a) for a in attributes)
    return "" if attributes is None else str(attributes)


def _account_or_value(name: str, value: Any) -> Any:
    if name in _ACCOUNT_FIELDS and isinstance(value, str) and value.startswith("0x") and len(value) == 66:
        return encode_address(bytes.fromhex(value[2:]))
    return value


def wallet_signer(wallets: WalletService, name: str, password: str | None,
                  password_file: Path | None = None) -> ExternalSigner:
    """A signer backed by the wallet's coldkey, unlocked through the wallet service (argon2: ~3 s, or its
    cached unlocked key) and then held only by the returned signer.

    Args:
        password: the coldkey password; None looks in `password_file`, then BT_PW_ env var / keyring.

    Raises:
        WalletError: wallet_not_found, public_key_only (watch-only), password_required, wrong_password, ...
    """
    if wallets.get(name).watch_only:
        raise WalletError("public_key_only", f"wallet {name!r} is watch-only: it cannot sign")
    if password is None and password_file is not None:
        password = wallets.resolve_password(name, password_file=password_file)
    return wallets.signer(name, password=password)


_FINAL_PHASES = {TxPhase.FINALIZED, TxPhase.REJECTED, TxPhase.DROPPED, TxPhase.IN_BLOCK, TxPhase.FAILED}


class TxRunner:
    """Signs with an external signer, tracks nonces across several transactions, submits and follows."""

    def __init__(self, chain: ChainService, pending: PendingStore | None = None, *,
                 metadata_hash: bool | None = None) -> None:
        self.chain = chain
        self.metadata_hash = os.environ.get("TAO_WALLET_METADATA_HASH") != "0" if metadata_hash is None \
            else metadata_hash
        """Sign with CheckMetadataHash mode 1 when the runtime has the extension and serves V15 metadata
        (default; TAO_WALLET_METADATA_HASH=0 signs mode 0, for a node whose runtime lacks the hash)."""
        self.nonces = NonceTracker(chain.client)
        self.pending = pending or PendingStore()
        self._watcher: ChainClient | None = None

    def watcher(self) -> ChainClient:
        """A second connection for following submissions, so reads on `chain.client` (header refresh,
        balances) are not blocked while a transaction waits for finality."""
        if self._watcher is None:
            main = self.chain.client
            self._watcher = ChainClient(main.urls, timeout=main.timeout, max_rounds=main.max_rounds,
                                        backoff=main.backoff, backoff_max=main.backoff_max)
        return self._watcher

    def close(self) -> None:
        """Close the submission connection (the chain service closes its own)."""
        if self._watcher is not None:
            self._watcher.close()

    def sign_and_submit(self, call: bytes, signer: ExternalSigner, *, on_status: StatusCallback | None = None,
                        wait_for: str = "finalized") -> TxStatusView:
        """Sign `call` with the next nonce and follow it to `wait_for` ("in_block" or "finalized")."""
        with chain_errors():
            client = self.chain.client
            runtime = client.runtime()
            nonce = self.nonces.reserve(signer.public_key)
            try:
                ctx = client.signing_context(nonce)
                if self.metadata_hash:
                    ctx = replace(ctx, metadata_hash=_online_digest(client, runtime, call))
                extrinsic = sign_extrinsic(runtime, call, ctx, signer)
            except BaseException:
                self.nonces.release(signer.public_key, nonce)
                raise
        try:
            summary = runtime.decode_call(call).summary(encode_address)
        except RuntimeMetadataError:
            summary = ""
        try:
            return self.submit(extrinsic, ctx.valid_until(), on_status=on_status, wait_for=wait_for,
                               signer_key=signer.public_key, nonce=nonce, summary=summary)
        except WalletError as exc:
            if ctx.metadata_hash is None or exc.code != "transaction_rejected" or "bad signature" not in str(exc):
                raise
            raise WalletError("transaction_rejected", f"{exc.message} (it was signed over the chain's metadata "
                              "hash: if this node's runtime was built without it, set TAO_WALLET_METADATA_HASH=0)"
                              ) from None

    def submit(self, extrinsic: bytes, valid_until: int | None, *, on_status: StatusCallback | None = None,
               wait_for: str = "finalized", signer_key: bytes | None = None, nonce: int | None = None,
               summary: str = "") -> TxStatusView:
        """Submit signed bytes and follow them; a lost connection is resolved (or left UNKNOWN and kept on disk
        with its last known state, for `recheck` after reconnecting)."""
        submission = Submission(self.watcher(), extrinsic, valid_until=valid_until,
                                on_status=self._status_sink(on_status))
        with chain_errors():
            start = self.chain.client.best_block().number
        self.pending.save(self.chain.profile.name, extrinsic, valid_until, start, summary=summary, nonce=nonce,
                          signer=None if signer_key is None else encode_address(signer_key))
        with chain_errors():
            try:
                state = submission.submit(wait_for=wait_for)
            except TransactionRejectedError as exc:
                self.pending.clear(submission.tx_hash)
                if signer_key is not None and nonce is not None:
                    self.nonces.release(signer_key, nonce)
                    if "nonce" in exc.hint:
                        self.nonces.resync(signer_key)
                raise WalletError("transaction_rejected", str(exc)) from None
            except ChainClientError as exc:
                if submission.state.phase == TxPhase.SIGNED:
                    raise  # nothing left this machine: "not sent" is true
                state = self._lost_again(submission.state, exc, on_status)
        if state.phase in _FINAL_PHASES:
            self.pending.clear(submission.tx_hash)
        return state_view(state)

    def _lost_again(self, state: TxState, exc: ChainClientError, on_status: StatusCallback | None) -> TxState:
        """The bytes were sent, then the connection failed again while the outcome was being re-checked:
        that is an UNKNOWN outcome (kept pending), never "not sent"."""
        logger.warning("lost the node again while re-checking %s: %s", state.tx_hash.hex(), exc)
        state = replace(state, phase=TxPhase.UNKNOWN, detail=(
            f"the transaction was sent, then the node became unreachable while its outcome was being checked "
            f"({exc}). It may be in a block already: it is kept under pending transactions and re-checked when "
            "the connection is back; do not sign it again before that."))
        self._status_sink(on_status)(state)
        return state

    def _status_sink(self, on_status: StatusCallback | None) -> Callable[[TxState], None]:
        """Every status change is written to the pending record first, then shown."""

        def sink(state: TxState) -> None:
            view = state_view(state)
            try:
                self.pending.update(view)
            except OSError:
                logger.warning("could not record the state of %s", view.tx_hash, exc_info=True)
            if on_status is not None:
                on_status(view)

        return sink

    def pending_views(self) -> list[PendingTxView]:
        """The transactions of this network whose outcome is not known yet, with their last known state."""
        return [record_view(r, encode_address) for r in self.pending.records()
                if r.get("network") == self.chain.profile.name]

    def recheck(self, tx_hash: str | None = None, *, resend: bool = False,
                on_status: StatusCallback | None = None) -> list[PendingTxView]:
        """Resolve pending transactions of this network (all, or the one with `tx_hash`) from the chain.

        Looks for each in the blocks since it was sent and in the pool (`Submission.resolve`); the record
        is removed once the outcome is final.

        Args:
            resend: re-send one found nowhere -- only when that is safe: its nonce is still unused on chain
                and its era has not passed. The identical signed bytes are sent, so it executes at most once.
        """
        out = []
        for record in self.pending.records():
            if record.get("network") != self.chain.profile.name:
                continue
            view = record_view(record, encode_address)
            if tx_hash is not None and view.tx_hash != tx_hash:
                continue
            out.append(self._recheck_record(record, view, resend, on_status))
        return out

    def _recheck_record(self, record: dict[str, Any], view: PendingTxView, resend: bool,
                        on_status: StatusCallback | None) -> PendingTxView:
        extrinsic = bytes.fromhex(str(record["extrinsic"])[2:])
        submission = Submission(self.watcher(), extrinsic, valid_until=record.get("valid_until"),
                                on_status=self._status_sink(on_status))
        submission.start_block = int(record.get("start_block", 0))
        safe = self._nonce_unused(view) if resend else False
        with chain_errors():
            state = submission.resolve(wait_for="in_block", resubmit=bool(safe))
        final = state.phase in _FINAL_PHASES
        if final:
            self.pending.clear(submission.tx_hash)
        status = state_view(state)
        resend_safe = self._nonce_unused(view) if status.phase == TxPhase.UNKNOWN.value else False
        detail = status.detail
        if resend and not safe and status.phase == TxPhase.UNKNOWN.value:
            detail += " Not re-sent: its nonce is already used on chain (or the node could not tell)."
        return PendingTxView(
            tx_hash=status.tx_hash, summary=view.summary, signer=view.signer, nonce=view.nonce, phase=status.phase,
            detail=detail, block_number=status.block_number, success=status.success,
            valid_until=view.valid_until, resend_safe=resend_safe, resolved=final, error=status.error,
            hint=status.hint,
        )

    def _nonce_unused(self, view: PendingTxView) -> bool | None:
        """True when the signer's on-chain nonce has not passed the transaction's (None: cannot tell)."""
        if view.signer is None or view.nonce is None:
            return None
        try:
            with chain_errors():
                account = self.chain.client.account(decode_address(view.signer))
        except WalletError:
            return None
        return account.nonce <= view.nonce

    def recheck_pending(self, *, on_status: StatusCallback | None = None, resend: bool = False) -> list[TxStatusView]:
        """Resolve every transaction left UNKNOWN by an earlier lost connection on this network (the CLI's
        `tx pending`); `resend` re-sends those found nowhere whose nonce is still unused."""
        return [TxStatusView(phase=v.phase, tx_hash=v.tx_hash, detail=v.detail, block_number=v.block_number,
                             success=v.success, error=v.error, hint=v.hint)
                for v in self.recheck(resend=resend, on_status=on_status)]


# --- offline signing ---------------------------------------------------------------------------------


#: Metadata files decoded in this process, by (path, mtime): decoding takes about a second.
_FILE_RUNTIMES: dict[tuple[str, int], Runtime] = {}


def bundled_runtime(spec_version: int | None = None, metadata_path: Path | None = None) -> Runtime:
    """The runtime to decode an offline document with: `metadata_path`, else the one in assets/metadata.

    Raises:
        WalletError: "runtime_mismatch" when no available metadata has the document's spec version.
    """
    paths = [metadata_path] if metadata_path is not None else sorted((ASSETS / "metadata").glob("*.hex"))
    seen = []
    for path in paths:
        try:
            key = (str(path.resolve()), path.stat().st_mtime_ns)
            runtime = _FILE_RUNTIMES.get(key) or Runtime.from_file(path)
        except (OSError, RuntimeMetadataError) as exc:
            raise WalletError("metadata_unreadable", f"cannot load metadata {path}: {exc}") from None
        _FILE_RUNTIMES[key] = runtime
        if spec_version is None or runtime.spec_version == spec_version:
            return runtime
        seen.append(str(runtime.spec_version))
    raise WalletError(
        "runtime_mismatch",
        f"the transaction was built for runtime spec {spec_version}, but the available metadata is spec "
        f"{', '.join(seen) or 'none'}; pass --metadata with that runtime's metadata (state_getMetadata hex)",
    )


def _online_digest(client: ChainClient, runtime: Runtime, call: bytes) -> bytes | None:
    """The digest to sign `call` online with (mode 1), or None for mode 0 when the chain has none to check.

    Raises:
        WalletError: metadata_mismatch when the node's V14 and V15 metadata disagree about the call.
    """
    found = _online_metadata(client, runtime)
    if found is None:
        return None
    try:
        found.check_call(call, runtime.decode_call(call))
    except (MetadataHashError, RuntimeMetadataError) as exc:
        raise WalletError("metadata_mismatch", str(exc)) from None
    return found.digest


def _online_metadata(client: ChainClient, runtime: Runtime) -> OnlineMetadata | None:
    try:
        return online_metadata(client, runtime)
    except MetadataHashError as exc:
        logger.warning("signing with CheckMetadataHash disabled: %s", exc)
        return None


def _doc_metadata_hash(doc: dict[str, Any]) -> tuple[int, bytes | None]:
    """(mode, digest) of a document's `metadata_hash`; documents without one are mode 0."""
    mh = doc.get("metadata_hash") or {"mode": 0, "hash": None}
    if not isinstance(mh, dict) or mh.get("mode") not in (0, 1):
        raise WalletError("invalid_document", "metadata_hash must be {\"mode\": 0 or 1, \"hash\": ...}")
    if mh["mode"] == 0:
        if mh.get("hash") is not None:
            raise WalletError("invalid_document", "metadata_hash mode 0 (disabled) cannot carry a hash")
        return 0, None
    return 1, _hex(mh.get("hash"), 32, "metadata hash")


def _context_from_doc(doc: dict[str, Any]) -> SigningContext:
    era = doc["era"]
    mortal = None if era is None else MortalEra(int(era["period"]), int(era["phase"]))
    return SigningContext(
        genesis_hash=_hex(doc["genesis_hash"], 32, "genesis_hash"), spec_version=int(doc["spec_version"]),
        transaction_version=int(doc["transaction_version"]), nonce=int(doc["nonce"]), era=mortal,
        era_block_number=0 if era is None else int(era["anchor_block"]),
        era_block_hash=_hex(doc["genesis_hash"] if era is None else era["birth_block_hash"], 32, "era block hash"),
        tip=int(doc.get("tip", 0)), metadata_hash=_doc_metadata_hash(doc)[1],
    )


def _hex(value: Any, length: int | None, what: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise WalletError("invalid_document", f"{what} must be a 0x-prefixed hex string")
    try:
        raw = bytes.fromhex(value[2:])
    except ValueError:
        raise WalletError("invalid_document", f"{what} is not valid hex") from None
    if length is not None and len(raw) != length:
        raise WalletError("invalid_document", f"{what} must be {length} bytes, got {len(raw)}")
    return raw


@dataclass(frozen=True)
class OfflineTx:
    """An offline document checked against a runtime: the decoded call and the verified payload."""

    doc: dict[str, Any]
    call: DecodedCall
    payload: bytes
    context: SigningContext
    metadata_source: str = ""
    """Where the V15 metadata the call was decoded with came from (mode 1 only): "the file" or a path."""


def build_unsigned(chain: ChainService, sender: str, call: bytes, summary: str,
                   nonce: int | None = None, *, metadata_hash: bool = True) -> dict[str, Any]:
    """The unsigned document for `call` from `sender` (online: nonce, era, versions come from the chain).

    Args:
        metadata_hash: sign over the chain's metadata digest (CheckMetadataHash mode 1) and ship the V15
            metadata in the file, when the runtime supports it; False (or a chain without it): mode 0.
    """
    sender_key = decode_address(sender)
    with chain_errors():
        client = chain.client
        runtime = client.runtime()
        ctx = client.signing_context(client.next_nonce(sender_key) if nonce is None else nonce)
        found = _online_metadata(client, runtime) if metadata_hash else None
    if found is not None:
        ctx = replace(ctx, metadata_hash=found.digest)
    return unsigned_document(runtime, ctx, sender_key, call, summary, chain.profile.name,
                             metadata_v15=None if found is None else found.metadata)


def unsigned_document(runtime: Runtime, ctx: SigningContext, sender_key: bytes, call: bytes, summary: str,
                      network: str, *, metadata_v15: bytes | None = None) -> dict[str, Any]:
    """The unsigned document from its parts (no network): what `tx sign` checks and signs.

    With `ctx.metadata_hash` set (mode 1), `metadata_v15` (the metadata it is the digest of) goes into the
    file so the signer can decode the call with exactly the metadata the chain will check.
    """
    try:
        decoded = runtime.decode_call(call)
    except RuntimeMetadataError as exc:
        raise WalletError("invalid_call", str(exc)) from None
    payload = signing_payload(runtime, call, ctx)
    era = ctx.era
    return {
        "format": UNSIGNED_FORMAT,
        "network": network,
        "genesis_hash": "0x" + ctx.genesis_hash.hex(),
        "spec_name": runtime.spec_name,
        "spec_version": ctx.spec_version,
        "transaction_version": ctx.transaction_version,
        "signer": encode_address(sender_key),
        "call": {"hex": "0x" + call.hex(), "pallet": decoded.pallet, "function": decoded.function,
                 "args": {a.name: _jsonable(a.value) for a in decoded.args}},
        "nonce": ctx.nonce,
        "tip": ctx.tip,
        "era": None if era is None else {
            "period": era.period, "phase": era.phase, "hex": "0x" + era.encode().hex(),
            "anchor_block": ctx.era_block_number, "birth_block_hash": "0x" + ctx.era_block_hash.hex(),
            "valid_until": ctx.valid_until(),
        },
        "metadata_hash": {"mode": 0, "hash": None} if ctx.metadata_hash is None else
        {"mode": 1, "hash": "0x" + ctx.metadata_hash.hex()},
        "payload": "0x" + payload.hex(),
        "summary": summary,
    } | ({} if metadata_v15 is None or ctx.metadata_hash is None else {"metadata_v15": "0x" + metadata_v15.hex()})


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


def check_unsigned(doc: Any, runtime: Runtime | None = None, metadata_path: Path | None = None) -> OfflineTx:
    """Verify an unsigned document offline: call decodes, payload matches the fields. No network.

    A mode-1 document (CheckMetadataHash enabled) is decoded with V15 metadata -- `metadata_path`, else the
    one in the file -- whose digest is recomputed here and must equal the document's: the chain rejects a
    signature over any other digest, so the call shown is the call the chain will run. Mode-0 documents
    are decoded with `metadata_path` or the bundled V14 metadata (nothing on chain checks those).

    Raises:
        WalletError: invalid_document, runtime_mismatch, payload_mismatch, metadata_missing,
            metadata_unreadable, metadata_hash_mismatch.
    """
    if not isinstance(doc, dict) or doc.get("format") not in (UNSIGNED_FORMAT, SIGNED_FORMAT):
        raise WalletError("invalid_document", f"not a tao-wallet transaction file (expected format {UNSIGNED_FORMAT})")
    source = ""
    try:
        mode, digest = _doc_metadata_hash(doc)
        if runtime is None and mode == 1:
            runtime, source = _hashed_runtime_for(doc, digest, metadata_path)
        runtime = runtime or bundled_runtime(int(doc["spec_version"]), metadata_path)
        if runtime.transaction_version != int(doc["transaction_version"]):
            raise WalletError("runtime_mismatch", "transaction_version differs from the metadata's")
        call = _hex(doc["call"]["hex"], None, "call")
        ctx = _context_from_doc(doc)
        decoded = runtime.decode_call(call)
        payload = signing_payload(runtime, call, ctx)
    except (KeyError, TypeError, ValueError) as exc:
        raise WalletError("invalid_document", f"transaction file is missing or has a bad field: {exc}") from None
    except RuntimeMetadataError as exc:
        raise WalletError("invalid_document", str(exc)) from None
    if payload != _hex(doc.get("payload"), None, "payload"):
        raise WalletError(
            "payload_mismatch",
            "the payload in the file does not match its call and parameters; refusing to sign (the file may "
            "have been tampered with or built by incompatible software)",
        )
    decode_address(str(doc.get("signer", "")))
    return OfflineTx(doc, decoded, payload, ctx, source)


def _hashed_runtime_for(doc: dict[str, Any], digest: bytes | None,
                        metadata_path: Path | None) -> tuple[Runtime, str]:
    """The runtime to decode a mode-1 document with (derived from V15 metadata whose digest must be the
    document's), and where the metadata came from."""
    if metadata_path is not None:
        source = str(metadata_path)
        try:
            blob = bytes.fromhex(metadata_path.read_text().strip().removeprefix("0x"))
        except (OSError, ValueError) as exc:
            raise WalletError("metadata_unreadable", f"cannot load metadata {metadata_path}: {exc}") from None
    elif doc.get("metadata_v15"):
        source = "the file"
        blob = _hex(doc["metadata_v15"], None, "metadata_v15")
    else:
        raise WalletError("metadata_missing", "the transaction commits to the chain's metadata hash (mode 1) but "
                          "the file carries no V15 metadata; pass --metadata with the chain's V15 metadata")
    spec_version, spec_name = int(doc["spec_version"]), str(doc.get("spec_name", ""))
    try:
        hashed = hashed_runtime(blob)
    except MetadataHashError as exc:
        raise WalletError("metadata_unreadable", f"cannot use the metadata from {source}: {exc}") from None
    if (hashed.runtime.spec_version, hashed.runtime.spec_name) != (spec_version, spec_name):
        raise WalletError("runtime_mismatch", f"the metadata from {source} is runtime {hashed.runtime.spec_name} "
                          f"spec {hashed.runtime.spec_version}, the transaction was built for {spec_name} spec "
                          f"{spec_version}")
    _check_digest(hashed.digest, digest, source)
    return hashed.runtime, source


def _check_digest(computed: bytes, digest: bytes | None, source: str) -> None:
    if computed != digest:
        raise WalletError(
            "metadata_hash_mismatch",
            f"the metadata from {source} hashes to 0x{computed.hex()}, but the transaction commits to "
            f"0x{(digest or b'').hex()}; refusing to sign: the call could have been decoded with altered "
            "metadata (the chain would reject the signature anyway)",
        )


def sign_unsigned(checked: OfflineTx, signer: ExternalSigner) -> dict[str, Any]:
    """Sign a checked unsigned document; returns the signed document (with the encoded extrinsic)."""
    if signer.public_key != decode_address(checked.doc["signer"]):
        raise WalletError("wrong_signer",
                          f"this transaction must be signed by {checked.doc['signer']}, not by the unlocked wallet")
    signature = signer.sign(bytes_to_sign(checked.payload))
    return _signed_doc(checked, signer, signature)


def _signed_doc(checked: OfflineTx, signer: ExternalSigner, signature: bytes) -> dict[str, Any]:
    doc = dict(checked.doc)
    doc["format"] = SIGNED_FORMAT
    doc["signature"] = {"scheme": signer.scheme.value, "public_key": "0x" + signer.public_key.hex(),
                        "signature": "0x" + signature.hex()}
    return doc


def finalize_signed(doc: dict[str, Any], runtime: Runtime) -> bytes:
    """The extrinsic bytes of a signed document, assembled with `runtime` after re-checking the payload."""
    checked = check_unsigned(doc, runtime)
    sig = doc.get("signature")
    if not isinstance(sig, dict):
        raise WalletError("invalid_document", "the file is not signed (no signature); run `tao-wallet tx sign` first")
    try:
        scheme = CryptoScheme(sig["scheme"])
    except (KeyError, ValueError):
        raise WalletError("invalid_document", "unknown signature scheme in the file") from None
    public_key = _hex(sig.get("public_key"), 32, "public key")
    if public_key != decode_address(doc["signer"]):
        raise WalletError("invalid_document", "the signature's public key is not the signer's")
    return encode_signed_extrinsic(runtime, _hex(doc["call"]["hex"], None, "call"), checked.context,
                                   public_key, scheme, _hex(sig.get("signature"), 64, "signature"))


def _check_chain_digest(client: ChainClient, runtime: Runtime, doc: dict[str, Any]) -> None:
    """Refuse to send a mode-1 transaction signed over another digest than the chain's (it would fail as
    a bad signature); when the node serves no V15 metadata the chain alone decides."""
    mode, digest = _doc_metadata_hash(doc)
    if mode == 0:
        return
    with chain_errors():
        found = _online_metadata(client, runtime)
    if found is not None and found.digest != digest:
        raise WalletError("metadata_hash_mismatch", f"the transaction was signed over metadata hash "
                          f"0x{(digest or b'').hex()}, the chain's is 0x{found.digest.hex()}: it would be "
                          "rejected as a bad signature; build and sign it again")


def submit_signed(runner: TxRunner, doc: Any, *, on_status: StatusCallback | None = None,
                  wait_for: str = "finalized") -> TxStatusView:
    """Check a signed document against the live chain and submit it.

    Raises:
        WalletError: wrong_network, runtime_upgraded, expired, nonce_used, transaction_rejected, ...
    """
    if not isinstance(doc, dict) or doc.get("format") != SIGNED_FORMAT:
        raise WalletError("invalid_document", "not a signed tao-wallet transaction (run `tao-wallet tx sign` first)")
    with chain_errors():
        client = runner.chain.client
        runtime = client.runtime()
        genesis = client.genesis_hash
        best = client.best_block().number
    if "0x" + genesis.hex() != doc.get("genesis_hash"):
        raise WalletError("wrong_network", f"the transaction was built for another chain than {runner.chain.profile.name}")
    if runtime.spec_version != int(doc["spec_version"]):
        raise WalletError("runtime_upgraded", f"the chain now runs spec {runtime.spec_version}, the transaction "
                          f"was built for {doc['spec_version']}; build and sign it again")
    extrinsic = finalize_signed(doc, runtime)
    _check_chain_digest(client, runtime, doc)
    era = doc.get("era")
    valid_until = None if era is None else int(era["valid_until"])
    if valid_until is not None and best >= valid_until:
        raise WalletError("expired", f"the transaction expired at block #{valid_until} (now #{best}); "
                          "build and sign it again")
    with chain_errors():
        chain_nonce = client.next_nonce(decode_address(doc["signer"]))
    if chain_nonce > int(doc["nonce"]):
        pending = extrinsic in client.pending_extrinsics()
        if not pending:
            raise WalletError("nonce_used", f"nonce {doc['nonce']} was already used by the signer (next is "
                              f"{chain_nonce}): this or another transaction went through; nothing was sent")
    logger.info("submitting offline-signed %s", extrinsic_hash(extrinsic).hex())
    return runner.submit(extrinsic, valid_until, on_status=on_status, wait_for=wait_for,
                         signer_key=decode_address(doc["signer"]), nonce=int(doc["nonce"]),
                         summary=str(doc.get("summary") or ""))
