"""A tiny stand-in for the subtensor storage the Rust epoch tests drive (test helper only).

It keeps the per-uid state an epoch reads (LastUpdate, BlockAtRegistration, stake, permits,
Weights, Bonds) and applies the same bookkeeping as the extrinsics the Rust tests call:
``set_weights`` stores the max-upscaled row and stamps LastUpdate, ``epoch`` persists
ValidatorPermit and Bonds. Porting a Rust test means replaying its calls on this object.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from node.consensus import EpochInput, EpochOutput, Hyperparameters, SparseRows, run_epoch
from node.consensus.weights import max_upscale_u16


@dataclass
class ChainSim:
    """One subnet's epoch-relevant storage."""

    hyper: Hyperparameters = field(default_factory=Hyperparameters)
    block: int = 1
    owner_uid: int | None = None
    last_update: list[int] = field(default_factory=list)
    registered: list[int] = field(default_factory=list)
    stake: list[int] = field(default_factory=list)
    permit: list[bool] = field(default_factory=list)
    weights: list[list[tuple[int, int]]] = field(default_factory=list)
    bonds: list[list[tuple[int, int]]] = field(default_factory=list)
    last_output: EpochOutput | None = None
    mode: str = "exact"

    @property
    def n(self) -> int:
        return len(self.last_update)

    def register(self, stake: int = 0, block: int | None = None) -> int:
        """append_neuron: registration block and LastUpdate are ``block`` (default: current)."""
        at = self.block if block is None else block
        self.last_update.append(at)
        self.registered.append(at)
        self.stake.append(stake)
        self.permit.append(False)
        self.weights.append([])
        self.bonds.append([])
        return self.n - 1

    def replace(self, uid: int, stake: int = 0) -> None:
        """replace_neuron: new registration block, weights and bonds of the slot cleared."""
        self.last_update[uid] = self.block
        self.registered[uid] = self.block
        self.stake[uid] = stake
        self.weights[uid] = []
        self.bonds[uid] = []

    def set_hyper(self, **changes: int | bool) -> None:
        self.hyper = dataclasses.replace(self.hyper, **changes)  # type: ignore[arg-type]

    def set_weights(self, uid: int, uids: list[int], values: list[int]) -> None:
        self.weights[uid] = list(zip(uids, max_upscale_u16(values), strict=True))
        self.last_update[uid] = self.block

    def next_block(self, k: int = 1) -> None:
        self.block += k

    def input(self, rao: int = 1_000_000_000) -> EpochInput:
        return EpochInput(
            current_block=self.block,
            last_update=np.asarray(self.last_update, np.uint64),
            block_at_registration=np.asarray(self.registered, np.uint64),
            stake=np.asarray(self.stake, np.uint64),
            validator_permit=np.asarray(self.permit, bool),
            weights=SparseRows.from_rows(self.weights),
            bonds=SparseRows.from_rows(self.bonds),
            hyper=self.hyper,
            owner_uid=self.owner_uid,
            rao_emission=rao,
        )

    def epoch(self, rao: int = 1_000_000_000) -> EpochOutput:
        out = run_epoch(self.input(rao), self.mode)  # type: ignore[arg-type]
        self.permit = out.validator_permit.tolist()
        self.bonds = out.bonds.to_rows()
        self.last_output = out
        return out

    def reset_bonds_to(self, uid: int) -> None:
        """do_reset_bonds: drop every bond entry pointing at ``uid``."""
        self.bonds = [[(j, v) for j, v in row if j != uid] for row in self.bonds]

    def bond(self, i: int, j: int) -> int:
        return dict(self.bonds[i]).get(j, 0)
