"""Validators (delegation browser): identity, take, stake, nominators, trust, dividends and an estimated return.

Estimated return per 1000 TAO per day, for a validator hotkey h on subnet n (documented in
docs/staking.md): a nominator's alpha grows each epoch by D(h,n) x (1 - take) / S(h,n), where D is the
alpha dividends h received in the last epoch (AlphaDividendsPerSubnet) and S is h's total alpha on n.
With 7200 blocks a day (12 s blocks) and an epoch every tempo+1 blocks, 1000 TAO staked at spot earns
1000 x D(1-take)/S x 7200/(tempo+1) TAO a day (the price cancels at spot; slippage ignored). Across
subnets the figure is the stake-weighted (TAO value) average of the per-subnet returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tao_wallet.models import ValidatorView
from tao_wallet.services.chain import ChainService, chain_errors, encode_address, rao_to_tao
from tao_wallet.services.quotes import RAO, QuoteService
from tao_wallet.services.runtime_api import RuntimeApi, acct, num, text, u16
from tao_wallet.services.subnets import u16_ratio
from tao_wallet.services.subtensor_storage import SubtensorStorageReads

S = "SubtensorModule"
BLOCKS_PER_DAY = 7200
SORT_KEYS = ("stake", "take", "return", "nominators", "trust", "dividends", "name")


@dataclass
class _Acc:
    stake_tao: Decimal = Decimal(0)
    dividends_tao: Decimal = Decimal(0)
    weighted_return: Decimal = Decimal(0)
    trust: Decimal = Decimal(0)


class ValidatorService(SubtensorStorageReads):
    """Delegate listings on one network."""

    def __init__(self, chain: ChainService, api: RuntimeApi | None = None) -> None:
        self.chain = chain
        self.api = api or RuntimeApi(chain.client)
        self.quotes = QuoteService(chain, self.api)

    def list(self, netuid: int | None = None, *, sort: str = "stake", filter_text: str = "",
             min_stake: Decimal = Decimal(0)) -> list[ValidatorView]:
        """Delegates (overall, or those with stake on `netuid`), sorted descending by `sort`.

        Raises:
            WalletError: "subnet_not_found" for an unknown netuid.
        """
        if netuid is not None:
            self.quotes.require_subnet(netuid)
        with chain_errors():
            delegates = self.api.call("DelegateInfoRuntimeApi_get_delegates")
        prices = self.quotes.prices_rao()
        tempos: dict[int, int] = {}
        vtrust: dict[int, list[int]] = {}
        views = []
        for d in delegates:
            hotkey = acct(d["delegate_ss58"])
            take = Decimal(num(d["take"])) / Decimal(65_535)
            per_subnet: dict[int, int] = {}
            for _coldkey, stakes in d["nominators"]:
                for n, alpha in stakes:
                    per_subnet[num(n)] = per_subnet.get(num(n), 0) + num(alpha)
            if netuid is not None:
                per_subnet = {k: v for k, v in per_subnet.items() if k == netuid}
                if not per_subnet and netuid not in [num(r) for r in d["registrations"]]:
                    continue
            acc = _Acc()
            for n, alpha in per_subnet.items():
                price = rao_to_tao(prices.get(n, RAO if n == 0 else 0))
                acc.stake_tao += rao_to_tao(alpha) * price
                dividends = int(self._storage("AlphaDividendsPerSubnet", u16(n), hotkey) or 0)
                acc.dividends_tao += rao_to_tao(dividends) * price
                if n not in tempos:
                    tempos[n] = int(self._storage("Tempo", u16(n)))
                    vtrust[n] = self._vec("ValidatorTrust", u16(n))
                if alpha:
                    daily = Decimal(dividends) * (1 - take) / Decimal(alpha) * BLOCKS_PER_DAY / (tempos[n] + 1)
                    acc.weighted_return += daily * rao_to_tao(alpha) * price
                uid = self._storage("Uids", u16(n), hotkey, default=None)
                if uid is not None and int(uid) < len(vtrust[n]):
                    acc.trust = max(acc.trust, u16_ratio(vtrust[n][int(uid)]))
            ret = acc.weighted_return / acc.stake_tao * 1000 if acc.stake_tao else Decimal(0)
            owner = acct(d["owner_ss58"])
            views.append(ValidatorView(
                hotkey=encode_address(hotkey), owner=encode_address(owner), name=self._name(owner),
                take_pct=(take * 100).quantize(Decimal("0.01")), total_stake_tao=acc.stake_tao.quantize(Decimal("1e-9")),
                nominators=len(d["nominators"]), netuids=tuple(num(n) for n in d["validator_permits"]),
                validator_trust=acc.trust, dividends_last_epoch_tao=acc.dividends_tao.quantize(Decimal("1e-9")),
                return_per_1000_tao_day=ret.quantize(Decimal("0.0001")),
            ))
        needle = filter_text.strip().lower()
        views = [v for v in views if v.total_stake_tao >= min_stake
                 and (not needle or needle in v.hotkey.lower() or needle in v.name.lower())]
        return sort_validators(views, sort)

    def _name(self, coldkey: bytes) -> str:
        try:
            ident = self._storage("IdentitiesV2", coldkey, default=None)
        except Exception:  # older/newer runtimes name the identity map differently: no name then
            return ""
        return text(ident.get("name")) if isinstance(ident, dict) else ""


def sort_validators(views: list[ValidatorView], key: str) -> list[ValidatorView]:
    """Sort descending by one of SORT_KEYS (name ascending)."""
    getters: dict[str, Any] = {
        "stake": lambda v: v.total_stake_tao, "take": lambda v: v.take_pct,
        "return": lambda v: v.return_per_1000_tao_day, "nominators": lambda v: v.nominators,
        "trust": lambda v: v.validator_trust, "dividends": lambda v: v.dividends_last_epoch_tao,
    }
    if key == "name":
        return sorted(views, key=lambda v: (v.name.lower(), v.hotkey))
    return sorted(views, key=getters.get(key, getters["stake"]), reverse=True)
