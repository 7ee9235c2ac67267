"""Entry points: one epoch, a run of epochs carrying state forward, and a batch of subnets."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from node.consensus.arith import Arith, arith_for
from node.consensus.dense import Layout, layout
from node.consensus.epoch import epoch_batch
from node.consensus.types import EpochInput, EpochOutput, Mode, SparseRows


def run_epoch(inp: EpochInput, mode: Mode = "exact") -> EpochOutput:
    """Run one subnet epoch as the chain does; ``mode="exact"`` is bit-identical to the chain."""
    lay = layout(inp)
    return epoch_batch(arith_for(mode), [inp], None if lay is None else [lay])[0]


GROUP_ENTRIES = 1 << 19
DENSE_GROUP_ENTRIES = 1 << 18
"""Dense passes are capped lower: their (S, R, K) temporaries stay a few MiB, which measured
faster here than larger stacks (fewer fresh pages for glibc to fault in per array)."""


def run_batch(inputs: Sequence[EpochInput], mode: Mode = "exact", group_entries: int = GROUP_ENTRIES) -> list[EpochOutput]:
    """Run one epoch for many subnets, vectorised across subnets (outputs in input order).

    Subnets that fill a dense block (node/consensus/dense.py) run together with the others of
    the same block shape and bond model, stacked into one 3-D array; the rest are packed
    block-diagonally into flat arrays. Each pass takes about ``group_entries`` weight + bond
    entries at most, which amortises numpy's per-call overhead and bounds the peak memory.
    Each subnet's results do not depend on which others share its pass.
    """
    ar = arith_for(mode)
    outs: list[EpochOutput | None] = [None] * len(inputs)
    kinds: dict[object, list[tuple[int, Layout | None]]] = {}
    for idx, inp in enumerate(inputs):
        lay = layout(inp)
        key: object = None if lay is None else (lay.shape, inp.hyper.yuma3_enabled)
        kinds.setdefault(key, []).append((idx, lay))
    for key, members in kinds.items():
        group: list[tuple[int, Layout | None]] = []
        size = 0
        cap = group_entries if key is None else min(group_entries, DENSE_GROUP_ENTRIES)
        for idx, lay in members:
            entries = inputs[idx].weights.nnz + inputs[idx].bonds.nnz + inputs[idx].n
            if group and size + entries > cap:
                _run_group(ar, inputs, group, key is not None, outs)
                group, size = [], 0
            group.append((idx, lay))
            size += entries
        if group:
            _run_group(ar, inputs, group, key is not None, outs)
    return [o for o in outs if o is not None]


def _run_group(ar: Arith, inputs: Sequence[EpochInput], group: list[tuple[int, Layout | None]], dense: bool,
               outs: list[EpochOutput | None]) -> None:
    layouts = [lay for _, lay in group if lay is not None] if dense else None
    for (idx, _), out in zip(group, epoch_batch(ar, [inputs[i] for i, _ in group], layouts), strict=True):
        outs[idx] = out


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
