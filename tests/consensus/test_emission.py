"""One tempo's payout: owner cut, miner incentive, validator take, nominator shares."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from node.consensus import (
    ConsensusInputError,
    EpochInput,
    Hyperparameters,
    Neuron,
    Position,
    SparseRows,
    TempoParams,
    distribute_emission,
    pending_for_tempo,
)

M = 65535


def subnet() -> EpochInput:
    """uids 0,1 validators (stake 3:1), uids 2,3 miners; owner hotkey is uid 3."""
    rows = [[(2, M), (3, M // 3)], [(2, M), (3, M)], [], []]
    return EpochInput(
        current_block=1000, last_update=np.full(4, 990, np.uint64), block_at_registration=np.zeros(4, np.uint64),
        stake=np.asarray([3_000_000, 1_000_000, 0, 0], np.uint64), validator_permit=np.asarray([1, 1, 0, 0], bool),
        weights=SparseRows.from_rows(rows), bonds=SparseRows.empty(4), hyper=Hyperparameters(tempo=360),
    )


NEURONS = [Neuron(0, "hv0", "cv0", take=M // 10), Neuron(1, "hv1", "cv1", take=0),
           Neuron(2, "hm2", "cm2"), Neuron(3, "howner", "cowner")]
POSITIONS = [Position("cv0", "hv0", 1_000_000), Position("nom", "hv0", 2_000_000), Position("cv1", "hv1", 1_000_000)]
PARAMS = TempoParams(alpha_out_per_block=1_000_000_000, blocks=361, owner_coldkey="cowner", owner_hotkey="howner")


def test_pending_split_per_block() -> None:
    server, validator, root, cut = pending_for_tempo(TempoParams(alpha_out_per_block=1_000_000_000, blocks=1))
    assert cut == (1_000_000_000 * ((11796 << 32) // M)) >> 32 == 179_995_422
    rest_raw = (1_000_000_000 << 32) - ((1_000_000_000 << 32) * ((11796 << 32) // M) >> 32)  # U96F32 keeps fractions
    assert server == (rest_raw >> 1) >> 32 == 410_002_288
    assert validator == (rest_raw - (rest_raw >> 1)) >> 32 and root == 0
    assert pending_for_tempo(TempoParams(alpha_out_per_block=1_000_000_000, blocks=361)) == \
        (server * 361, validator * 361, 0, cut * 361)
    s2, v2, r2, _ = pending_for_tempo(TempoParams(alpha_out_per_block=1_000_000_000, blocks=1, root_proportion=0.5))
    assert r2 > 0 and v2 + r2 == validator and s2 == server


def test_payout_conserves_alpha_and_follows_take() -> None:
    split = distribute_emission(subnet(), NEURONS, POSITIONS, PARAMS)
    paid = sum(split.incentive.values()) + sum(split.incentive_burned.values())
    # Miners get the epoch's server_emission, an I32F32 share of server + validator alpha: it
    # matches pending_server only up to that share's 2**-32 resolution.
    slack = (split.pending_server + split.pending_validator) / 2**31 + 4
    assert abs(split.pending_server - paid) <= slack
    assert "howner" in split.incentive_burned and "howner" not in split.incentive
    divs = sum(split.alpha_dividends.values())
    # Each hotkey's U96F32 share of the pending alpha is truncated at 2**-32 (as on chain).
    assert split.pending_validator - len(NEURONS) * (split.pending_validator / 2**32 + 1) <= divs
    assert divs <= split.pending_validator
    # Validator 0: 10% take, the rest to its pool shared 1:2 between owner stake and the nominator.
    take, pool = split.validator_take["hv0"], split.nominator_pool["hv0"]
    assert take + pool in (split.alpha_dividends["hv0"], split.alpha_dividends["hv0"] - 1)  # two floors
    assert abs(take - split.alpha_dividends["hv0"] * (M // 10) / M) <= split.alpha_dividends["hv0"] / 2**31 + 2
    assert split.position_earnings[("nom", "hv0")] == pool * 2 // 3
    assert split.coldkey_earnings["cv0"] == pool * 1 // 3 + take
    assert split.validator_take["hv1"] == 0
    assert split.coldkey_earnings["cm2"] == split.incentive["hm2"]
    assert split.coldkey_earnings["cowner"] == split.owner_cut == PARAMS.blocks * 179_995_422
    # Stake-weighted dividends: validator 0 holds 3/4 of the stake and the same bonds shape.
    assert split.alpha_dividends["hv0"] > 2 * split.alpha_dividends["hv1"]


def test_no_incentive_gives_validators_everything() -> None:
    inp = dataclasses.replace(subnet(), weights=SparseRows.empty(4))
    split = distribute_emission(inp, NEURONS, POSITIONS, PARAMS)
    assert sum(split.incentive.values()) == 0
    total = split.pending_server + split.pending_validator
    assert total - len(NEURONS) * (total / 2**32 + 1) <= sum(split.alpha_dividends.values()) <= total


def test_root_dividends_with_tao_weight() -> None:
    neurons = [dataclasses.replace(NEURONS[0], root_stake=3_000_000), *NEURONS[1:]]
    params = dataclasses.replace(PARAMS, root_proportion=0.2, tao_weight=1.0)
    split = distribute_emission(subnet(), neurons, POSITIONS, params)
    assert split.pending_root > 0
    assert split.root_dividends["hv0"] > 0 and split.root_dividends.get("hv1", 0) == 0
    no_sell = distribute_emission(subnet(), neurons, POSITIONS, dataclasses.replace(params, root_sell=False))
    assert no_sell.pending_root == 0 and no_sell.recycled_root == split.pending_root


def test_bad_payout_inputs() -> None:
    with pytest.raises(ConsensusInputError, match="each uid"):
        distribute_emission(subnet(), NEURONS[:3], POSITIONS, PARAMS)
    with pytest.raises(ConsensusInputError, match="unknown hotkey"):
        distribute_emission(subnet(), NEURONS, [Position("x", "nope", 1)], PARAMS)
