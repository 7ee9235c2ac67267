"""The per-block coinbase on a real in-process Chain: each subnet's stored emission terms follow the chain's
rule (`run_coinbase.rs::get_subnet_terms` + `subnet_emissions.rs::get_shares`), recomputed here in exact
rational arithmetic from the parent block's state, and together they add up to the block emission.

Rule (subtensor main since c3841130, 2026-06-22): E = block emission for TotalIssuance; subnet i gets
E * p_i (1 - b_i) / sum_j p_j (1 - b_j) with p = SubnetMovingPrice, b = MinerBurned. Of that TAO,
alpha_in = tao_i / price_i is injected with tao_in = tao_i, unless alpha_in exceeds
root_proportion_i * alpha_emission_i; then both are capped (tao_in = cap * price) and the rest, excess TAO,
buys alpha for the protocol. root_proportion = w * rootTAO / (w * rootTAO + alpha issuance), w = TaoWeight.
btcli shows SubnetTaoInEmission (DynamicInfo.tao_in_emission) as a subnet's "Emission".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import bt_decode
import pytest
from substrateinterface import Keypair

from node.localnet.chain import Chain
from node.localnet.metadata_extension import extend_metadata_option
from node.localnet.subtensor.api_codec import V15_PATH, load_api_codec
from node.localnet.subtensor.pallet import installer
from tests.localnet.test_subtensor_chain import Client, failure

pytestmark = pytest.mark.timeout(120)

TAO = 10**9
S = "SubtensorModule"
SUPPLY = 21_000_000 * TAO
DEFAULT_EMISSION = TAO
PERQUINTILL = 10**18
SCENARIO: dict[str, Any] = {
    "seed": "coinbase-test", "tempo": 1000, "simulate_weights": False,
    "subnets": [
        {"name": "A", "validators": 2, "miners": 2, "pool_tao": 1000, "pool_alpha": 20_000, "validator_stake": 500},
        {"name": "B", "validators": 2, "miners": 2, "pool_tao": 300, "pool_alpha": 30_000, "validator_stake": 500},
        {"name": "C", "validators": 2, "miners": 2, "pool_tao": 50, "pool_alpha": 50_000, "validator_stake": 500},
    ],
}

ROOT_SELL = {**SCENARIO, "subnets": [*SCENARIO["subnets"][:2],
                                     {**SCENARIO["subnets"][2], "pool_tao": 3000, "pool_alpha": 2000}]}
"""Moving prices sum above 1 (subnet C at 1.5): root's alpha share is kept as pending root dividends."""


@dataclass(frozen=True)
class Terms:
    """One subnet's expected terms for a block, exact rationals in rao."""

    tao_emission: Fraction
    tao_in: Fraction
    alpha_in: Fraction
    excess: Fraction
    alpha_out: int


def emission_for_issuance(issuance: int) -> int:
    """DefaultBlockEmission halved once per halving of the remaining supply: 1e9 / 2^floor(-log2(1 - I/S))."""
    residual = 1 - Fraction(issuance, SUPPLY)
    if residual <= 0:
        return 0
    halvings = 0
    while residual * 2 ** (halvings + 1) <= 1:
        halvings += 1
    return DEFAULT_EMISSION // 2**halvings


