"""Portfolio: free/reserved TAO and every stake position of a set of coldkeys, valued at spot and after slippage.

Three round trips, all at the best block: the balances (one `state_queryStorageAt`); all stake positions
(StakeInfoRuntimeApi for all coldkeys at once), all prices and all subnet names (three runtime-API calls
pipelined); then one pool simulation per position for its value after slippage (what unstaking that
whole position alone would return now, fees included), all pipelined together.
"""

from __future__ import annotations

from collections.abc import Sequence

from node.scale_compact import encode_compact
from tao_wallet.models import PortfolioView, StakePositionView
from tao_wallet.services.chain import ChainService, chain_errors, decode_address, encode_address, rao_to_tao
from tao_wallet.services.errors import WalletError
from tao_wallet.services.quotes import RAO, QuoteService
from tao_wallet.services.runtime_api import RuntimeApi, acct, num, text, u16, u64


def _vec_accounts(keys: Sequence[bytes]) -> bytes:
    return encode_compact(len(keys)) + b"".join(keys)


class PortfolioService:
    """Loads portfolios on one network."""

    def __init__(self, chain: ChainService, api: RuntimeApi | None = None) -> None:
        self.chain = chain
        self.api = api or RuntimeApi(chain.client)
        self.quotes = QuoteService(chain, self.api)

    def _accounts(self, keys: Sequence[bytes], at: bytes) -> list[tuple[int, int]]:
        """(free, reserved) rao of each account (System.Account, absent accounts as the chain's default)."""
        entry = self.api.entry("System", "Account")
        if entry is None:
            raise WalletError("runtime_mismatch", "this chain's runtime has no storage System.Account")
        raws = self.api.raw_values([self.api.storage_key(entry, k) for k in keys], at)
        infos = self.api.decode_many([entry.value_type] * len(raws), [entry.default if r is None else r for r in raws])
        return [(num(info["data"]["free"]), num(info["data"]["reserved"])) for info in infos]

    def load(self, coldkeys: Sequence[str], watch_only: Sequence[str] = ()) -> PortfolioView:
        """Balances and positions of `coldkeys` plus `watch_only` addresses (all SS58), at the best block."""
        own = [decode_address(a) for a in coldkeys]
        watched = [decode_address(a) for a in watch_only if decode_address(a) not in own]
        keys = own + watched
        with chain_errors():
            block = self.chain.client.best_block()
            accounts = self._accounts(keys, block.hash) if keys else []
            calls = [("SubnetInfoRuntimeApi_get_all_dynamic_info", b""), ("SwapRuntimeApi_current_alpha_price_all", b"")]
            if keys:
                calls.append(("StakeInfoRuntimeApi_get_stake_info_for_coldkeys", _vec_accounts(keys)))
            infos, price_rows, *stake_rows = self.api.call_many(calls, at=block.hash)
        rows = stake_rows[0] if stake_rows else []
        names = {num(i["netuid"]): text(i["subnet_name"]) for i in infos if i is not None}
        prices = {num(r["netuid"]): num(r["price"]) for r in price_rows}  # as QuoteService.prices_rao reads them
        held = [(coldkey, info) for coldkey, stakes in rows for info in stakes if num(info["stake"])]
        # the TAO each whole position would fetch if sold now (root alpha is TAO 1:1): one round trip for all
        sims = [(num(info["netuid"]), num(info["stake"])) for _, info in held]
        with chain_errors():
            sold = iter(self.api.call_many([("SwapRuntimeApi_sim_swap_alpha_for_tao", u16(n) + u64(a))
                                            for n, a in sims if n != 0], at=block.hash))
        positions = []
        for (coldkey, info), (netuid, alpha) in zip(held, sims, strict=True):
            price = prices.get(netuid, RAO if netuid == 0 else 0)
            after = alpha if netuid == 0 else num(next(sold)["tao_amount"])
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
