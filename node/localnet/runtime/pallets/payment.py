"""pallet_transaction_payment's storage (the fee logic lives in the executive)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from node.localnet.runtime.pallet import Pallet
from node.localnet.runtime.state import State

if TYPE_CHECKING:
    from node.localnet.genesis import GenesisConfig


class TransactionPayment(Pallet):
    """NextFeeMultiplier stays at its metadata default (1.0): subtensor uses a constant multiplier."""

    name = "TransactionPayment"

    def build_genesis(self, state: State, config: GenesisConfig) -> None:
        """Write the multiplier explicitly, as a real genesis does."""
        entry = state.entry("TransactionPayment", "NextFeeMultiplier")
        state.set_raw(entry.prefix, entry.default)
