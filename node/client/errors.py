"""Chain errors in plain words: dispatch errors decoded from the metadata, RPC rejections, lost connections."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from node.client.runtime import Runtime, RuntimeMetadataError

#: What to do next, for the errors users actually hit. Keyed by "Pallet.Error" or "Kind.Variant".
HINTS: dict[str, str] = {
    "Balances.InsufficientBalance": "The account does not hold enough free TAO for the amount plus the fee; "
    "send less or fund the account first.",
    "Balances.ExistentialDeposit": "The amount is below the existential deposit, so the destination account "
    "would not be created; send at least the existential deposit.",
    "Balances.Expendability": "This would take the sender below the existential deposit and close it; send "
    "less, or use --allow-death / --all if closing the account is intended.",
    "Balances.KeepAlive": "This would take the sender below the existential deposit; send less, or use "
    "--allow-death if closing the account is intended.",
    "Balances.LiquidityRestrictions": "Part of the balance is locked or frozen (e.g. staked); send less.",
    "Token.FundsUnavailable": "The account does not have that much free balance; send less or fund it first.",
    "Token.BelowMinimum": "The amount is below the existential deposit for the destination; send more.",
    "Token.NotExpendable": "This would close the sender's account; send less or use --allow-death.",
    "Token.CannotCreate": "The destination account cannot be created with this amount.",
    "Other.BadOrigin": "The call needs a different signer (e.g. the root/sudo key or the owner).",
    "SubtensorModule.NotEnoughBalanceToStake": "The coldkey's free balance is too low for this stake; stake less.",
    "SubtensorModule.HotKeyAccountNotExists": "The hotkey is not registered anywhere; check the hotkey address.",
    "SubtensorModule.SubNetworkDoesNotExist": "That subnet does not exist; check the netuid.",
    "SubtensorModule.TxRateLimitExceeded": "Rate limited: wait a few blocks and try again.",
    "invalid.Payment": "The account cannot pay the transaction fee; fund it first.",
    "invalid.Stale": "The nonce was already used (this or another transaction went through); refresh and retry.",
    "invalid.Future": "The nonce is ahead of the account's; an earlier transaction is missing.",
    "invalid.BadProof": "The signature does not match (wrong key, or built for another chain or runtime).",
    "invalid.AncientBirthBlock": "The transaction's validity window has passed; build and sign it again.",
}


#: Plain descriptions of sp_runtime's generic errors, used when the metadata carries no docs for them.
GENERIC_DOCS: dict[str, str] = {
    "Token.FundsUnavailable": "Funds are unavailable.",
    "Token.OnlyProvider": "The account would be destroyed but something else still depends on it.",
    "Token.BelowMinimum": "The resulting balance would be below the existential deposit.",
    "Token.CannotCreate": "The account cannot be created.",
    "Token.UnknownAsset": "The asset does not exist.",
    "Token.Frozen": "The funds are frozen.",
    "Token.Unsupported": "The operation is not supported for this asset.",
    "Token.NotExpendable": "The account would be closed, which this operation does not allow.",
    "Token.Blocked": "The account is blocked from receiving.",
    "Arithmetic.Underflow": "An amount would go below zero.",
    "Arithmetic.Overflow": "An amount would exceed the largest representable value.",
    "Arithmetic.DivisionByZero": "Division by zero.",
    "Other.BadOrigin": "The signer is not allowed to make this call.",
    "Other.CannotLookup": "An account lookup failed.",
    "Other.Exhausted": "The block is full (resources exhausted); try again.",
    "Other.Corruption": "The chain state is inconsistent.",
    "Other.Unavailable": "A resource is temporarily unavailable; try again.",
}


class ChainClientError(Exception):
    """Base of every error the chain client raises; messages are meant for users."""


class NoEndpointError(ChainClientError):
    """None of the configured endpoints answered."""


class ConnectionLostError(ChainClientError):
    """The WebSocket closed or timed out during a request."""


@dataclass(frozen=True)
class DispatchErrorInfo:
    """A decoded `DispatchError`.

    Attributes:
        kind: "Module", "Token", "Arithmetic", "BadOrigin", ...
        pallet / name: for module errors the pallet and error name, else the variant names.
        docs: the metadata's documentation of the error.
        hint: what to do next, when known.
    """

    kind: str
    pallet: str
    name: str
    docs: str
    hint: str

    def message(self) -> str:
        """`Balances.InsufficientBalance: Balance too low to send value.` plus the hint."""
        text = f"{self.pallet}.{self.name}"
        if self.docs:
            text += f": {self.docs}"
        if self.hint:
            text += f" {self.hint}"
        return text


class TransactionRejectedError(ChainClientError):
    """The node refused the transaction at submission (it was never included; nothing was charged)."""

    def __init__(self, code: int, message: str, data: str, hint: str) -> None:
        super().__init__(f"transaction rejected by the node ({code}): {message}"
                         + (f" - {data}" if data else "") + (f". {hint}" if hint else ""))
        self.code = code
        self.reason = message
        self.data = data
        self.hint = hint


def explain_dispatch_error(runtime: Runtime, error: Any) -> DispatchErrorInfo:
    """Turn a decoded DispatchError value (as scalecodec renders it) into plain words."""
    if isinstance(error, dict) and "Module" in error:
        module = error["Module"]
        raw = module.get("error")
        if isinstance(raw, str):
            err_index = bytes.fromhex(raw[2:])[0]
        elif isinstance(raw, (bytes, list, tuple)):
            err_index = int(raw[0])
        else:
            err_index = int(raw)
        info = runtime.module_error(int(module["index"]), err_index)
        return DispatchErrorInfo(
            "Module", info.pallet, info.name, info.docs, HINTS.get(f"{info.pallet}.{info.name}", "")
        )
    if isinstance(error, dict) and len(error) == 1:
        kind, detail = next(iter(error.items()))
        name = str(detail) if detail is not None else kind
        docs = _variant_docs(runtime, ("sp_runtime", f"{kind}Error"), name) or GENERIC_DOCS.get(f"{kind}.{name}", "")
        return DispatchErrorInfo(kind, kind, name, docs, HINTS.get(f"{kind}.{name}", ""))
    name = str(error)
    docs = _variant_docs(runtime, ("sp_runtime", "DispatchError"), name) or GENERIC_DOCS.get(f"Other.{name}", "")
    return DispatchErrorInfo(name, "Other", name, docs, HINTS.get(f"Other.{name}", ""))


def _variant_docs(runtime: Runtime, path: tuple[str, ...], variant: str) -> str:
    """Docs of an enum variant from the metadata (TokenError::FundsUnavailable...), or ""."""
    try:
        type_id = runtime.find_type(*path)
    except RuntimeMetadataError:
        return ""
    for item in runtime.type_def(type_id)["def"].get("variant", {}).get("variants", []):
        if item["name"] == variant:
            return " ".join(item["docs"]).strip()
    return ""


def rejection_from_rpc(error: Any) -> TransactionRejectedError:
    """Build a rejection from a JSON-RPC error object `{code, message, data}`."""
    if not isinstance(error, dict):
        return TransactionRejectedError(0, str(error), "", "")
    code = int(error.get("code", 0))
    message = str(error.get("message", ""))
    data = str(error.get("data", "") or "")
    hint = ""
    lowered = f"{message} {data}".lower()
    for needle, key in (
        ("pay", "invalid.Payment"),
        ("outdated", "invalid.Stale"),
        ("stale", "invalid.Stale"),
        ("future", "invalid.Future"),
        ("bad signature", "invalid.BadProof"),
        ("badproof", "invalid.BadProof"),
        ("ancient", "invalid.AncientBirthBlock"),
    ):
        if needle in lowered:
            hint = HINTS[key]
            break
    if code == 1012 and not hint:
        hint = "The same transaction is already in the pool or was just included; do not send it again."
    if code == 1014 and not hint:
        hint = "Another transaction with this nonce is pending; wait for it, or raise the tip to replace it."
    return TransactionRejectedError(code, message, data, hint)
