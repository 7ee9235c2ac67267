"""One swap against a subnet pool with fee and limit price, as `pallets/swap` `do_swap` executes it.

The chain swaps in a single step: take the fee off the input, compute the price the full amount
would reach; if that passes the limit price, swap only the amount that moves the price exactly to
the limit (and recompute the fee on that amount). The caller gets back what was actually paid in,
so staking can refund the remainder (partial fill) or reject it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from node.localnet.subtensor.rules.balancer import Balancer
from node.localnet.subtensor.rules.fixed import U64_MAX, div64, mul64, to_u64, u64f64

MAX_SWAP_INPUT_RESERVE_MULTIPLIER = 1_000
U16_MAX = 65_535
DEFAULT_FEE_RATE = 33
MIN_PRICE_RAO = 1_000
MAX_PRICE_RAO = 1_000_000_000_000_000


class SwapError(Exception):
    """A swap failed; `name` is the Swap pallet error name from the metadata."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass(frozen=True)
class Pool:
    """A subnet pool snapshot: reserves (SubnetTAO / SubnetAlphaIn), weights, fee rate, mechanism."""

    tao_reserve: int
    alpha_reserve: int
    balancer: Balancer = field(default_factory=Balancer)
    fee_rate: int = DEFAULT_FEE_RATE
    mechanism: int = 1

    def price(self) -> int:
        """Current price (U64F64 bits): 1.0 for stable (root) pools, 0 for an empty alpha reserve."""
        if self.mechanism != 1:
            return u64f64(1)
        if self.alpha_reserve == 0:
            return 0
        return self.balancer.price(self.alpha_reserve, self.tao_reserve)


@dataclass(frozen=True)
class SwapResult:
    """What a swap did: input used (excl. fee), output paid, fee taken (in the input token)."""

    amount_paid_in: int
    amount_paid_out: int
    fee_paid: int


def fee_amount(pool: Pool, amount: int, drop_fees: bool) -> int:
    """Fee on an input amount: floor(amount * fee_rate/65535) on dynamic pools, else 0."""
    if drop_fees or pool.mechanism != 1:
        return 0
    rate = div64(u64f64(pool.fee_rate), u64f64(U16_MAX))
    return to_u64(mul64(u64f64(amount), rate))


def swap(
    pool: Pool,
    *,
    buy: bool,
    amount: int,
    limit_price: int,
    drop_fees: bool = False,
    minimum_reserve: int = 1_000_000,
    simulate: bool = False,
) -> SwapResult:
    """Swap TAO->alpha (`buy`) or alpha->TAO against `pool` with `limit_price` as U64F64 bits.

    Raises:
        SwapError: SwapInputTooLarge, ReservesTooLow, PriceLimitExceeded or InsufficientLiquidity.
    """
    if pool.mechanism != 1:
        return SwapResult(amount, amount, 0)
    fee = fee_amount(pool, amount, drop_fees)
    requested = amount - fee
    reserve_in = pool.tao_reserve if buy else pool.alpha_reserve
    reserve_out = pool.alpha_reserve if buy else pool.tao_reserve
    if requested > reserve_in * MAX_SWAP_INPUT_RESERVE_MULTIPLIER:
        raise SwapError("SwapInputTooLarge")
    if reserve_out < minimum_reserve:
        raise SwapError("ReservesTooLow")
    current = pool.price()
    beyond = current < limit_price if buy else current > limit_price
    if not beyond:
        raise SwapError("PriceLimitExceeded")
    bal = pool.balancer
    x, y = pool.alpha_reserve, pool.tao_reserve
    if buy:
        out_full = bal.alpha_out_for_tao(x, y, requested)
        target = bal.price(max(x - out_full, 0), min(y + requested, U64_MAX))
        closer = target <= limit_price
    else:
        out_full = bal.tao_out_for_alpha(x, y, requested)
        target = bal.price(min(x + requested, U64_MAX), max(y - out_full, 0))
        closer = target >= limit_price
    if closer:
        delta_in = requested
    else:
        if buy:
            delta_in = bal.tao_in_to_reach(current, limit_price, y)
        else:
            delta_in = bal.alpha_in_to_reach(current, limit_price, x)
        rate = 0 if drop_fees else pool.fee_rate
        fee = to_u64(mul64(u64f64(delta_in), div64(u64f64(rate), u64f64(U16_MAX - rate))))
    delta_out = bal.alpha_out_for_tao(x, y, delta_in) if buy else bal.tao_out_for_alpha(x, y, delta_in)
    if delta_in != 0 and delta_out == 0:
        raise SwapError("ReservesTooLow")
    if not simulate and reserve_out < delta_out:
        raise SwapError("InsufficientLiquidity")
    return SwapResult(delta_in, delta_out, fee)


def sim_swap(pool: Pool, *, buy: bool, amount: int, subnet_exists: bool = True) -> SwapResult:
    """`SwapRuntimeApi` simulation: the chain's default limit (max price for buys, min price for sells)."""
    if pool.mechanism != 1:
        paid = amount if subnet_exists else 0
        return SwapResult(paid, paid, 0)
    limit = div64(u64f64(MAX_PRICE_RAO if buy else MIN_PRICE_RAO), u64f64(10**9))
    return swap(pool, buy=buy, amount=amount, limit_price=limit, simulate=True)


def max_amount_add(pool: Pool, limit_price_rao: int) -> int:
    """Largest TAO input (incl. fee) `add_stake_limit` may swap before reaching the limit price."""
    if pool.mechanism != 1:
        return U64_MAX if limit_price_rao >= 10**9 else 0
    limit = div64(u64f64(limit_price_rao), u64f64(10**9))
    result = swap(pool, buy=True, amount=pool.tao_reserve * 1_000, limit_price=limit, simulate=True)
    return result.amount_paid_in + result.fee_paid
