"""The shipped demo network: it loads, has the promised shape, and its simulated validators drive epochs."""

from __future__ import annotations

from node.localnet.chain import Chain
from node.localnet.subtensor.pallet import demo_installer
from node.localnet.subtensor.scenario import DEMO_SCENARIO, load_scenario

S = "SubtensorModule"


def test_demo_scenario_shape() -> None:
    sc = load_scenario(DEMO_SCENARIO)
    assert 3 <= len(sc.subnets) <= 4
    for spec in sc.subnets:
        assert 8 <= spec.validators <= 16 and spec.miners >= 64 and spec.description
    assert sc.tempo <= 30  # a new user sees epochs within a minute or two


def test_demo_network_runs_epochs_with_simulated_weights() -> None:
    sc = load_scenario(DEMO_SCENARIO)
    chain = Chain(None, installers=[demo_installer()])
    try:
        assert chain.read(S, "TotalNetworks") == 1 + len(sc.subnets)
        chain.produce_blocks(2 * sc.tempo + 2)
        for netuid, spec in enumerate(sc.subnets, start=1):
            assert chain.read(S, "SubnetworkN", netuid) == 1 + spec.validators + spec.miners
            ident = chain.read(S, "SubnetIdentitiesV3", netuid)
            assert ident is not None and spec.name in str(ident["subnet_name"])
            assert chain.read(S, "LastMechansimStepBlock", netuid) > sc.tempo  # a second epoch ran
            incentive = chain.read(S, "Incentive", netuid)
            dividends = chain.read(S, "Dividends", netuid)
            assert sum(incentive[1 + spec.validators:]) > 60_000  # miners share the incentive
            assert sum(dividends[1:1 + spec.validators]) > 60_000  # validators earn dividends
            assert chain.read(S, "SubnetTAO", netuid) > spec.pool_tao * 10**9  # TAO emission injected
    finally:
        chain.close()
