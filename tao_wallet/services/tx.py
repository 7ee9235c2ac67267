"""Signing and submitting transactions: online (TxRunner) and offline/air-gapped (build -> sign -> submit).

Offline documents are JSON. `build_unsigned` runs online and records everything the signature commits
to plus a human summary; `sign_unsigned` runs with no network: it decodes the call from the bundled
metadata, recomputes the signing payload from the recorded fields and refuses if it differs from the
document's payload (so a tampered payload cannot hide behind an innocent summary); `submit_signed`
checks the document still fits the chain (genesis, runtime, era, nonce) before sending it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from node.client.client import ChainClient
from node.client.era import MortalEra
from node.client.errors import TransactionRejectedError
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
from node.client.nonces import NonceTracker
from node.client.runtime import DecodedCall, Runtime, RuntimeMetadataError
from node.client.submission import Submission, TxPhase, TxState
from tao_wallet.models import TxEventView, TxStatusView
from tao_wallet.paths import ASSETS, data_dir
from tao_wallet.services.chain import ChainService, chain_errors, decode_address, encode_address, rao_to_tao
from tao_wallet.services.errors import WalletError

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
    """A signer backed by the wallet's coldkey, unlocked now (argon2: ~3 s) and held only by the closure.

    Raises:
        WalletError: wallet_not_found, public_key_only (watch-only), password_required, wrong_password, ...
    """
    from keystore.keypair import CryptoType
    from tao_wallet.services.wallets import translated_errors

    summary = wallets.get(name)
    if summary.watch_only:
        raise WalletError("public_key_only", f"wallet {name!r} is watch-only: it cannot sign")
    with translated_errors():
        from keystore.keyfile import Keyfile

        keyfile = Keyfile(wallets.coldkey_path(name))
        if keyfile.is_encrypted():
            if password is None:
                password = wallets.resolve_password(name, password_file=password_file)
            if password is None:
                raise WalletError("password_required", f"a password is needed to unlock wallet {name!r}")
            keypair = keyfile.load(password)
        else:
            keypair = keyfile.load(None)
    scheme = CryptoScheme.ED25519 if keypair.crypto_type == CryptoType.ED25519 else CryptoScheme.SR25519
    return ExternalSigner(keypair.public_key, scheme, keypair.sign)


class PendingStore:
    """Signed transactions whose fate is not known yet, kept on disk so a restart can re-check them."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or data_dir() / "pending"

    def save(self, network: str, extrinsic: bytes, valid_until: int | None, start_block: int) -> None:
        """Record a transaction before it is sent."""
        self.root.mkdir(parents=True, exist_ok=True)
        record = {"network": network, "extrinsic": "0x" + extrinsic.hex(), "valid_until": valid_until,
                  "start_block": start_block, "saved_at": int(time.time())}
        path = self.root / f"0x{extrinsic_hash(extrinsic).hex()}.json"
        path.write_text(json.dumps(record, indent=2))

    def clear(self, tx_hash: bytes) -> None:
        """Forget a transaction whose outcome is final."""
        (self.root / f"0x{tx_hash.hex()}.json").unlink(missing_ok=True)

    def records(self) -> list[dict[str, Any]]:
        """All pending records (unreadable files are skipped with a log line)."""
        out: list[dict[str, Any]] = []
        for path in sorted(self.root.glob("0x*.json")) if self.root.is_dir() else []:
            try:
                out.append(json.loads(path.read_text()))
            except (OSError, ValueError):
                logger.warning("skipping unreadable pending record %s", path)
        return out


_FINAL_PHASES = {TxPhase.FINALIZED, TxPhase.REJECTED, TxPhase.DROPPED, TxPhase.IN_BLOCK, TxPhase.FAILED}


