"""Chain-exact numpy Yuma consensus and the emission split (no I/O, no UI).

Public surface (documented in docs/consensus.md):

* ``run_epoch(inp, mode="exact")`` -- one subnet epoch, bit-identical to subtensor in exact mode.
* ``run_epochs(inp, epochs, ...)`` -- consecutive epochs carrying bonds and permits forward.
* ``run_batch(inputs, mode)`` -- many subnets in one vectorised call.
* ``distribute_emission(...)`` -- one tempo's owner cut, miner incentive, validator take and
  nominator shares, down to per-position earnings.
* ``tune_allocator()`` -- opt-in glibc tuning for long-running epoch-heavy processes.
"""

from __future__ import annotations

from node.consensus.alloc import tune_allocator
from node.consensus.driver import next_input, run_batch, run_epoch, run_epochs
from node.consensus.emission import (
    EmissionSplit,
    Neuron,
    Position,
    TempoParams,
    distribute_emission,
    pending_for_tempo,
)
from node.consensus.types import (
    ConsensusInputError,
    EpochInput,
    EpochOutput,
    Hyperparameters,
    Mode,
    SparseRows,
)

__all__ = [
    "ConsensusInputError",
    "EmissionSplit",
    "EpochInput",
    "EpochOutput",
    "Hyperparameters",
    "Mode",
    "Neuron",
    "Position",
    "SparseRows",
    "TempoParams",
    "distribute_emission",
    "next_input",
    "pending_for_tempo",
    "run_batch",
    "run_epoch",
    "run_epochs",
    "tune_allocator",
]
