"""Transfers: amount parsing, the address book, preview with the chain's fee, then sign and follow.

The flow is always preview -> explicit confirm (the caller's job) -> `send`. Every refusal is a
WalletError with a specific code and message, raised before anything is signed.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from node.client.extrinsic import ExternalSigner, fee_probe_extrinsic
from tao_wallet.models import TransferPreview, TxStatusView
from tao_wallet.paths import config_dir
from tao_wallet.services.chain import (
    ChainService,
    chain_errors,
    decode_address,
    encode_address,
    format_tao,
    rao_to_tao,
    tao_to_rao,
)
from tao_wallet.services.errors import WalletError
from tao_wallet.services.tx import TxRunner

logger = logging.getLogger(__name__)

MODES = ("keep_alive", "allow_death", "all")
#: Balances are u64 rao on subtensor: nothing above this can be sent (total supply is 21M TAO anyway).
MAX_TAO = Decimal(2**64 - 1).scaleb(-9)
_NAME_RE = re.compile(r"^[A-Za-z0-9_.\- ]{1,64}$")


def parse_amount(text: str) -> Decimal:
    """Parse a TAO amount exactly.

    Raises:
        WalletError: "invalid_amount" for non-numbers, NaN/infinity, negative, zero, or more than 9 decimals.
    """
    raw = text.strip().replace("_", "")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise WalletError("invalid_amount", f"{text!r} is not a number; give the amount in TAO, e.g. 1.5") from None
    if not amount.is_finite():
        raise WalletError("invalid_amount", f"{text!r} is not a finite amount")
    if amount < 0:
        raise WalletError("invalid_amount", f"amount must be positive, got {text.strip()}")
    if amount == 0:
        raise WalletError("invalid_amount", "amount must be greater than zero")
    if amount > MAX_TAO:
        raise WalletError("invalid_amount", f"{text.strip()} TAO is more than can exist (at most {MAX_TAO} TAO)")
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -9:
        raise WalletError(
            "invalid_amount",
            f"{text.strip()} has {-exponent} decimal places; TAO has at most 9 (1 rao = 0.000000001 TAO)",
        )
    return amount


class AddressBook:
    """Named addresses in config_dir()/address_book.json ({"name": "ss58", ...}); written atomically."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / "address_book.json"

    def entries(self) -> dict[str, str]:
        """All names and addresses.

        Raises:
            WalletError: "address_book_corrupt" when the file is not the expected JSON object.
        """
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError) as exc:
            raise WalletError("address_book_corrupt", f"cannot read {self.path}: {exc}") from None
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise WalletError("address_book_corrupt", f"{self.path} must map names to addresses")
        return {str(k): v for k, v in data.items()}

    def add(self, name: str, address: str) -> None:
        """Add or replace a name (the address is checksum-verified first)."""
        if not _NAME_RE.match(name):
            raise WalletError("invalid_name", f"address-book name {name!r} must be 1-64 letters, digits, _ . - or space")
        key = decode_address(address)
        entries = self.entries()
        entries[name] = encode_address(key)
        self._write(entries)

    def remove(self, name: str) -> None:
        """Delete a name."""
        entries = self.entries()
        if name not in entries:
            raise WalletError("not_found", f"{name!r} is not in the address book")
        del entries[name]
        self._write(entries)

    def _write(self, entries: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(entries, indent=2, sort_keys=True) + "\n")
        os.replace(tmp, self.path)

    def resolve(self, text: str) -> tuple[bytes, str | None]:
        """(public key, name) for an address-book name or an SS58 address.

        Raises:
            WalletError: "invalid_address" when it is neither a known name nor a valid address.
        """
        entries = self.entries()
        if text in entries:
            return decode_address(entries[text]), text
        if text.strip().startswith("5") or len(text.strip()) >= 46:
            return decode_address(text), None
        raise WalletError(
            "invalid_address",
            f"{text!r} is neither an address-book name nor an SS58 address"
            + (f" (known names: {', '.join(sorted(entries))})" if entries else ""),
        )


@dataclass(frozen=True)
class PreparedTransfer:
    """A previewed transfer: what the user sees plus the exact call that will be signed."""

    preview: TransferPreview
    sender_key: bytes
    call: bytes