def expected_terms(chain: Chain, parent: bytes) -> tuple[int, dict[int, Terms]]:
    """The block emission and every emitting subnet's terms, from the parent block's storage only."""
    def get(item: str, *keys: Any, pallet: str = S) -> Any:
        return chain.read(pallet, item, *keys, at=parent)

    block_emission = emission_for_issuance(int(get("TotalIssuance")))
    nets = [n for n in range(1, int(get("TotalNetworks"))) if get("NetworksAdded", n)
            and get("FirstEmissionBlockNumber", n) is not None and get("SubtokenEnabled", n)
            and get("NetworkRegistrationAllowed", n)]
    weight = {n: Fraction(int(get("SubnetMovingPrice", n)["bits"]), 2**32)
              * (1 - min(Fraction(int(get("MinerBurned", n)["bits"]), 2**64), Fraction(1))) for n in nets}
    tao_weight = Fraction(int(get("TaoWeight")), 2**64 - 1)
    root_tao = int(get("SubnetTAO", 0))
    out: dict[int, Terms] = {}
    for n in nets:
        tao_i = block_emission * weight[n] / sum(weight.values())
        alpha_reserve, tao_reserve = int(get("SubnetAlphaIn", n)), int(get("SubnetTAO", n))
        quote = int(get("SwapBalancer", n, pallet="Swap")["quote"])
        price = Fraction(PERQUINTILL - quote, quote) * tao_reserve / alpha_reserve
        issuance = alpha_reserve + int(get("SubnetAlphaOut", n))
        alpha_emission = emission_for_issuance(issuance)
        root_prop = (tao_weight * root_tao / (tao_weight * root_tao + issuance)) if root_tao else Fraction(0)
        tao_in, alpha_in = tao_i, tao_i / price
        cap = root_prop * alpha_emission
        if alpha_in > cap:
            alpha_in, tao_in = cap, cap * price
        out[n] = Terms(tao_i, tao_in, alpha_in, tao_i - tao_in, alpha_emission)
    return block_emission, out


def close(stored: int, exact: Fraction) -> bool:
    """Stored (fixed-point, floored) value equals the exact one up to rounding: 2 rao + 1e-8 relative."""
    return abs(stored - exact) <= 2 + exact / 10**8


@pytest.fixture
def chain() -> Iterator[Chain]:
    c = Chain(None, installers=[installer(SCENARIO)])
    c.produce_blocks(3)
    yield c
    c.close()


def dynamic_info_emissions(chain: Chain, at: bytes) -> dict[int, int]:
    """tao_in_emission per netuid from SubnetInfoRuntimeApi_get_all_dynamic_info, decoded as btcli does."""
    option = extend_metadata_option(bytes.fromhex(V15_PATH.read_text().strip().removeprefix("0x")))
    registry = bt_decode.PortableRegistry.from_metadata_v15(bt_decode.MetadataV15.decode_from_metadata_option(option))
    method = "SubnetInfoRuntimeApi_get_all_dynamic_info"
    infos = bt_decode.decode(f"scale_info::{load_api_codec().methods[method].output}", registry,
                             chain.state_call(method, b"", at))
    out = {}
    for info in infos:
        (netuid,) = info["netuid"]
        emission = info["tao_in_emission"]
        while isinstance(emission, tuple):
            (emission,) = emission
        out[int(netuid)] = int(emission)
    return out


def check_block(chain: Chain, number: int) -> dict[int, Terms]:
    """Assert block `number`'s stored terms against the rule recomputed from block `number - 1`."""
    parent, block = chain.block_hash(number - 1), chain.block_hash(number)
    assert parent is not None and block is not None
    block_emission, terms = expected_terms(chain, parent)
    assert terms and chain.read(S, "BlockEmission", at=block) == block_emission
    total = 0
    for n, t in terms.items():
        tao_in = int(chain.read(S, "SubnetTaoInEmission", n, at=block))
        excess = int(chain.read(S, "SubnetExcessTao", n, at=block))
        alpha_in = int(chain.read(S, "SubnetAlphaInEmission", n, at=block))
        assert close(tao_in, t.tao_in), (n, tao_in, float(t.tao_in))
        assert close(excess, t.excess), (n, excess, float(t.excess))
        assert close(alpha_in, t.alpha_in), (n, alpha_in, float(t.alpha_in))
        assert chain.read(S, "SubnetAlphaOutEmission", n, at=block) == t.alpha_out
        assert close(tao_in + excess, t.tao_emission)
        tao_before = int(chain.read(S, "SubnetTAO", n, at=parent))
        assert int(chain.read(S, "SubnetTAO", n, at=block)) >= tao_before + tao_in  # injected TAO is in the pool
        check_pending_split(chain, n, parent, block, alpha_in)
        total += tao_in + excess
    assert block_emission - 3 * len(terms) <= total <= block_emission  # only floor dust is not emitted
    return terms


