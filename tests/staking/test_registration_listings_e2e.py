"""Registration, subnet creation, take, and the browsers' values against chain storage (read independently
with substrate-interface over its own WebSocket connection)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse

import pytest
from substrateinterface import SubstrateInterface

from tao_wallet.services.chain import ChainService, decode_address, encode_address, tao_str
from tao_wallet.services.errors import WalletError
from tao_wallet.services.registration import RegistrationService
from tao_wallet.services.subnets import SubnetService
from tao_wallet.services.tx import TxRunner
from tao_wallet.services.validators import ValidatorService
from tests.money.tcp_proxy import TcpProxy
from tests.staking.conftest import TAO, Account, new_account, validator

S = "SubtensorModule"


@pytest.fixture(scope="module")
def substrate(url: str, session_chain: ChainService) -> Iterator[SubstrateInterface]:
    session_chain.runtime()  # decoded once, shared
    si = SubstrateInterface(url=url, ss58_format=42)
    yield si
    si.close()


def q(si: SubstrateInterface, item: str, params: list[Any], block_hash: str | None = None) -> Any:
    return si.query(S, item, params, block_hash=block_hash).value


def test_burned_register_shows_cost_and_registers(chain: ChainService, runner: TxRunner, funded: Account,
                                                  substrate: SubstrateInterface) -> None:
    service = RegistrationService(chain, runner)
    hotkey = new_account()
    info = service.info(1)
    assert info.cost == Decimal(q(substrate, "Burn", [1])) / TAO
    assert info.immunity_period == q(substrate, "ImmunityPeriod", [1]) and not info.full
    prepared = service.prepare_register(funded.address, hotkey.address, 1)
    assert "burned_register" in prepared.preview.call
    labels = dict(prepared.preview.details)
    assert labels["Burn cost"] == f"{tao_str(info.cost)} TAO" and "immune" in labels["Pruning risk"]
    view = service.send(prepared, funded.signer, wait_for="in_block")
    assert view.success is True, view
    assert q(substrate, "Uids", [1, hotkey.address]) is not None
    with pytest.raises(WalletError) as err:
        service.prepare_register(funded.address, hotkey.address, 1)
    assert err.value.code == "already_registered"


def test_register_on_a_full_subnet_warns_of_pruning(chain: ChainService, funded: Account) -> None:
    service = RegistrationService(chain)
    runner = service.runner
    while not service.info(2).full:  # Beta holds at most 8 uids
        hk = new_account()
        assert service.send(service.prepare_register(funded.address, hk.address, 2), funded.signer,
                            wait_for="in_block").success
    info = service.info(2)
    assert info.full and "replaces the lowest-scoring uid" in info.pruning_risk
    runner.close()


def test_create_subnet_and_set_take(chain: ChainService, runner: TxRunner, funded: Account,
                                    substrate: SubstrateInterface) -> None:
    from tests.staking.conftest import fund

    fund(chain, funded.address, 5000)
    service = RegistrationService(chain, runner)
    owner_hotkey = new_account()
    cost = service.lock_cost()
    prepared = service.prepare_create_subnet(funded.address, owner_hotkey.address)
    assert dict(prepared.preview.details)["Lock cost"] == f"{tao_str(Decimal(cost) / TAO)} TAO"
    before = set(SubnetService(chain).quotes.prices_rao())
    view = service.send(prepared, funded.signer, wait_for="in_block")
    assert view.success is True, view
    new = set(SubnetService(chain).quotes.prices_rao()) - before
    assert len(new) == 1
    netuid = new.pop()
    assert encode_address(decode_address(q(substrate, "SubnetOwner", [netuid]))) == funded.address
    # take: decrease from the default, then refuse a no-op and someone else's hotkey
    take = service.prepare_set_take(funded.address, owner_hotkey.address, "9")
    assert "decrease_take" in take.preview.call
    assert service.send(take, funded.signer, wait_for="in_block").success
    assert q(substrate, "Delegates", [owner_hotkey.address]) == round(Decimal(9) * 65535 / 100)
    with pytest.raises(WalletError) as err:
        service.prepare_set_take(funded.address, owner_hotkey.address, "9")
    assert err.value.code == "take_unchanged"
    with pytest.raises(WalletError) as err:
        service.prepare_set_take(funded.address, validator(1), "5")
    assert err.value.code == "not_hotkey_owner"
    with pytest.raises(WalletError) as err:
        service.prepare_set_take(funded.address, owner_hotkey.address, "99")
    assert err.value.code == "take_out_of_bounds"


def test_create_subnet_without_the_lock_cost_is_refused(chain: ChainService) -> None:
    poor = new_account()
    from tests.staking.conftest import fund

    fund(chain, poor.address, 1)
    with pytest.raises(WalletError) as err:
        RegistrationService(chain).prepare_create_subnet(poor.address, new_account().address)
    assert err.value.code == "insufficient_balance"


def test_subnet_list_equals_chain_storage(chain: ChainService, substrate: SubstrateInterface) -> None:
    views = SubnetService(chain).list()
    assert [v.netuid for v in views][:3] == [0, 1, 2]
    for v in views:
        if v.netuid == 0:
            continue
        assert v.tao_in == Decimal(q(substrate, "SubnetTAO", [v.netuid])) / TAO
        assert v.alpha_in == Decimal(q(substrate, "SubnetAlphaIn", [v.netuid])) / TAO
        assert v.tempo == q(substrate, "Tempo", [v.netuid])
        assert v.registration_cost == Decimal(q(substrate, "Burn", [v.netuid])) / TAO
        assert v.owner_coldkey == q(substrate, "SubnetOwner", [v.netuid])
        assert v.uids == q(substrate, "SubnetworkN", [v.netuid])
        assert 0 <= v.blocks_to_next_epoch <= v.tempo + 1
    assert {v.name for v in views} >= {"Alpha", "Beta"}
    assert sum(v.emission_share_pct for v in views) in (Decimal(0), ) or abs(
        sum(v.emission_share_pct for v in views) - 100) < 1


def test_metagraph_equals_chain_storage(chain: ChainService, substrate: SubstrateInterface) -> None:
    graph = SubnetService(chain).metagraph(1)
    block_hash = substrate.get_block_hash(graph.block_number)
    n = q(substrate, "SubnetworkN", [1], block_hash)
    assert len(graph.neurons) == n
    incentive = q(substrate, "Incentive", [1], block_hash)
    dividends = q(substrate, "Dividends", [1], block_hash)
    vtrust = q(substrate, "ValidatorTrust", [1], block_hash)
    for neuron in graph.neurons:
        assert neuron.hotkey == q(substrate, "Keys", [1, neuron.uid], block_hash)
        assert neuron.incentive == (Decimal(incentive[neuron.uid]) / 65535).quantize(Decimal("0.000001"))
        assert neuron.dividends == (Decimal(dividends[neuron.uid]) / 65535).quantize(Decimal("0.000001"))
    assert max(n.trust for n in graph.neurons) <= 1 and len(vtrust) in (0, n)
    with pytest.raises(WalletError) as err:
        SubnetService(chain).metagraph(99)
    assert err.value.code == "subnet_not_found"


def test_validators_list_equals_chain_storage(chain: ChainService, substrate: SubstrateInterface) -> None:
    views = ValidatorService(chain).list(sort="stake")
    assert views and [v.total_stake_tao for v in views] == sorted((v.total_stake_tao for v in views), reverse=True)
    scenario_validators = {validator(1, i) for i in range(3)} | {validator(2, i) for i in range(2)}
    assert scenario_validators <= {v.hotkey for v in views}
    for v in views:
        assert v.take_pct == (Decimal(q(substrate, "Delegates", [v.hotkey])) * 100 / 65535).quantize(Decimal("0.01"))
        assert v.owner == q(substrate, "Owner", [v.hotkey])
        assert v.return_per_1000_tao_day >= 0
    on_two = ValidatorService(chain).list(2)
    assert {validator(2, 0), validator(2, 1)} <= {v.hotkey for v in on_two}
    assert validator(1, 0) not in {v.hotkey for v in on_two}
    assert [v.hotkey for v in ValidatorService(chain).list(filter_text=validator(1)[:12])] == [validator(1)]


def test_dropped_connection_mid_submit_is_resolved(url: str, funded: Account, tmp_path: Any,
                                                   session_chain: ChainService) -> None:
    """The socket dies right after the stake is sent: the runner finds it in a block; it ran exactly once."""
    from node.client.client import ChainClient
    from tao_wallet.services.staking import StakingService
    from tao_wallet.services.tx import PendingStore

    proxy = TcpProxy(urlparse(url).port or 0)
    try:
        client = ChainClient([proxy.url], timeout=5.0, max_rounds=2, backoff=0.2)
        via = ChainService(proxy.url, client=client)
        service = StakingService(via, TxRunner(via, PendingStore(tmp_path / "pending")))
        prepared = service.prepare_stake(funded.address, validator(1), 1, "1", tolerance_pct=Decimal(10))
        proxy.arm("forward")
        view = service.send(prepared, funded.signer)
        assert proxy.triggered.is_set()
        assert view.phase == "finalized" and view.success is True
        held = StakingService(session_chain).stake_alpha(funded.public_key, decode_address(validator(1)), 1)
        quote = prepared.preview.quote
        assert quote is not None and held <= int(quote.expected_out * TAO) * 102 // 100  # once, not twice
        assert not list((tmp_path / "pending").glob("*.json"))
        service.runner.close()
        via.close()
    finally:
        proxy.stop()