class TransferService:
    """Preview and send transfers on one network."""

    def __init__(self, chain: ChainService, address_book: AddressBook | None = None,
                 runner: TxRunner | None = None) -> None:
        self.chain = chain
        self.address_book = address_book or AddressBook()
        self.runner = runner or TxRunner(chain)

    def prepare(self, sender: str, dest: str, amount: str | None, mode: str = "keep_alive") -> PreparedTransfer:
        """Validate everything and build the preview (fee from the chain). Nothing is signed.

        Raises:
            WalletError: invalid_address, invalid_amount, insufficient_balance, below_existential_deposit,
                would_reap_sender, network_unreachable, ...
        """
        if mode not in MODES:
            raise WalletError("invalid_mode", f"mode must be one of {', '.join(MODES)}")
        sender_key = decode_address(sender)
        dest_key, label = self.address_book.resolve(dest)
        if mode == "all":
            if amount is not None:
                raise WalletError("invalid_amount", "--all sends the whole balance; do not give --amount with it")
        elif amount is None:
            raise WalletError("invalid_amount", "give --amount (in TAO), or --all to send everything")
        value = parse_amount(amount) if amount is not None else None
        with chain_errors():
            client = self.chain.client
            runtime = client.runtime()
            ed = client.existential_deposit()
            sender_acc = client.account(sender_key)
            dest_acc = client.account(dest_key)
            dest_hex = "0x" + dest_key.hex()
            if mode == "all":
                call = runtime.compose_call("Balances", "transfer_all", {"dest": dest_hex, "keep_alive": False})
            else:
                assert value is not None
                function = "transfer_keep_alive" if mode == "keep_alive" else "transfer_allow_death"
                call = runtime.compose_call("Balances", function, {"dest": dest_hex, "value": tao_to_rao(value)})
            ctx = client.signing_context(client.next_nonce(sender_key))
            fee = client.query_fee(fee_probe_extrinsic(runtime, call, ctx, sender_key)).partial_fee
            decoded = runtime.decode_call(call)
        free = sender_acc.free
        warnings: list[str] = []
        if mode == "all":
            amount_rao = free - fee
            if amount_rao <= 0:
                raise WalletError("insufficient_balance",
                                  f"free balance {format_tao(rao_to_tao(free))} does not cover the fee "
                                  f"{format_tao(rao_to_tao(fee))}")
            warnings.append("sends everything: the sender account will be emptied and closed")
        else:
            amount_rao = tao_to_rao(value) if value is not None else 0
            if amount_rao + fee > free:
                raise WalletError(
                    "insufficient_balance",
                    f"amount {format_tao(rao_to_tao(amount_rao))} plus fee {format_tao(rao_to_tao(fee))} is more "
                    f"than the free balance {format_tao(rao_to_tao(free))}",
                )
            remaining = free - amount_rao - fee
            if remaining < ed:
                if mode == "keep_alive":
                    raise WalletError(
                        "would_reap_sender",
                        f"this would leave {format_tao(rao_to_tao(remaining))}, below the existential deposit "
                        f"{format_tao(rao_to_tao(ed))}; send less, or use --allow-death to close the account",
                    )
                if remaining > 0:
                    warnings.append(
                        f"the remaining {format_tao(rao_to_tao(remaining))} is below the existential deposit "
                        "and will be lost when the account is closed"
                    )
        if dest_acc.free + dest_acc.reserved == 0 and amount_rao < ed:
            raise WalletError(
                "below_existential_deposit",
                f"the destination account does not exist yet and {format_tao(rao_to_tao(amount_rao))} is below "
                f"the existential deposit {format_tao(rao_to_tao(ed))}; send at least that much",
            )
        if dest_acc.free + dest_acc.reserved == 0:
            warnings.append("the destination account is new (empty) on this network")
        if dest_key == sender_key:
            warnings.append("the destination is the sender itself")
        preview = TransferPreview(
            network=self.chain.profile.name, sender=encode_address(sender_key), dest=encode_address(dest_key),
            dest_label=label, mode=mode, amount=rao_to_tao(amount_rao), amount_rao=amount_rao,
            fee=rao_to_tao(fee), fee_rao=fee, call=decoded.summary(encode_address), sender_free=rao_to_tao(free),
            existential_deposit=rao_to_tao(ed), warnings=tuple(warnings),
        )
        return PreparedTransfer(preview, sender_key, call)

    def send(self, prepared: PreparedTransfer, signer: ExternalSigner, *,
             on_status: Callable[[TxStatusView], None] | None = None,
             wait_for: str = "finalized") -> TxStatusView:
        """Sign (through `signer`) and submit a prepared transfer, following it to `wait_for`."""
        if signer.public_key != prepared.sender_key:
            raise WalletError("wrong_signer", "the unlocked key is not the sender of this transfer")
        return self.runner.sign_and_submit(prepared.call, signer, on_status=on_status, wait_for=wait_for)
