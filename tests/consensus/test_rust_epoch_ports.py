"""Ports of subtensor's pallets/subtensor/src/tests/epoch.rs (snapshot 14bc6f9f), exact mode.

Each test replays the Rust test's storage writes on ChainSim and asserts the same numbers with
the same tolerance (exact equality where Rust uses assert_eq!).
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from node.consensus import Hyperparameters
from tests.consensus.chain_sim import ChainSim

U16_MAX = 65535
HIGH_TEMPO = U16_MAX - 1


def distribute_nodes(validators_n: int, network_n: int, interleave: int, seed: int = 0) -> tuple[list[int], list[int]]:
    """epoch.rs distribute_nodes: blockwise, regular or random interleaving."""
    if interleave == 0:
        return list(range(validators_n)), list(range(validators_n, network_n))
    if interleave == 1:
        step = network_n // validators_n
        vals = [i for i in range(network_n) if i % step == 0]
        return vals, [i for i in range(network_n) if i % step != 0]
    perm = list(range(network_n))
    random.Random(seed).shuffle(perm)
    return perm[:validators_n], perm[validators_n:]


def test_1_graph() -> None:
    sim = ChainSim(hyper=Hyperparameters(tempo=HIGH_TEMPO))
    uid = sim.register(1_000_000_000)  # register_ok_neuron at block 1, then add_stake
    sim.set_weights(uid, [uid], [U16_MAX])
    out = sim.epoch()
    assert out.consensus[uid] == 0
    assert out.incentive[uid] == 0
    assert out.dividends[uid] == 0
    assert out.emission[uid] == 1_000_000_000  # no weights: emission follows active stake


def test_10_graph() -> None:
    sim = ChainSim(hyper=Hyperparameters(tempo=HIGH_TEMPO))
    for _ in range(10):
        sim.register(1, block=0)  # append_neuron(netuid, hotkey, 0)
    for i in range(10):
        sim.set_weights(i, [i], [U16_MAX])
    out = sim.epoch()
    for i in range(10):
        assert out.consensus[i] == 0
        assert out.incentive[i] == 0
        assert out.dividends[i] == 0
        assert out.emission[i] == 99_999_999


def init_run_epochs(
    network_n: int, validators: list[int], servers: list[int], epochs: int, stake_per_validator: int,
    server_self: bool, bonds_penalty: int,
) -> ChainSim:
    """epoch.rs init_run_epochs without input stake/weights and without random weights."""
    sim = ChainSim(hyper=Hyperparameters(tempo=HIGH_TEMPO, bonds_penalty=bonds_penalty))
    for key in range(network_n):
        sim.register(stake_per_validator if key in validators else 0, block=0)
    sim.set_hyper(max_allowed_validators=len(validators))
    sim.epoch()
    weights = [U16_MAX // network_n] * len(servers)
    for uid in validators:
        sim.set_weights(uid, servers, weights)
    if server_self:
        for uid in servers:
            sim.set_weights(uid, [uid], [U16_MAX])
    for _ in range(epochs):
        sim.epoch()
    return sim


@pytest.mark.slow
@pytest.mark.parametrize("interleave", [0, 1, 2])
@pytest.mark.parametrize("server_self", [False, True])
def test_512_graph(interleave: int, server_self: bool) -> None:
    validators, servers = distribute_nodes(64, 512, interleave)
    sim = init_run_epochs(512, validators, servers, 3, 328_125_000_000_000, server_self, U16_MAX)
    out = sim.last_output
    assert out is not None
    server, validator = servers[0], validators[0]
    for uid in validators:
        assert out.consensus[uid] == 0
        assert out.incentive[uid] == 0
        assert out.dividends[uid] == 1023
        assert out.emission[uid] == 7_812_500
        assert sim.bond(uid, validator) == 0
        assert sim.bond(uid, server) == U16_MAX
    for uid in servers:
        assert out.consensus[uid] == 146
        assert out.incentive[uid] == 146
        assert out.dividends[uid] == 0
        assert out.emission[uid] == 1_116_071
        assert sim.bond(uid, validator) == 0
        assert sim.bond(uid, server) == 0


def test_bonds() -> None:
    sim = ChainSim(hyper=Hyperparameters(tempo=1, bonds_penalty=U16_MAX))
    for s in [1, 2, 3, 4, 0, 0, 0, 0]:
        sim.register(s)
    sim.set_hyper(max_allowed_validators=8)
    sim.epoch()
    sim.next_block()
    for uid in range(4):
        sim.set_weights(uid, [4, 5, 6, 7], [U16_MAX // 4, U16_MAX // 2, (U16_MAX // 4) * 3, U16_MAX])
    out = sim.epoch()
    assert out.emission.tolist() == [49999998, 99999999, 150000000, 200000001,
                                     49998779, 100000610, 149996337, 200004272]  # trace E in epoch.rs
    assert [sim.bond(i, 4) for i in range(4)] == [16383, 32767, 49151, 65535]
    steps: list[tuple[tuple[int, list[int]] | None, int, list[int]]] = [
        ((0, [0]), 4, [14582, 32767, 49151, 65535]),
        ((1, [1]), 4, [12603, 28321, 49151, 65535]),
        ((2, [2]), 7, [12602, 28320, 49150, 65535]),
        ((2, [7]), 7, [10951, 24609, 49150, 65535]),
        (None, 7, [9559, 21482, 49150, 65535]),
        (None, 7, [8376, 18824, 49150, 65535]),
    ]
    for change, col, expected in steps:
        if change is not None:
            sim.set_weights(change[0], change[1], [U16_MAX])
        sim.next_block()
        sim.epoch()
        assert [sim.bond(i, col) for i in range(4)] == expected


def test_active_stake() -> None:
    sim = ChainSim(hyper=Hyperparameters(tempo=1), block=0)
    for _ in range(4):
        sim.register(1)
    sim.set_hyper(max_allowed_validators=4)
    sim.epoch()
    sim.next_block()
    for uid in range(2):
        sim.set_weights(uid, [2, 3], [U16_MAX // 2] * 2)
    out = sim.epoch()
    for uid in range(4):
        if uid < 2:
            assert out.dividends[uid] == 32767
        assert out.emission[uid] == 250_000_000
    for v in range(2):
        assert [sim.bond(v, j) for j in range(4)] == [0, 0, U16_MAX, U16_MAX]
    sim.block = 5000 + 2  # run_to_block(activity_cutoff + 2); the deprecated ActivityCutoff is 5000
    sim.set_weights(0, [2, 3], [U16_MAX // 2] * 2)
    out = sim.epoch()
    assert out.dividends[0] == 36044
    assert out.emission[0] == 274_999_999
    assert sim.bond(0, 2) == sim.bond(0, 3) == U16_MAX
    assert out.dividends[1] == 29490
    assert out.emission[1] == 224_999_999
    assert sim.bond(1, 2) == sim.bond(1, 3) == 53619
    sim.set_weights(1, [2, 3], [U16_MAX // 2] * 2)
    sim.block = 5000 + 3
    out = sim.epoch()
    assert out.dividends[0] == 35716
    assert out.emission[0] == 272_501_132
    assert sim.bond(0, 2) == sim.bond(0, 3) == U16_MAX
    assert out.dividends[1] == 29818
    assert out.emission[1] == 227_498_866
    assert sim.bond(1, 2) == sim.bond(1, 3) == 54712


def test_outdated_weights() -> None:
    sim = ChainSim(hyper=Hyperparameters(tempo=0, bonds_penalty=U16_MAX))
    for _ in range(4):
        sim.register(1)
    sim.set_hyper(max_allowed_validators=4)
    sim.epoch()
    sim.next_block()
    for uid in range(2):
        sim.set_weights(uid, [2, 3], [2 * (U16_MAX // 3), U16_MAX // 3])
    for uid in range(2, 4):
        sim.set_weights(uid, [uid], [U16_MAX])
    sim.epoch()
    sim.replace(3, 0)  # the new key takes uid 3 (asserted in the Rust test)
    sim.next_block()
    sim.set_weights(0, [2, 3], [2 * (U16_MAX // 3), U16_MAX // 3])
    out = sim.epoch()
    assert out.dividends[0] == 32767
    assert out.emission[0] == 250_000_000
    assert sim.bond(0, 2) == U16_MAX
    assert sim.bond(0, 3) == U16_MAX


def test_zero_weights() -> None:
    sim = ChainSim(hyper=Hyperparameters(tempo=HIGH_TEMPO), block=0)
    sim.register(1)
    sim.register(0)
    out = sim.epoch()
    assert out.emission.tolist() == [1_000_000_000, 0]
    sim.block = 1
    sim.set_weights(1, [1], [U16_MAX])
    out = sim.epoch()
    assert out.emission.tolist() == [1_000_000_000, 0]
    sim.block = 2
    sim.set_weights(0, [1], [U16_MAX])
    sim.replace(1, 0)  # registering key 2 at capacity prunes uid 1 (BlockAtRegistration [0, 2])
    out = sim.epoch()
    assert out.emission.tolist() == [1_000_000_000, 0]
    sim.block = 3
    sim.set_weights(0, [1], [U16_MAX])
    out = sim.epoch()
    assert out.emission.tolist() == [500_000_000, 500_000_000]


def test_deregistered_miner_bonds() -> None:
    sim = ChainSim(hyper=Hyperparameters(tempo=HIGH_TEMPO, bonds_penalty=U16_MAX))
    for _ in range(4):
        sim.register(1)
    sim.set_hyper(max_allowed_validators=4)
    sim.epoch()
    sim.next_block()
    for uid in range(2):
        sim.set_weights(uid, [2, 3], [2 * (U16_MAX // 3), U16_MAX // 3])
    sim.next_block(2)
    sim.set_hyper(tempo=2)
    sim.epoch()
    b02, b03 = sim.bond(0, 2), sim.bond(0, 3)
    assert b02 > 0 and b03 > 0
    sim.set_hyper(tempo=HIGH_TEMPO)
    sim.next_block()
    sim.replace(3, 0)
    for uid in range(2):
        sim.set_weights(uid, [2, 3], [2 * (U16_MAX // 3), U16_MAX // 3])
    sim.next_block()
    assert sim.registered[3] >= sim.block - 2
    sim.set_hyper(tempo=2)
    sim.epoch()
    assert sim.bond(0, 2) >= b02
    assert sim.bond(0, 3) <= b03


@pytest.mark.parametrize("interleave", [0, 1, 2])
@pytest.mark.parametrize(("network_n", "validators_n"), [(2, 1), (4, 2), (8, 4)])
@pytest.mark.parametrize("assignment", [0, 1])
def test_validator_permits(interleave: int, network_n: int, validators_n: int, assignment: int) -> None:
    validators, servers = distribute_nodes(validators_n, network_n, interleave, seed=network_n)
    stake = [0] * network_n
    for v in validators:
        stake[v] = v + network_n if assignment == 1 else 1
    for s in servers:
        stake[s] = s if assignment == 1 else 0
    min_stake = validators_n
    sim = ChainSim(hyper=Hyperparameters(tempo=HIGH_TEMPO, stake_threshold=min_stake), block=0)
    for key in range(network_n):
        sim.register(stake[key])
    sim.set_hyper(max_allowed_validators=validators_n)
    out = sim.epoch()
    for v in validators:
        assert bool(out.validator_permit[v]) == (stake[v] >= min_stake)
    for s in servers:
        assert not out.validator_permit[s]
    for s in servers:
        sim.stake[s] += 2 * network_n
    sim.block = 1
    out = sim.epoch()
    for v in validators:
        assert not out.validator_permit[v]
    for s in servers:
        assert bool(out.validator_permit[s]) == (stake[s] + 2 * network_n >= min_stake)


def test_can_set_self_weight_as_subnet_owner() -> None:
    sim = ChainSim(hyper=Hyperparameters(), owner_uid=0)
    sim.register(5_000_000_000_000)  # owner hotkey registered with the network
    sim.register(0)
    sim.permit = [True, False]
    sim.weights[0] = [(0, U16_MAX // 2), (1, U16_MAX // 2)]
    sim.next_block()
    sim.last_update = [2, 0]
    out = sim.epoch(rao=1_000_000_000)
    assert out.server_emission[0] > 0 and out.server_emission[1] > 0
    assert out.server_emission[0] == out.server_emission[1]


def test_epoch_outputs_single_staker_registered_no_weights() -> None:
    sim = ChainSim(hyper=Hyperparameters(tempo=HIGH_TEMPO))
    sim.register(1)
    out = sim.epoch(rao=1_000_000_000)
    total = int(out.server_emission.sum()) + int(out.validator_emission.sum())
    assert abs(total - 1_000_000_000) <= 1_000


def test_permits_carry_through_empty_bond_rows() -> None:
    """Sparse path: rows of uids without a new permit are written empty (yuma-epoch.md §7)."""
    sim = ChainSim(hyper=Hyperparameters(tempo=HIGH_TEMPO, max_allowed_validators=1), block=0)
    sim.register(10)
    sim.register(1)
    sim.bonds[1] = [(0, 500)]
    sim.block = 1
    out = sim.epoch()
    assert out.validator_permit.tolist() == [True, False]
    assert sim.bonds[1] == []
    assert np.all(out.active)
