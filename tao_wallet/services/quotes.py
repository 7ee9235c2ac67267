"""Live stake/unstake quotes from the subnet pools (SwapRuntimeApi), and limit prices from a tolerance.

Prices are TAO per alpha. On chain a limit price is an integer "rao per alpha" (price x 10^9); the
chain refuses (`SlippageTooHigh`) when filling the whole amount would push the pool price past it,
unless partial fills are allowed, in which case it fills up to the limit.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_UP, Decimal

from tao_wallet.models import StakeQuoteView
from tao_wallet.services.chain import ChainService, chain_errors, rao_to_tao, tao_str
from tao_wallet.services.errors import WalletError
from tao_wallet.services.runtime_api import RuntimeApi, num, u16, u64, unwrap

RAO = 10**9
DEFAULT_TOLERANCE = Decimal("0.5")
"""Default slippage tolerance, percent (a limit price 0.5 % worse than spot)."""


def parse_tolerance(text: str | Decimal) -> Decimal:
    """A tolerance in percent, 0 < t < 100.

    Raises:
        WalletError: "invalid_tolerance".
    """
    try:
        value = Decimal(str(text).strip().rstrip("%"))
    except ArithmeticError:
        raise WalletError("invalid_tolerance", f"{text!r} is not a percentage, e.g. 0.5") from None
    if not value.is_finite() or value <= 0 or value >= 100:
        raise WalletError("invalid_tolerance", f"tolerance must be between 0 and 100 percent, got {text}")
    return value


class QuoteService:
    """Pool prices and swap simulations for one network."""

    def __init__(self, chain: ChainService, api: RuntimeApi | None = None) -> None:
        self.chain = chain
        self.api = api or RuntimeApi(chain.client)

    def subnet_exists(self, netuid: int) -> bool:
        """True when the subnet is registered."""
        if not 0 <= netuid < 2**16:
            return False
        with chain_errors():
            return bool(unwrap(self.api.storage("SubtensorModule", "NetworksAdded", u16(netuid))))

    def require_subnet(self, netuid: int) -> None:
        """Raises WalletError("subnet_not_found") for a netuid that does not exist."""
        if not self.subnet_exists(netuid):
            raise WalletError("subnet_not_found", f"subnet {netuid} does not exist on this network "
                              "(see `tao-wallet subnets list`)")

    def price_rao(self, netuid: int) -> int:
        """Spot price in rao per alpha (root is 1:1)."""
        if netuid == 0:
            return RAO
        with chain_errors():
            return num(self.api.call("SwapRuntimeApi_current_alpha_price", u16(netuid)))

    def prices_rao(self) -> dict[int, int]:
        """Spot prices of every subnet in one call."""
        with chain_errors():
            rows = self.api.call("SwapRuntimeApi_current_alpha_price_all")
        return {num(r["netuid"]): num(r["price"]) for r in rows}

    def sim_unstake(self, netuid: int, alpha_rao: int) -> tuple[int, int]:
        """(TAO out, alpha fee) for selling `alpha_rao` now."""
        if netuid == 0:
            return alpha_rao, 0
        with chain_errors():
            res = self.api.call("SwapRuntimeApi_sim_swap_alpha_for_tao", u16(netuid) + u64(alpha_rao))
        return num(res["tao_amount"]), num(res["alpha_fee"])

    def sim_stake(self, netuid: int, tao_rao: int) -> tuple[int, int]:
        """(alpha out, TAO fee) for buying with `tao_rao` now."""
        if netuid == 0:
            return tao_rao, 0
        with chain_errors():
            res = self.api.call("SwapRuntimeApi_sim_swap_tao_for_alpha", u16(netuid) + u64(tao_rao))
        return num(res["alpha_amount"]), num(res["tao_fee"])

    def quote(self, netuid: int, direction: str, amount_rao: int, tolerance_pct: Decimal | None,
              allow_partial: bool = False) -> tuple[StakeQuoteView, int | None]:
        """Quote a stake ("stake": TAO in) or unstake ("unstake": alpha in).

        Returns:
            (the quote, the limit price in rao per alpha or None when `tolerance_pct` is None).
        Raises:
            WalletError: "insufficient_liquidity" when the pool cannot take the trade at all;
                "limit_cannot_fill" when even the average price of the trade is beyond the limit.
        """
        price = self.price_rao(netuid)
        if direction == "stake":
            out, fee = self.sim_stake(netuid, amount_rao)
            ideal = amount_rao * RAO // price if price else 0
        else:
            out, fee = self.sim_unstake(netuid, amount_rao)
            ideal = amount_rao * price // RAO
        if out <= 0:
            raise WalletError("insufficient_liquidity",
                              f"the subnet {netuid} pool cannot take this trade (too small or not enough liquidity)")
        impact = Decimal(0) if ideal <= 0 else max(Decimal(ideal - out) / Decimal(ideal) * 100, Decimal(0))
        limit = None
        if tolerance_pct is not None:
            factor = (1 + tolerance_pct / 100) if direction == "stake" else (1 - tolerance_pct / 100)
            rounding = ROUND_UP if direction == "stake" else ROUND_DOWN
            limit = int((Decimal(price) * factor).to_integral_value(rounding))
            if not allow_partial:
                self._check_fill(direction, amount_rao, fee, out, limit, netuid)
        view = StakeQuoteView(
            netuid=netuid, direction=direction, amount_in=rao_to_tao(amount_rao), expected_out=rao_to_tao(out),
            spot_price=rao_to_tao(price), swap_fee=rao_to_tao(fee), price_impact_pct=impact.quantize(Decimal("0.0001")),
            limit_price=None if limit is None else rao_to_tao(limit), tolerance_pct=tolerance_pct,
            allow_partial=allow_partial,
        )
        return view, limit

    def _check_fill(self, direction: str, amount_in: int, fee: int, out: int, limit: int, netuid: int) -> None:
        """Refuse when the pool price after the whole trade would be past the limit (the chain would refuse).

        The price after the trade is the pool's marginal price at `amount_in`, measured with a second
        simulation slightly larger, with the pool fee taken out (the chain's limit is on the pool price).
        """
        step = max(amount_in // 1000, 1_000_000)
        net = Decimal(amount_in - fee) / Decimal(amount_in) if amount_in else Decimal(1)
        if direction == "stake":
            out2, _ = self.sim_stake(netuid, amount_in + step)
            gained = out2 - out
            end_price = Decimal(step * RAO) / gained * net if gained > 0 else Decimal(2**64)
            beyond = end_price > limit
        else:
            out2, _ = self.sim_unstake(netuid, amount_in + step)
            end_price = Decimal((out2 - out) * RAO) / step / net if net else Decimal(0)
            beyond = end_price < limit
        if beyond:
            raise WalletError(
                "limit_cannot_fill",
                f"at a limit of {tao_str(rao_to_tao(limit))} TAO/alpha the whole amount cannot fill on subnet {netuid} "
                f"(the pool price would end at about {tao_str(rao_to_tao(int(end_price)))} TAO/alpha): raise the "
                "tolerance, trade less, or allow a partial fill (--partial) to fill what the limit allows",
            )
