"""Subnets browser: pools, emission share, schedule, registration cost, owner and identity; metagraphs.

Reads use the runtime APIs (one `state_call` for all subnets' dynamic info, one per metagraph) plus a
few plain storage items the APIs do not carry (Burn, SubnetworkN, MaxAllowedUids, ValidatorTrust).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tao_wallet.models import MetagraphView, NeuronRowView, SubnetView
from tao_wallet.services.chain import ChainService, chain_errors, encode_address, rao_to_tao
from tao_wallet.services.errors import WalletError
from tao_wallet.services.quotes import QuoteService
from tao_wallet.services.runtime_api import RuntimeApi, acct, num, text, u16
from tao_wallet.services.subtensor_storage import SubtensorStorageReads

S = "SubtensorModule"
U16_MAX = Decimal(65_535)


def u16_ratio(value: int) -> Decimal:
    """A u16-normalised chain value (0..65535) as a 0..1 Decimal, 6 places."""
    return (Decimal(int(value)) / U16_MAX).quantize(Decimal("0.000001"))


def _identity_text(ident: Any) -> str:
    if not isinstance(ident, dict):
        return ""
    parts = [text(ident.get(k)) for k in ("description", "subnet_url", "github_repo")]
    return " · ".join(p for p in parts if p)


class SubnetService(SubtensorStorageReads):
    """Subnet listings and metagraphs on one network."""

    def __init__(self, chain: ChainService, api: RuntimeApi | None = None) -> None:
        self.chain = chain
        self.api = api or RuntimeApi(chain.client)
        self.quotes = QuoteService(chain, self.api)

    def _view(self, info: dict[str, Any], extra: dict[str, Any], price: int, emission_total: int,
              block: int) -> SubnetView:
        netuid = num(info["netuid"])
        with chain_errors():
            next_epoch = self.api.call("SubnetInfoRuntimeApi_get_next_epoch_start_block", u16(netuid))
        to_next = max(num(next_epoch) - block, 0) if next_epoch is not None else 0
        emission = num(info["tao_in_emission"])
        return SubnetView(
            netuid=netuid, name=text(info["subnet_name"]) or ("root" if netuid == 0 else f"subnet {netuid}"),
            symbol=text(info["token_symbol"]), price=rao_to_tao(price), tao_in=rao_to_tao(num(info["tao_in"])),
            alpha_in=rao_to_tao(num(info["alpha_in"])), alpha_out=rao_to_tao(num(info["alpha_out"])),
            emission_share_pct=(Decimal(emission) * 100 / emission_total).quantize(Decimal("0.01"))
            if emission_total else Decimal(0),
            tempo=int(info["tempo"]), blocks_to_next_epoch=to_next,
            registration_cost=rao_to_tao(num(extra["burn"])),
            owner_coldkey=encode_address(acct(info["owner_coldkey"])),
            owner_hotkey=encode_address(acct(info["owner_hotkey"])),
            identity=_identity_text(info.get("subnet_identity")),
            uids=num(extra["subnetwork_n"]), max_uids=num(extra["max_allowed_uids"]),
        )

    def _views(self, only: int | None = None) -> list[SubnetView]:
        """Four calls for every subnet's pool, prices and registration facts, plus one per shown subnet."""
        with chain_errors():
            block = self.chain.client.best_block().number
            infos = [i for i in self.api.call("SubnetInfoRuntimeApi_get_all_dynamic_info") if i is not None]
            extras = {num(e["netuid"]): e for e in self.api.call("SubnetInfoRuntimeApi_get_subnets_info_v2")
                      if e is not None}
        prices = self.quotes.prices_rao()
        total = sum(num(i["tao_in_emission"]) for i in infos)
        return [self._view(i, extras[num(i["netuid"])], prices.get(num(i["netuid"]), 0), total, block)
                for i in infos if only is None or num(i["netuid"]) == only]

    def list(self) -> list[SubnetView]:
        """Every subnet (root included), by netuid."""
        return self._views()

    def show(self, netuid: int) -> SubnetView:
        """One subnet.

        Raises:
            WalletError: "subnet_not_found".
        """
        views = self._views(netuid)
        if not views:
            raise WalletError("subnet_not_found", f"subnet {netuid} does not exist on this network "
                              "(see `tao-wallet subnets list`)")
        return views[0]

    def metagraph(self, netuid: int) -> MetagraphView:
        """A subnet with every uid (stake, incentive, dividends, validator trust, permit, emission)."""
        subnet = self.show(netuid)
        with chain_errors():
            graph = self.api.call("SubnetInfoRuntimeApi_get_metagraph", u16(netuid))
        if graph is None:
            raise WalletError("subnet_not_found", f"subnet {netuid} does not exist on this network")
        vtrust = self._vec("ValidatorTrust", u16(netuid))
        n = num(graph["num_uids"])
        vtrust = (vtrust + [0] * n)[:n]
        names: dict[bytes, str] = {}  # coldkeys repeat across uids: encode each SS58 once

        def ss58(raw: object) -> str:
            key = acct(raw)
            text_ = names.get(key)
            if text_ is None:
                text_ = names[key] = encode_address(key)
            return text_

        neurons = tuple(
            NeuronRowView(
                uid=uid, hotkey=ss58(graph["hotkeys"][uid]), coldkey=ss58(graph["coldkeys"][uid]),
                stake=rao_to_tao(num(graph["alpha_stake"][uid])), incentive=u16_ratio(num(graph["incentives"][uid])),
                dividends=u16_ratio(num(graph["dividends"][uid])), trust=u16_ratio(vtrust[uid]),
                validator_permit=bool(graph["validator_permit"][uid]),
                emission=rao_to_tao(num(graph["emission"][uid])),
            )
            for uid in range(n)
        )
        return MetagraphView(subnet=subnet, block_number=num(graph["block"]), neurons=neurons)
