"""MEV protection for our own transactions: submit a call through the chain's MevShield pallet.

As btcli does: the call is signed as usual with nonce n + 1 (the "inner" extrinsic), encrypted with
ML-KEM-768 + XChaCha20-Poly1305 (bittensor-core's ``encrypt_mlkem768``) for ``MevShield.NextKey``, and
wrapped in ``MevShield.submit_encrypted`` signed with nonce n. The block author decrypts the wrapper and
includes the inner extrinsic right after it, so nobody sees the call (amount, hotkey, limit price) before
it is in a block. The outcome shown is the inner extrinsic's (its events, fee and error); the wrapper's
own fee is added to `detail`.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import bittensor_core

from node.client.client import ChainClient
from node.client.errors import ChainClientError
from node.client.extrinsic import ExternalSigner, sign_extrinsic
from node.client.runtime import RuntimeMetadataError
from node.client.submission import Submission, TxPhase
from tao_wallet.models import TxStatusView
from tao_wallet.services.chain import chain_errors, encode_address
from tao_wallet.services.errors import WalletError
from tao_wallet.services.tx import StatusCallback, TxRunner, state_view

logger = logging.getLogger(__name__)

ENC_KEY_LEN = 1184
"""ML-KEM-768 public key length (MevShield.NextKey)."""
SHIELD_ERA_PERIOD = 8
"""btcli's era for shielded transactions: a stale key can keep a wrapper out for at most 8 blocks."""


def next_key(client: ChainClient) -> bytes | None:
    """MevShield.NextKey, or None when the chain has no MevShield pallet or no key announced yet."""
    try:
        client.runtime().storage_entry("MevShield", "NextKey")
    except RuntimeMetadataError:
        return None
    value = client.storage("MevShield", "NextKey")
    if value is None:
        return None
    raw = bytes.fromhex(value[2:]) if isinstance(value, str) else bytes(value)
    return raw if len(raw) == ENC_KEY_LEN else None


def mev_shield_available(client: ChainClient) -> bool:
    """True when the connected chain offers MEV protection (a MevShield.NextKey of the right size)."""
    with chain_errors():
        return next_key(client) is not None


def sign_and_submit_shielded(runner: TxRunner, call: bytes, signer: ExternalSigner, *,
                             on_status: StatusCallback | None = None, wait_for: str = "in_block") -> TxStatusView:
    """Sign `call`, encrypt it for MevShield.NextKey, submit the wrapper and report the inner call's outcome.

    Raises:
        WalletError: ``mev_shield_unavailable`` when the chain offers no key; ``transaction_rejected`` when
            the node refuses the wrapper (as for any transaction).
    """
    with chain_errors():
        client = runner.chain.client
        runtime = client.runtime()
        key = next_key(client)
        if key is None:
            raise WalletError("mev_shield_unavailable", "this chain offers no MEV protection (no MevShield.NextKey); "
                              "submit without it")
        who = signer.public_key
        outer_nonce = runner.nonces.reserve(who)
        inner_nonce = runner.nonces.reserve(who)
        try:
            inner_ctx = client.signing_context(inner_nonce, era_period=SHIELD_ERA_PERIOD)
            inner = sign_extrinsic(runtime, call, inner_ctx, signer)
            blob = bittensor_core.encrypt_mlkem768(key, inner, True)
            wrapper_call = runtime.compose_call("MevShield", "submit_encrypted", {"ciphertext": "0x" + blob.hex()})
            outer_ctx = client.signing_context(outer_nonce, era_period=SHIELD_ERA_PERIOD)
            wrapper = sign_extrinsic(runtime, wrapper_call, outer_ctx, signer)
        except BaseException:
            runner.nonces.release(who, inner_nonce)
            runner.nonces.release(who, outer_nonce)
            raise
    try:
        summary = "MEV-shielded " + runtime.decode_call(call).summary(encode_address)
    except RuntimeMetadataError:
        summary = "MEV-shielded call"
    try:
        outer = runner.submit(wrapper, outer_ctx.valid_until(), on_status=on_status, wait_for=wait_for,
                              signer_key=who, nonce=outer_nonce, summary=summary)
    except WalletError:
        runner.nonces.release(who, inner_nonce)
        raise
    if outer.block_hash is None or outer.block_number is None or outer.success is False:
        runner.nonces.resync(who)
        return outer  # the wrapper itself did not make it (or its outcome is unknown): shown as it is
    return _inner_outcome(runner, who, inner, inner_ctx.valid_until(), outer, wait_for)


def _inner_outcome(runner: TxRunner, who: bytes, inner: bytes, valid_until: int | None, outer: TxStatusView,
                   wait_for: str) -> TxStatusView:
    """Find the decrypted inner extrinsic (the author puts it right after the wrapper) and report it."""
    submission = Submission(runner.watcher(), inner, valid_until=valid_until)
    submission.start_block = int(outer.block_number or 0)
    try:
        with chain_errors():
            state = submission.resolve(wait_for=wait_for, max_wait=5.0)
    except (WalletError, ChainClientError) as exc:
        logger.warning("could not read the shielded transaction's outcome: %s", exc)
        return replace(outer, detail=f"{outer.detail}; the protected call's outcome could not be read ({exc})")
    view = state_view(state)
    wrapper_fee = f" (wrapper {outer.tx_hash[:10]}…, its fee {outer.fee} TAO)" if outer.fee is not None else ""
    if state.phase in (TxPhase.IN_BLOCK, TxPhase.FINALIZED, TxPhase.FAILED):
        return replace(view, detail=view.detail + " via MEV Shield" + wrapper_fee)
    runner.nonces.resync(who)
    return replace(view, phase="failed", success=False,
                   detail="the block author did not include the protected call after its MEV Shield wrapper "
                   f"(in block #{outer.block_number}): the call did not execute; only the wrapper's fee was paid")

