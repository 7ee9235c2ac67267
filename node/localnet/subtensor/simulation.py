"""Simulated demo actors: validators set noisy weights once per tempo; nominators add stake now and then.

Each miner has a fixed hidden quality (from the scenario seed); each validator observes it with its own
multiplicative noise every tempo, so consensus, bonds, incentives and dividends evolve. Weights go
through the same `set_weights` checks as a signed call, and nominators' stake through `add_stake`'s
(the simulation only skips the signature). Both run at the end of the block, after its extrinsics.
"""

from __future__ import annotations

import logging
import random

from node.localnet.runtime.pallet import DispatchError
from node.localnet.subtensor import staking
from node.localnet.subtensor import subnets as sn
from node.localnet.subtensor.context import Ctx
from node.localnet.subtensor.scenario import TAO, Scenario

log = logging.getLogger(__name__)


class WeightSimulator:
    """Knows the demo validators of a scenario and sets their weights on schedule."""

    def __init__(self, scenario: Scenario) -> None:
        self.sc = scenario
        self.validators: dict[int, list[bytes]] = {}
        self.quality: dict[int, list[float]] = {}
        for netuid, spec in enumerate(scenario.subnets, start=1):
            self.validators[netuid] = [scenario.key(netuid, "validator-hotkey", i) for i in range(spec.validators)]
            rng = random.Random(f"{scenario.seed}/{netuid}/quality")
            self.quality[netuid] = [rng.uniform(0.05, 1.0) ** 2 for _ in range(spec.miners)]

    def step(self, c: Ctx) -> None:
        """Let every validator whose slot is this block set weights (slot = (block + i) % tempo == 0),
        then every nominator whose turn it is add stake."""
        self._nominate(c)
        if not self.sc.simulate_weights:
            return
        for netuid, hotkeys in self.validators.items():
            tempo = max(int(c.get("Tempo", netuid)), 1)
            for i, hk in enumerate(hotkeys):
                if (c.block + i) % tempo:
                    continue
                self._set(c, netuid, i, hk)

    def _set(self, c: Ctx, netuid: int, index: int, hotkey: bytes) -> None:
        n = int(c.get("SubnetworkN", netuid))
        first_miner = 1 + len(self.validators[netuid])
        rng = random.Random(f"{self.sc.seed}/{netuid}/{index}/{c.block}")
        dests, weights = [], []
        for j, q in enumerate(self.quality[netuid]):
            uid = first_miner + j
            if uid >= n:
                break
            noisy = q * max(0.0, 1.0 + rng.gauss(0.0, self.sc.weight_noise))
            dests.append(uid)
            weights.append(max(1, min(65_535, int(noisy * 60_000))))
        if not dests:
            return
        c.state.begin()
        try:
            sn.set_weights(c, hotkey, netuid, dests, weights, int(c.get("WeightsVersionKey", netuid)))
        except DispatchError as exc:
            c.state.rollback()
            log.debug("demo validator %d on netuid %d could not set weights: %s", index, netuid, exc)
            return
        c.state.commit()

    def _nominate(self, c: Ctx) -> None:
        """Nominators with `add_stake_every` add `add_stake_tao` TAO to their first position on schedule."""
        for index, nom in enumerate(self.sc.nominators):
            if not nom.add_stake_every or c.block % nom.add_stake_every != nom.add_stake_offset:
                continue
            first = nom.stakes[0]
            hotkey = self.sc.key(first.netuid, "validator-hotkey", first.validator)
            c.state.begin()
            try:
                staking.add_stake(c, self.sc.nominator_key(index), hotkey, first.netuid, nom.add_stake_tao * TAO)
            except DispatchError as exc:
                c.state.rollback()
                log.debug("demo nominator %d could not add stake on netuid %d: %s", index, first.netuid, exc)
                continue
            c.state.commit()
