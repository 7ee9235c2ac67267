"""Entry points: one epoch, a run of epochs carrying state forward, and a batch of subnets."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from node.consensus.arith import arith_for
from node.consensus.epoch import epoch_batch
from node.consensus.types import EpochInput, EpochOutput, Mode, SparseRows


def run_epoch(inp: EpochInput, mode: Mode = "exact") -> EpochOutput:
    """Run one subnet epoch as the chain does; ``mode="exact"`` is bit-identical to the chain."""
    return epoch_batch(arith_for(mode), [inp])[0]


GROUP_ENTRIES = 1 << 19


def run_batch(inputs: Sequence[EpochInput], mode: Mode = "exact", group_entries: int = GROUP_ENTRIES) -> list[EpochOutput]:
    """Run one epoch for many subnets, vectorised across subnets (outputs in input order).

    Subnets are packed into groups of about ``group_entries`` weight + bond entries; each group
    is one vectorised pass (amortising numpy's per-call overhead) and the cap bounds the peak
    memory of huge batches.
    """
    ar = arith_for(mode)
    outs: list[EpochOutput] = []
    group: list[EpochInput] = []
    size = 0
    for inp in inputs:
        entries = inp.weights.nnz + inp.bonds.nnz + inp.n
        if group and size + entries > group_entries:
            outs.extend(epoch_batch(ar, group))
            group, size = [], 0
        group.append(inp)
        size += entries
    if group:
        outs.extend(epoch_batch(ar, group))
    return outs


def next_input(inp: EpochInput, out: EpochOutput, block_step: int | None = None,
               weights: SparseRows | None = None) -> EpochInput:
    """The state the next epoch reads: the bonds and permits just written, later block.

    Args:
        inp: the input of the epoch that produced ``out``.
        out: its output.
        block_step: blocks until the next epoch (default tempo + 1, the chain's cadence).
        weights: new weights to use (default: unchanged).
    """
    step = inp.hyper.tempo + 1 if block_step is None else block_step
    return dataclasses.replace(
        inp,
        current_block=inp.current_block + step,
        last_mechanism_step_block=inp.current_block,
        validator_permit=out.validator_permit.copy(),
        bonds=out.bonds,
        weights=inp.weights if weights is None else weights,
    )


def run_epochs(
    inp: EpochInput,
    epochs: int,
    mode: Mode = "exact",
    block_step: int | None = None,
    update: Callable[[int, EpochInput], EpochInput] | None = None,
) -> list[EpochOutput]:
    """Run ``epochs`` consecutive epochs, carrying bonds and validator permits forward.

    Args:
        inp: state for the first epoch.
        epochs: how many epochs to run.
        mode: "exact" or "fast".
        block_step: blocks between epochs (default tempo + 1).
        update: optional hook ``(epoch_index, next_input) -> input`` to change weights, stake,
            last_update... between epochs (what-if scenarios).
    """
    if epochs < 0:
        raise ValueError("epochs must be >= 0")
    outs: list[EpochOutput] = []
    cur = inp
    for e in range(epochs):
        if update is not None and e > 0:
            cur = update(e, cur)
        out = run_epoch(cur, mode)
        outs.append(out)
        cur = next_input(cur, out, block_step)
    return outs