class TxRunner:
    """Signs with an external signer, tracks nonces across several transactions, submits and follows."""

    def __init__(self, chain: ChainService, pending: PendingStore | None = None) -> None:
        self.chain = chain
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
                extrinsic = sign_extrinsic(runtime, call, ctx, signer)
            except BaseException:
                self.nonces.release(signer.public_key, nonce)
                raise
        return self.submit(extrinsic, ctx.valid_until(), on_status=on_status, wait_for=wait_for,
                           signer_key=signer.public_key, nonce=nonce)

    def submit(self, extrinsic: bytes, valid_until: int | None, *, on_status: StatusCallback | None = None,
               wait_for: str = "finalized", signer_key: bytes | None = None, nonce: int | None = None) -> TxStatusView:
        """Submit signed bytes and follow them; a lost connection is resolved (or left UNKNOWN and kept on disk)."""
        callback = None if on_status is None else (lambda st: on_status(state_view(st)))
        submission = Submission(self.watcher(), extrinsic, valid_until=valid_until, on_status=callback)
        with chain_errors():
            start = self.chain.client.best_block().number
        self.pending.save(self.chain.profile.name, extrinsic, valid_until, start)
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
        if state.phase in _FINAL_PHASES:
            self.pending.clear(submission.tx_hash)
        return state_view(state)

    def recheck_pending(self, *, on_status: StatusCallback | None = None, resend: bool = False) -> list[TxStatusView]:
        """Resolve every transaction left UNKNOWN by an earlier lost connection on this network.

        Args:
            resend: re-send those found nowhere (neither in a block nor in the pool) while still valid:
                the identical signed bytes, so the nonce lets them execute at most once.
        """
        views = []
        for record in self.pending.records():
            if record.get("network") != self.chain.profile.name:
                continue
            extrinsic = bytes.fromhex(str(record["extrinsic"])[2:])
            callback = None if on_status is None else (lambda st: on_status(state_view(st)))
            submission = Submission(self.watcher(), extrinsic, valid_until=record.get("valid_until"),
                                    on_status=callback)
            submission.start_block = int(record.get("start_block", 0))
            with chain_errors():
                state = submission.resolve(wait_for="in_block", resubmit=resend)
            if state.phase in _FINAL_PHASES:
                self.pending.clear(submission.tx_hash)
            views.append(state_view(state))
        return views


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


def _context_from_doc(doc: dict[str, Any]) -> SigningContext:
    era = doc["era"]
    mortal = None if era is None else MortalEra(int(era["period"]), int(era["phase"]))
    mh = doc.get("metadata_hash") or {}
    return SigningContext(
        genesis_hash=_hex(doc["genesis_hash"], 32, "genesis_hash"), spec_version=int(doc["spec_version"]),
        transaction_version=int(doc["transaction_version"]), nonce=int(doc["nonce"]), era=mortal,
        era_block_number=0 if era is None else int(era["anchor_block"]),
        era_block_hash=_hex(doc["genesis_hash"] if era is None else era["birth_block_hash"], 32, "era block hash"),
        tip=int(doc.get("tip", 0)),
        metadata_hash=None if not mh.get("hash") else _hex(mh["hash"], 32, "metadata hash"),
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


def build_unsigned(chain: ChainService, sender: str, call: bytes, summary: str,
                   nonce: int | None = None) -> dict[str, Any]:
    """The unsigned document for `call` from `sender` (online: nonce, era, versions come from the chain)."""
    sender_key = decode_address(sender)
    with chain_errors():
        client = chain.client
        runtime = client.runtime()
        ctx = client.signing_context(client.next_nonce(sender_key) if nonce is None else nonce)
    return unsigned_document(runtime, ctx, sender_key, call, summary, chain.profile.name)


def unsigned_document(runtime: Runtime, ctx: SigningContext, sender_key: bytes, call: bytes, summary: str,
                      network: str) -> dict[str, Any]:
    """The unsigned document from its parts (no network): what `tx sign` checks and signs."""
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
        "metadata_hash": {"mode": 0, "hash": None},
        "payload": "0x" + payload.hex(),
        "summary": summary,
    }


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

    Raises:
        WalletError: invalid_document, runtime_mismatch, payload_mismatch.
    """
    if not isinstance(doc, dict) or doc.get("format") not in (UNSIGNED_FORMAT, SIGNED_FORMAT):
        raise WalletError("invalid_document", f"not a tao-wallet transaction file (expected format {UNSIGNED_FORMAT})")
    try:
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
    return OfflineTx(doc, decoded, payload, ctx)


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
    return runner.submit(extrinsic, valid_until, on_status=on_status, wait_for=wait_for)
