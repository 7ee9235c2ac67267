"""A previewed transaction: the call that will be signed plus what the user is shown before confirming.

Shared by staking and registration. `preview_call` asks the chain for the fee of the exact call, so
the preview shows what will be charged; nothing is signed until `send`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from node.client.extrinsic import ExternalSigner, fee_probe_extrinsic
from node.client.runtime import RuntimeMetadataError
from tao_wallet.models import StakeQuoteView, TxPreviewView, TxStatusView
from tao_wallet.services.chain import ChainService, chain_errors, encode_address, format_tao, rao_to_tao
from tao_wallet.services.errors import WalletError
from tao_wallet.services.tx import TxRunner


@dataclass(frozen=True)
class PreparedTx:
    """A previewed call from `signer_key`; sign and submit it with `send_prepared`."""

    preview: TxPreviewView
    signer_key: bytes
    call: bytes
    mev_shield: bool = False
    """Send it encrypted through MevShield (set with `with_mev_protection`, so the preview says so)."""


MEV_LABEL = "MEV protection"
MEV_ON = "on (encrypted for the next block author)"


def with_mev_protection(prepared: PreparedTx, on: bool) -> PreparedTx:
    """`prepared` to be sent with (or without) MEV protection, with a preview row saying which."""
    details = (*prepared.preview.details, (MEV_LABEL, MEV_ON if on else "off"))
    return replace(prepared, preview=replace(prepared.preview, details=details), mev_shield=on)


def account_arg(key: bytes) -> str:
    """An AccountId call argument."""
    return "0x" + key.hex()


def compose(chain: ChainService, pallet: str, function: str, args: dict[str, Any]) -> bytes:
    """Encode a call with the chain's metadata (argument names come from the runtime)."""
    with chain_errors():
        runtime = chain.client.runtime()
    try:
        return runtime.compose_call(pallet, function, args)
    except RuntimeMetadataError as exc:
        raise WalletError("runtime_mismatch", f"this chain's runtime cannot encode {pallet}.{function}: {exc}") from None


def preview_call(chain: ChainService, signer_key: bytes, call: bytes, *, action: str, destination: str,
                 details: tuple[tuple[str, str], ...] = (), quote: StakeQuoteView | None = None,
                 warnings: tuple[str, ...] = (), spend_rao: int = 0) -> PreparedTx:
    """Fee from the chain for `call`, checked against the free balance (plus `spend_rao` TAO leaving it).

    Raises:
        WalletError: "insufficient_balance" when free balance cannot pay `spend_rao` plus the fee.
    """
    with chain_errors():
        client = chain.client
        runtime = client.runtime()
        ctx = client.signing_context(client.next_nonce(signer_key))
        fee = client.query_fee(fee_probe_extrinsic(runtime, call, ctx, signer_key)).partial_fee
        free = client.account(signer_key).free
        summary = runtime.decode_call(call).summary(encode_address)
    if spend_rao + fee > free:
        need = f"{format_tao(rao_to_tao(spend_rao))} plus fee " if spend_rao else "the fee "
        raise WalletError("insufficient_balance", f"{need}{format_tao(rao_to_tao(fee))} is more than the free "
                          f"balance {format_tao(rao_to_tao(free))}")
    preview = TxPreviewView(
        network=chain.profile.name, action=action, signer=encode_address(signer_key), call=summary,
        fee=rao_to_tao(fee), fee_rao=fee, destination=destination,
        details=(*details, ("Free balance", format_tao(rao_to_tao(free)))), quote=quote, warnings=warnings,
    )
    return PreparedTx(preview, signer_key, call)


def send_prepared(runner: TxRunner, prepared: PreparedTx, signer: ExternalSigner, *,
                  on_status: Callable[[TxStatusView], None] | None = None,
                  wait_for: str = "finalized", mev_shield: bool = False) -> TxStatusView:
    """Sign with `signer` (must be the previewed signer) and follow to `wait_for`.

    `mev_shield` (or `prepared.mev_shield`) submits it encrypted through the chain's MevShield
    (tao_wallet.services.mev_shield).
    """
    if signer.public_key != prepared.signer_key:
        raise WalletError("wrong_signer", "the unlocked key is not the signer of this transaction")
    if mev_shield or prepared.mev_shield:
        from tao_wallet.services.mev_shield import sign_and_submit_shielded

        view = sign_and_submit_shielded(runner, prepared.call, signer, on_status=on_status, wait_for=wait_for)
    else:
        view = runner.sign_and_submit(prepared.call, signer, on_status=on_status, wait_for=wait_for)
    return with_advice(view)


#: What to do next for chain errors staking users meet; the chain's own docs say only what went wrong.
ADVICE = {
    "SlippageTooHigh": "the price moved past your limit before it executed; nothing but the fee was charged. "
                       "Get a fresh quote, or raise the tolerance / allow a partial fill",
    "PriceLimitExceeded": "the pool price was already past your limit when it executed; nothing but the fee was "
                          "charged. Get a fresh quote, or raise the tolerance",
    "NotEnoughBalanceToStake": "your free balance no longer covers the amount; stake less",
    "NotEnoughStakeToWithdraw": "you hold less alpha than requested now; refresh the portfolio and unstake less",
    "AmountTooLow": "the amount is below the chain's minimum stake; use a larger amount",
    "StakingRateLimitExceeded": "one stake change per hotkey/subnet per block is allowed; wait a block and retry",
    "HotKeyAlreadyRegisteredInSubNet": "this hotkey already has a uid on the subnet; nothing to do",
    "TooManyRegistrationsThisBlock": "the subnet's registrations for this block are used up; retry next block",
    "TooManyRegistrationsThisInterval": "the subnet's registrations for this interval are used up; retry later",
    "NetworkTxRateLimitExceeded": "subnet creation is rate-limited; wait and retry",
    "DelegateTxRateLimitExceeded": "take increases are rate-limited; wait and retry",
    "NonAssociatedColdKey": "this hotkey belongs to another coldkey",
    "SubnetNotExists": "that subnet does not exist (any more); check `subnets list`",
    "HotKeyAccountNotExists": "the chain does not know this hotkey; check the address",
}


def with_advice(view: TxStatusView) -> TxStatusView:
    """Add what to do next for known dispatch errors the chain-level hint does not cover."""
    if view.error is None or view.hint:
        return view
    name = view.error.split(":", 1)[0].rsplit(".", 1)[-1]
    advice = ADVICE.get(name)
    return replace(view, hint=advice) if advice else view


def decimal_text(value: Decimal, unit: str) -> str:
    """`1.5 α` style amounts for preview rows."""
    text = f"{value:.9f}".rstrip("0").rstrip(".")
    return f"{text} {unit}"
