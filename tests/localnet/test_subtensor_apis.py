"""Subtensor runtime APIs via Chain.state_call, decoded independently with bt-decode and the V15 types."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import bt_decode
import pytest
from substrateinterface import Keypair

from node.localnet.chain import Chain
from node.localnet.subtensor.api_codec import V15_PATH, load_api_codec
from node.localnet.subtensor.pallet import installer
from node.localnet.subtensor.rules.balancer import Balancer
from node.localnet.subtensor.rules.swap import Pool, sim_swap
from node.localnet.subtensor.scenario import Scenario, SubnetSpec
from tests.localnet.test_subtensor_chain import Client

TAO = 10**9
S = "SubtensorModule"
SC = Scenario(seed="api", tempo=4, subnets=(
    SubnetSpec(name="Alpha", validators=2, miners=3, pool_tao=100, pool_alpha=400, validator_stake=50),
    SubnetSpec(name="Beta", validators=2, miners=2, pool_tao=50, pool_alpha=50, validator_stake=20),
))


@pytest.fixture(scope="module")
def chain() -> Iterator[Chain]:
    c = Chain(None, installers=[installer(SC)])
    cl = Client(c)
    charlie = Keypair.create_from_uri("//Charlie", ss58_format=42)
    cl.call(charlie, S, "add_stake", hotkey=SC.key(1, "validator-hotkey", 0), netuid=1, amount_staked=5 * TAO)
    c.produce_blocks(2 * SC.tempo)
    yield c
    c.close()


@pytest.fixture(scope="module")
def registry() -> Any:
    md = bt_decode.MetadataV15.decode_from_metadata_option(bytes.fromhex(V15_PATH.read_text().strip()[2:]))
    return bt_decode.PortableRegistry.from_metadata_v15(md)


def plain(x: Any) -> Any:
    """bt-decode wraps newtypes (NetUid, AlphaBalance, AccountId...) in 1-tuples: unwrap them."""
    if isinstance(x, tuple) and len(x) == 1 and not isinstance(x[0], dict):
        return plain(x[0])
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        items = [plain(e) for e in x]
        return bytes(items) if len(items) == 32 and all(isinstance(e, int) and e < 256 for e in items) else items
    return x


def call(chain: Chain, registry: Any, method: str, args: bytes = b"") -> Any:
    raw = chain.state_call(method, args, None)
    return plain(bt_decode.decode(f"scale_info::{load_api_codec().methods[method].output}", registry, raw))


def u16(n: int) -> bytes:
    return n.to_bytes(2, "little")


def test_swap_apis_match_pool_rules(chain: Chain, registry: Any) -> None:
    st = chain.state_at()
    pool = Pool(tao_reserve=st.get(S, "SubnetTAO", 1), alpha_reserve=st.get(S, "SubnetAlphaIn", 1),
                balancer=Balancer(st.get("Swap", "SwapBalancer", 1)["quote"]), fee_rate=st.get("Swap", "FeeRate", 1))
    price = call(chain, registry, "SwapRuntimeApi_current_alpha_price", u16(1))
    assert price == pool.price() * 10**9 >> 64
    res = call(chain, registry, "SwapRuntimeApi_sim_swap_tao_for_alpha", u16(1) + (3 * TAO).to_bytes(8, "little"))
    expected = sim_swap(pool, buy=True, amount=3 * TAO)
    assert (res["alpha_amount"], res["tao_fee"]) == (expected.amount_paid_out, expected.fee_paid)
    res = call(chain, registry, "SwapRuntimeApi_sim_swap_alpha_for_tao", u16(1) + (3 * TAO).to_bytes(8, "little"))
    expected = sim_swap(pool, buy=False, amount=3 * TAO)
    assert res["tao_amount"] == expected.amount_paid_out
    prices = call(chain, registry, "SwapRuntimeApi_current_alpha_price_all")
    assert [p["netuid"] for p in prices] == [0, 1, 2] and prices[0]["price"] == TAO


def test_subnet_list_and_metagraph(chain: Chain, registry: Any) -> None:
    infos = call(chain, registry, "SubnetInfoRuntimeApi_get_all_dynamic_info")
    assert [i["netuid"] for i in infos] == [0, 1, 2]
    assert bytes(infos[1]["subnet_name"]) == b"Alpha"
    assert infos[1]["tao_in"] == chain.read(S, "SubnetTAO", 1)
    graph = call(chain, registry, "SubnetInfoRuntimeApi_get_metagraph", u16(1))
    n = chain.read(S, "SubnetworkN", 1)
    assert graph["num_uids"] == n == len(graph["hotkeys"]) == 1 + 2 + 3
    assert list(graph["incentives"]) == chain.read(S, "Incentive", 1)
    assert list(graph["dividends"]) == chain.read(S, "Dividends", 1)
    assert call(chain, registry, "SubnetInfoRuntimeApi_get_metagraph", u16(9)) is None
    hyper = call(chain, registry, "SubnetInfoRuntimeApi_get_subnet_hyperparams_v2", u16(1))
    assert hyper["tempo"] == SC.tempo and hyper["yuma_version"] == 3
    neurons = call(chain, registry, "NeuronInfoRuntimeApi_get_neurons_lite", u16(2))
    assert [x["uid"] for x in neurons] == list(range(5))
    nxt = call(chain, registry, "SubnetInfoRuntimeApi_get_next_epoch_start_block", u16(1))
    assert nxt == chain.read(S, "LastEpochBlock", 1) + SC.tempo


def test_stake_and_delegate_apis(chain: Chain, registry: Any) -> None:
    charlie = Keypair.create_from_uri("//Charlie", ss58_format=42)
    rows = call(chain, registry, "StakeInfoRuntimeApi_get_stake_info_for_coldkey", charlie.public_key)
    assert len(rows) == 1 and rows[0]["netuid"] == 1 and rows[0]["stake"] > 0
    delegates = call(chain, registry, "DelegateInfoRuntimeApi_get_delegates")
    assert len(delegates) == 4 and all(d["take"] == 11_796 for d in delegates)
    hk = SC.key(1, "validator-hotkey", 0)
    one = call(chain, registry, "DelegateInfoRuntimeApi_get_delegate", hk)
    assert one is not None and len(one["nominators"]) == 2  # its own coldkey and Charlie
    cost = call(chain, registry, "SubnetRegistrationRuntimeApi_get_network_registration_cost")
    assert cost == chain.read(S, "NetworkMinLockCost")


def test_hyperparams_v3_and_stake_availability(chain: Chain, registry: Any) -> None:
    entries = call(chain, registry, "SubnetInfoRuntimeApi_get_subnet_hyperparams_v3", u16(1))
    by_name = {bytes(e["name"]).decode(): e["value"] for e in entries}
    assert by_name["tempo"] == {"U16": SC.tempo}
    assert by_name["registration_allowed"] == {"Bool": True}
    assert list(by_name["burn_increase_mult"]) == ["U64F64"]
    charlie = Keypair.create_from_uri("//Charlie", ss58_format=42)
    args = bytes([4]) + charlie.public_key + b"\x00"  # Vec of one coldkey, netuids: None
    avail = call(chain, registry, "StakeInfoRuntimeApi_get_stake_availability_for_coldkeys", args)
    ck, (netuid, info) = avail  # one coldkey with one subnet (plain() unwraps the 1-element maps)
    assert ck == charlie.public_key
    assert netuid == 1 and info["total"] == info["available"] > 0 and info["locked"] == 0


def test_selective_metagraph_returns_only_requested_fields(chain: Chain, registry: Any) -> None:
    # indexes: 0 netuid, 1 name, 4 network_registered_at; Vec<u16> is SCALE compact length + u16 LE items
    args = u16(1) + bytes([3 * 4]) + u16(0) + u16(1) + u16(4)
    sel = call(chain, registry, "SubnetInfoRuntimeApi_get_selective_metagraph", args)
    assert sel["netuid"] == 1 and bytes(sel["name"]) == b"Alpha"
    assert sel["network_registered_at"] == 0
    assert sel["hotkeys"] is None and sel["tempo"] is None


def test_stake_fee(chain: Chain, registry: Any) -> None:
    hk = SC.key(1, "validator-hotkey", 0)
    some = b"\x01" + hk + u16(1)
    args = some + bytes(32) + b"\x01" + hk + u16(2) + bytes(32) + (10 * TAO).to_bytes(8, "little")
    fee = call(chain, registry, "StakeInfoRuntimeApi_get_stake_fee", args)
    assert fee == 10 * TAO * 33 // 65_535 or abs(fee - 10 * TAO * 33 // 65_535) <= 1
    same = some + bytes(32) + some + bytes(32) + (10 * TAO).to_bytes(8, "little")
    assert call(chain, registry, "StakeInfoRuntimeApi_get_stake_fee", same) == 0


def test_subnet_info_v1_and_state(chain: Chain, registry: Any) -> None:
    infos = call(chain, registry, "SubnetInfoRuntimeApi_get_subnets_info")
    assert [i["netuid"] for i in infos] == [0, 1, 2] and infos[2]["subnetwork_n"] == 1 + 2 + 2
    state = call(chain, registry, "SubnetInfoRuntimeApi_get_subnet_state", u16(2))
    assert len(state["hotkeys"]) == 5 and list(state["incentives"]) == chain.read(S, "Incentive", 2)
