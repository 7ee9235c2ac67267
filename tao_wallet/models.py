"""Frozen domain objects the services hand to the screens. Money is int rao or Decimal TAO, never float.

Screens and the CLI only ever see these, never keystore keypairs or keyfiles.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tao_wallet.wallet_models import (
    HotkeySummary,
    NewKey,
    SignedMessage,
    UnlockResult,
    VerifyResult,
    WalletSummary,
)


@dataclass(frozen=True)
class AccountBalanceView:
    """An account's balance at a block. TAO as Decimal (9 decimals); rao kept for exact arithmetic."""

    address: str
    free: Decimal
    reserved: Decimal
    frozen: Decimal
    free_rao: int
    reserved_rao: int
    block_number: int
    network: str

    @property
    def total(self) -> Decimal:
        """Free plus reserved."""
        return self.free + self.reserved


@dataclass(frozen=True)
class TransferPreview:
    """Everything the user confirms before a transfer is signed."""

    network: str
    sender: str
    dest: str
    dest_label: str | None
    """Address-book name the destination was given as, if any."""
    mode: str
    """"keep_alive", "allow_death" or "all"."""
    amount: Decimal
    """TAO sent; for "all" the amount expected to move (free balance minus fee)."""
    amount_rao: int
    fee: Decimal
    fee_rao: int
    call: str
    """The call as the runtime decodes it, e.g. Balances.transfer_keep_alive(dest=0x.., value=...)."""
    sender_free: Decimal
    existential_deposit: Decimal
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class TxEventView:
    """One event a transaction triggered."""

    pallet: str
    name: str
    fields: str


@dataclass(frozen=True)
class TxStatusView:
    """A transaction's progress: ready -> in block -> finalized, or what went wrong in plain words."""

    phase: str
    """signed, submitting, in_pool, in_block, finalized, rejected, failed, dropped, unknown."""
    tx_hash: str
    detail: str
    block_hash: str | None = None
    block_number: int | None = None
    success: bool | None = None
    error: str | None = None
    """"Pallet.Error: docs" when the call failed."""
    hint: str | None = None
    """What to do next, when known."""
    fee: Decimal | None = None
    events: tuple[TxEventView, ...] = ()


# --- staking, validators, subnets, registration (staking helper) ------------------------------------


@dataclass(frozen=True)
class StakePositionView:
    """Alpha a coldkey holds on one (hotkey, netuid), valued in TAO at the spot price and after slippage."""

    coldkey: str
    hotkey: str
    netuid: int
    subnet_name: str
    alpha: Decimal
    """Alpha units (9 decimals, like TAO)."""
    alpha_rao: int
    price: Decimal
    """Spot TAO per alpha."""
    value_spot: Decimal
    """alpha x spot price."""
    value_after_slippage: Decimal
    """TAO an unstake of the whole position would return now (pool simulation, fees included)."""
    registered: bool
    """The hotkey holds a uid on this subnet."""


@dataclass(frozen=True)
class PortfolioView:
    """Balances and stake of one or more coldkeys (own and watch-only) at one block."""

    network: str
    block_number: int
    coldkeys: tuple[str, ...]
    watch_only: tuple[str, ...]
    free: Decimal
    reserved: Decimal
    positions: tuple[StakePositionView, ...]
    stake_spot: Decimal
    stake_after_slippage: Decimal

    @property
    def total_spot(self) -> Decimal:
        """Free + reserved + stake valued at spot."""
        return self.free + self.reserved + self.stake_spot


@dataclass(frozen=True)
class StakeQuoteView:
    """What the pool says a stake/unstake would do now."""

    netuid: int
    direction: str
    """"stake" (TAO in, alpha out) or "unstake" (alpha in, TAO out)."""
    amount_in: Decimal
    expected_out: Decimal
    spot_price: Decimal
    """TAO per alpha before the trade."""
    swap_fee: Decimal
    """Pool fee in the input unit."""
    price_impact_pct: Decimal
    """How much worse than spot the trade executes, in percent."""
    limit_price: Decimal | None
    """The price bound sent to the chain (None = no limit)."""
    tolerance_pct: Decimal | None
    allow_partial: bool = False


@dataclass(frozen=True)
class TxPreviewView:
    """Everything the user confirms before any staking/registration transaction is signed."""

    network: str
    action: str
    """Human title, e.g. "Stake 10 TAO on subnet 1"."""
    signer: str
    call: str
    fee: Decimal
    fee_rao: int
    destination: str
    """Hotkey / subnet / coldkey the call targets, in words."""
    details: tuple[tuple[str, str], ...] = ()
    """(label, value) rows: amounts, cost, lock, take..."""
    quote: StakeQuoteView | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ValidatorView:
    """A delegate (validator hotkey) with what a nominator compares."""

    hotkey: str
    owner: str
    name: str
    """On-chain identity name, or "" when none."""
    take_pct: Decimal
    total_stake_tao: Decimal
    """Sum over subnets of its alpha valued at spot, in TAO."""
    nominators: int
    netuids: tuple[int, ...]
    """Subnets it holds a validator permit on."""
    validator_trust: Decimal
    """Max over its subnets of ValidatorTrust (0..1)."""
    dividends_last_epoch_tao: Decimal
    """AlphaDividendsPerSubnet of the last epoch, valued at spot, summed over subnets."""
    return_per_1000_tao_day: Decimal
    """Estimated TAO per day for 1000 TAO delegated (see docs/staking.md)."""


@dataclass(frozen=True)
class SubnetView:
    """A subnet's pool and schedule."""

    netuid: int
    name: str
    symbol: str
    price: Decimal
    tao_in: Decimal
    alpha_in: Decimal
    alpha_out: Decimal
    emission_share_pct: Decimal
    """Share of TAO block emission injected into this subnet's pool, percent."""
    tempo: int
    blocks_to_next_epoch: int
    registration_cost: Decimal
    """Current burn for burned_register, TAO."""
    owner_coldkey: str
    owner_hotkey: str
    identity: str
    """Description/URL from the subnet identity ("" when none)."""
    uids: int
    max_uids: int


@dataclass(frozen=True)
class NeuronRowView:
    """One uid of a metagraph."""

    uid: int
    hotkey: str
    coldkey: str
    stake: Decimal
    """Alpha stake."""
    incentive: Decimal
    dividends: Decimal
    trust: Decimal
    """Validator trust (0..1)."""
    validator_permit: bool
    emission: Decimal


@dataclass(frozen=True)
class MetagraphView:
    """A subnet and every uid on it."""

    subnet: SubnetView
    block_number: int
    neurons: tuple[NeuronRowView, ...]


@dataclass(frozen=True)
class RegistrationInfoView:
    """What burned_register on a subnet costs and risks now."""

    netuid: int
    cost: Decimal
    immunity_period: int
    uids: int
    max_uids: int
    full: bool
    pruning_risk: str
    """Plain words: whether a new uid replaces someone, and when this one could be pruned."""


@dataclass(frozen=True)
class ChainHeadView:
    """The header line: network, connection, best/finalized block and latency (chain-client helper)."""

    network: str
    connected: bool
    url: str | None
    best_number: int | None
    finalized_number: int | None
    latency_ms: float | None
    """Round trip of a small RPC in milliseconds (a measurement, not money: float is fine)."""
    error: str | None = None
    """Why the connection is down, while reconnecting."""


__all__ = ["HotkeySummary", "NewKey", "SignedMessage", "UnlockResult", "VerifyResult", "WalletSummary"]
