"""The subnet pool: a weighted (balancer) TAO/alpha pool, exactly as `pallets/swap` prices and swaps.

Notation (as on chain): x = alpha reserve (base), y = TAO reserve (quote), w1 = base weight,
w2 = quote weight (w1 + w2 = 1, only w2 is stored, as a Perquintill). Price p = (w1*y)/(w2*x).
Buying alpha with dy TAO pays dx = x*(1 - (y/(y+dy))^(w2/w1)); selling dx alpha pays
dy = y*(1 - (x/(x+dx))^(w1/w2)). Prices are U64F64 bits (see `fixed`).
"""

from __future__ import annotations

from dataclasses import dataclass

from node.localnet.subtensor.rules.fixed import (
    ONE64,
    PERQUINTILL,
    U64_MAX,
    U128_MAX,
    div64,
    mul64,
    perquintill_from_rational,
    sub64,
    to_u64,
    u64f64,
)
from node.localnet.subtensor.rules.powmath import pow_ratio_scaled

MIN_WEIGHT = PERQUINTILL // 100
HALF = PERQUINTILL // 2


class BalancerWeightError(ValueError):
    """A weight update would push a weight outside [0.01, 0.99] (chain: `BalancerError::InvalidValue`)."""


def _valid(quote: int) -> bool:
    return quote >= MIN_WEIGHT and PERQUINTILL - quote >= MIN_WEIGHT


@dataclass(frozen=True)
class Balancer:
    """Pool weights; `quote` is the TAO-side weight in Perquintill parts (default 0.5)."""

    quote: int = HALF

    def __post_init__(self) -> None:
        if not _valid(self.quote):
            raise BalancerWeightError(f"quote weight {self.quote} outside [0.01, 0.99]")

    @property
    def base(self) -> int:
        """Alpha-side weight w1 = 1 - w2."""
        return PERQUINTILL - self.quote

    def price(self, alpha_reserve: int, tao_reserve: int) -> int:
        """Spot price of alpha in TAO, U64F64 bits: (w1/w2) * (y/x), each step truncated."""
        ratio = div64(u64f64(self.base), u64f64(self.quote))
        return mul64(ratio, div64(u64f64(tao_reserve), u64f64(alpha_reserve)))

    def _exp_scaled(self, x: int, dx: int, base_quote: bool) -> int:
        x_plus = min(x + dx, U64_MAX) if dx >= 0 else max(x + dx, 0)
        if x_plus == 0:
            return 0
        e_num, e_den = (self.base, self.quote) if base_quote else (self.quote, self.base)
        result = pow_ratio_scaled(x, x_plus, e_num, e_den, PERQUINTILL)
        if result is None or result > U64_MAX:
            return 0
        value = div64(u64f64(result), u64f64(PERQUINTILL))
        return min(value, ONE64) if dx >= 0 else value

    def alpha_out_for_tao(self, alpha_reserve: int, tao_reserve: int, tao_in: int) -> int:
        """Alpha paid out for `tao_in` TAO entering the pool (fees already removed)."""
        e = self._exp_scaled(tao_reserve, tao_in, base_quote=False)
        return to_u64(mul64(u64f64(alpha_reserve), sub64(ONE64, e)))

    def tao_out_for_alpha(self, alpha_reserve: int, tao_reserve: int, alpha_in: int) -> int:
        """TAO paid out for `alpha_in` alpha entering the pool (fees already removed)."""
        e = self._exp_scaled(alpha_reserve, alpha_in, base_quote=True)
        return to_u64(mul64(u64f64(tao_reserve), sub64(ONE64, e)))

    def _delta_in(self, num_price: int, den_price: int, weight: int, reserve: int) -> int:
        scale = 10**18
        exp_result = pow_ratio_scaled(num_price, den_price, weight, PERQUINTILL, scale)
        if exp_result is None:
            return 0
        fixed = u64f64(min(exp_result, U64_MAX))
        factor = sub64(div64(fixed, u64f64(scale)), ONE64)
        return to_u64(mul64(u64f64(reserve), factor))

    def tao_in_to_reach(self, current_price: int, target_price: int, tao_reserve: int) -> int:
        """TAO a buyer can put in before the price rises to `target_price` (y*((p'/p)^w1 - 1))."""
        return self._delta_in(target_price, current_price, self.base, tao_reserve)

    def alpha_in_to_reach(self, current_price: int, target_price: int, alpha_reserve: int) -> int:
        """Alpha a seller can put in before the price falls to `target_price` (x*((p/p')^w2 - 1))."""
        return self._delta_in(current_price, target_price, self.quote, alpha_reserve)

    def with_added_liquidity(self, tao_reserve: int, alpha_reserve: int, tao_delta: int, alpha_delta: int) -> Balancer:
        """New weights keeping the price when protocol liquidity is injected disproportionately.

        Raises:
            BalancerWeightError: the new quote weight would leave [0.01, 0.99].
        """
        new_tao = tao_reserve + tao_delta
        new_alpha = alpha_reserve + alpha_delta
        q1 = _mul_perquintill_round(self.base, tao_reserve * new_alpha)
        q2 = _mul_perquintill_round(self.quote, alpha_reserve * new_tao)
        total = q1 + q2
        quote = perquintill_from_rational(q2, total) if total else HALF
        return Balancer(quote)


def _mul_perquintill_round(parts: int, value: int) -> int:
    return min((value * parts + PERQUINTILL // 2) // PERQUINTILL, U128_MAX)


def quote_weight_for_price(price: int, alpha_reserve: int, tao_reserve: int) -> int:
    """Initial quote weight so the pool starts at `price` (U64F64): w2 = y / (p*x + y)."""
    px_high = (price >> 64) * alpha_reserve
    px_low = to_u64(mul64(u64f64(alpha_reserve), price & (ONE64 - 1))) if alpha_reserve else 0
    total = px_high + px_low + tao_reserve
    if total == 0:
        raise BalancerWeightError("both reserves are zero")
    return perquintill_from_rational(tao_reserve, total)
