"""Subnets browser: pools, emission share, schedule, registration cost, owner and identity; metagraphs.

Listings use the runtime APIs (all subnets' dynamic info and registration facts in one pipelined round
trip). Metagraphs read their columns straight from storage (metagraph_storage: a few batched reads
instead of the node building a 1.5 MB `get_metagraph` answer for 4096 uids), falling back to the
runtime API when the runtime's storage layout is not the one that reader knows.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from node.client.client import BlockRef
from tao_wallet.models import MetagraphView, NeuronRowView, SubnetView
from tao_wallet.services.chain import ChainService, chain_errors, encode_address, rao_to_tao
from tao_wallet.services.errors import WalletError
from tao_wallet.services.metagraph_storage import MetagraphColumns, read_columns
from tao_wallet.services.quotes import QuoteService
from tao_wallet.services.runtime_api import RuntimeApi, acct, num, text, u16
from tao_wallet.services.subtensor_storage import SubtensorStorageReads

S = "SubtensorModule"
U16_MAX = Decimal(65_535)


@lru_cache(maxsize=65_536)
def u16_ratio(value: int) -> Decimal:
    """A u16-normalised chain value (0..65535) as a 0..1 Decimal, 6 places (memoised: a 4096-uid
    metagraph repeats few distinct values, and Decimal division is the slow part)."""
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
              block: int, next_epoch: Any) -> SubnetView:
        netuid = num(info["netuid"])
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

    def _views(self, only: int | None = None, at: BlockRef | None = None) -> list[SubnetView]:
        """Every subnet's pool, prices and registration facts, plus each shown subnet's next epoch: two
        pipelined round trips and the prices, all at one block (the best unless `at` is given)."""
        with chain_errors():
            block = at or self.chain.client.best_block()
            all_infos, all_extras = self.api.call_many([("SubnetInfoRuntimeApi_get_all_dynamic_info", b""),
                                                        ("SubnetInfoRuntimeApi_get_subnets_info_v2", b"")], at=block.hash)
            infos = [i for i in all_infos if i is not None and (only is None or num(i["netuid"]) == only)]
            extras = {num(e["netuid"]): e for e in all_extras if e is not None}
            epochs = self.api.call_many([("SubnetInfoRuntimeApi_get_next_epoch_start_block", u16(num(i["netuid"])))
                                         for i in infos], at=block.hash)
        prices = self.quotes.prices_rao()
        total = sum(num(i["tao_in_emission"]) for i in all_infos if i is not None)
        return [self._view(i, extras[num(i["netuid"])], prices.get(num(i["netuid"]), 0), total, block.number, epoch)
                for i, epoch in zip(infos, epochs, strict=True)]

    def list(self) -> list[SubnetView]:
        """Every subnet (root included), by netuid."""
        return self._views()

    def show(self, netuid: int, at: BlockRef | None = None) -> SubnetView:
        """One subnet.

        Raises:
            WalletError: "subnet_not_found".
        """
        views = self._views(netuid, at)
        if not views:
            raise WalletError("subnet_not_found", f"subnet {netuid} does not exist on this network "
                              "(see `tao-wallet subnets list`)")
        return views[0]

    def _columns_from_runtime_api(self, netuid: int, at: bytes) -> MetagraphColumns:
        """The same columns through `get_metagraph` (+ ValidatorTrust, which it does not carry)."""
        with chain_errors():
            graph = self.api.call("SubnetInfoRuntimeApi_get_metagraph", u16(netuid), at=at)
        if graph is None:
            raise WalletError("subnet_not_found", f"subnet {netuid} does not exist on this network")
        n = num(graph["num_uids"])
        vtrust = (self._vec("ValidatorTrust", u16(netuid)) + [0] * n)[:n]
        return MetagraphColumns(
            hotkeys=[acct(k) for k in graph["hotkeys"]], coldkeys=[acct(k) for k in graph["coldkeys"]],
            alpha_stake=[num(v) for v in graph["alpha_stake"]], incentive=[num(v) for v in graph["incentives"]],
            dividends=[num(v) for v in graph["dividends"]], validator_trust=vtrust,
            validator_permit=[bool(v) for v in graph["validator_permit"]], emission=[num(v) for v in graph["emission"]],
        )

    def metagraph(self, netuid: int) -> MetagraphView:
        """A subnet with every uid (stake, incentive, dividends, validator trust, permit, emission), all read
        at the best block."""
        with chain_errors():
            block = self.chain.client.best_block()
        subnet = self.show(netuid, block)
        with chain_errors():
            cols = read_columns(self.api, netuid, block.hash)
        if cols is None:
            cols = self._columns_from_runtime_api(netuid, block.hash)
        names: dict[bytes, str] = {}  # coldkeys repeat across uids: encode each SS58 once

        def ss58(key: bytes) -> str:
            text_ = names.get(key)
            if text_ is None:
                text_ = names[key] = encode_address(key)
            return text_

        neurons = tuple(
            NeuronRowView(
                uid=uid, hotkey=ss58(cols.hotkeys[uid]), coldkey=ss58(cols.coldkeys[uid]),
                stake=rao_to_tao(cols.alpha_stake[uid]), incentive=u16_ratio(cols.incentive[uid]),
                dividends=u16_ratio(cols.dividends[uid]), trust=u16_ratio(cols.validator_trust[uid]),
                validator_permit=cols.validator_permit[uid], emission=rao_to_tao(cols.emission[uid]),
            )
            for uid in range(len(cols.hotkeys))
        )
        return MetagraphView(subnet=subnet, block_number=block.number, neurons=neurons)
