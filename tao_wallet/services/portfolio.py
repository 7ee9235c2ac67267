"""Portfolio: free/reserved TAO and every stake position of a set of coldkeys, valued at spot and after slippage.

One round trip each for the balances, all stake positions (StakeInfoRuntimeApi for all coldkeys at
once), all prices and all subnet names; then one pool simulation per position for its value after
slippage (what unstaking that whole position alone would return now, fees included).
"""

from __future__ import annotations

from collections.abc import Sequence

from node.scale_compact import encode_compact
from tao_wallet.models import PortfolioView, StakePositionView
from tao_wallet.services.chain import ChainService, chain_errors, decode_address, encode_address, rao_to_tao
from tao_wallet.services.quotes import RAO, QuoteService
from tao_wallet.services.runtime_api import RuntimeApi, acct, num, text


def _vec_accounts(keys: Sequence[bytes]) -> bytes:
    return encode_compact(len(keys)) + b"".join(keys)


class PortfolioService:
    """Loads portfolios on one network."""

    def __init__(self, chain: ChainService, api: RuntimeApi | None = None) -> None:
        self.chain = chain
        self.api = api or RuntimeApi(chain.client)
        self.quotes = QuoteService(chain, self.api)

    def load(self, coldkeys: Sequence[str], watch_only: Sequence[str] = ()) -> PortfolioView:
        """Balances and positions of `coldkeys` plus `watch_only` addresses (all SS58), at the best block."""
        own = [decode_address(a) for a in coldkeys]
        watched = [decode_address(a) for a in watch_only if decode_address(a) not in own]
        keys = own + watched
        with chain_errors():
            client = self.chain.client
            block = client.best_block()
            accounts = [self.api.account(k) for k in keys]
            rows = self.api.call("StakeInfoRuntimeApi_get_stake_info_for_coldkeys", _vec_accounts(keys)) if keys else []
            infos = self.api.call("SubnetInfoRuntimeApi_get_all_dynamic_info")
        names = {num(i["netuid"]): text(i["subnet_name"]) for i in infos if i is not None}
        prices = self.quotes.prices_rao()
        positions = []
        for coldkey, stakes in rows:
            for info in stakes:
                alpha = num(info["stake"])
                if not alpha:
                    continue
                netuid = num(info["netuid"])
                price = prices.get(netuid, RAO if netuid == 0 else 0)
                after, _ = self.quotes.sim_unstake(netuid, alpha)
                positions.append(StakePositionView(
                    coldkey=encode_address(acct(coldkey)), hotkey=encode_address(acct(info["hotkey"])),
                    netuid=netuid, subnet_name=names.get(netuid, "") or ("root" if netuid == 0 else ""),
                    alpha=rao_to_tao(alpha), alpha_rao=alpha, price=rao_to_tao(price),
                    value_spot=rao_to_tao(alpha * price // RAO), value_after_slippage=rao_to_tao(after),
                    registered=bool(info["is_registered"]),
                ))
        positions.sort(key=lambda p: (p.netuid, p.hotkey, p.coldkey))
        return PortfolioView(
            network=self.chain.profile.name, block_number=block.number,
            coldkeys=tuple(encode_address(k) for k in own), watch_only=tuple(encode_address(k) for k in watched),
            free=rao_to_tao(sum(a[0] for a in accounts)), reserved=rao_to_tao(sum(a[1] for a in accounts)),
            positions=tuple(positions), stake_spot=sum((p.value_spot for p in positions), rao_to_tao(0)),
            stake_after_slippage=sum((p.value_after_slippage for p in positions), rao_to_tao(0)),
        )