def check_pending_split(chain: Chain, n: int, parent: bytes, block: bytes, alpha_in: int) -> None:
    """alpha_out minus the owner cut: half to miners, half to validators minus root's share (root
    proportion re-read after this block's alpha was minted); root's share is pending only if the
    moving prices sum above 1, else recycled."""
    def delta(item: str) -> int:
        return int(chain.read(S, item, n, at=block)) - int(chain.read(S, item, n, at=parent))

    alpha_out = int(chain.read(S, "SubnetAlphaOutEmission", n, at=block))
    cut = alpha_out * Fraction(int(chain.read(S, "SubnetOwnerCut", at=parent)), 65_535)
    remaining = alpha_out - (cut if chain.read(S, "OwnerCutEnabled", n, at=parent) else 0)
    issuance = (int(chain.read(S, "SubnetAlphaIn", n, at=parent)) + int(chain.read(S, "SubnetAlphaOut", n, at=parent))
                + alpha_in + alpha_out)
    root_tao = int(chain.read(S, "SubnetTAO", 0, at=parent))
    weighted_root = Fraction(int(chain.read(S, "TaoWeight", at=parent)), 2**64 - 1) * root_tao
    root_alpha = remaining / 2 * (weighted_root / (weighted_root + issuance) if root_tao else 0)
    assert close(delta("PendingOwnerCut"), alpha_out - remaining)
    assert close(delta("PendingServerEmission"), remaining / 2)
    assert close(delta("PendingValidatorEmission"), remaining / 2 - root_alpha)
    nets = [m for m in range(1, int(chain.read(S, "TotalNetworks", at=parent)))
            if chain.read(S, "FirstEmissionBlockNumber", m, at=parent) is not None]
    prices = sum(Fraction(int(chain.read(S, "SubnetMovingPrice", m, at=parent)["bits"]), 2**32) for m in nets)
    assert close(delta("PendingRootAlphaDivs"), root_alpha if prices > 1 else Fraction(0))


def test_empty_root_sends_every_subnets_emission_to_chain_buys(chain: Chain) -> None:
    """With no TAO on root, root_proportion is 0, so nothing can be injected: all of it is excess TAO."""
    assert int(chain.read(S, "SubnetTAO", 0)) == 0
    for number in (2, 3):
        terms = check_block(chain, number)
        shares = sorted(t.tao_emission for t in terms.values())
        assert shares[0] < shares[-1] and all(t.tao_in == 0 and t.excess == t.tao_emission for t in terms.values())
    head = chain.block_hash(3)
    assert head is not None
    assert set(dynamic_info_emissions(chain, head).values()) == {0}  # what btcli shows as Emission


@pytest.mark.parametrize("scenario", [SCENARIO, ROOT_SELL], ids=["root-alpha-recycled", "root-sell"])
def test_root_stake_makes_subnets_inject_tao(scenario: dict[str, Any]) -> None:
    """With TAO staked on root, each subnet injects up to root_proportion * alpha_emission alpha (and its
    TAO), as btcli's Emission column then shows; the remainder still buys alpha."""
    chain = Chain(None, installers=[installer(scenario)])
    try:
        _root_stake_case(chain, root_sell=scenario is ROOT_SELL)
    finally:
        chain.close()


def _root_stake_case(chain: Chain, root_sell: bool) -> None:
    cl = Client(chain)
    alice = Keypair.create_from_uri("//Alice", ss58_format=42)
    hotkey = Keypair.create_from_uri("//Alice//root", ss58_format=42).public_key
    assert failure(cl.call(alice, S, "root_register", hotkey=hotkey)) is None
    events = cl.call(alice, S, "add_stake", hotkey=hotkey, netuid=0, amount_staked=100_000 * TAO)
    assert failure(events) is None, events
    assert int(chain.read(S, "SubnetTAO", 0)) >= 99_000 * TAO
    chain.produce_blocks(2)
    number = chain.best_number
    terms = check_block(chain, number)
    assert all(t.tao_in > 0 for t in terms.values())
    assert any(t.excess > 0 for t in terms.values()) and any(t.tao_in < t.tao_emission for t in terms.values())
    block = chain.block_hash(number)
    assert block is not None
    shown = dynamic_info_emissions(chain, block)
    for n, t in terms.items():
        assert close(shown[n], t.tao_in) and shown[n] == chain.read(S, "SubnetTaoInEmission", n, at=block)
    pending_root = [int(chain.read(S, "PendingRootAlphaDivs", n, at=block)) for n in terms]
    assert all(pending_root) if root_sell else not any(pending_root)
