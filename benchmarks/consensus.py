"""Benchmark node.consensus: median epoch time per shape and mode, plus peak memory.

Run: .venv/bin/python benchmarks/consensus.py [--runs 20]
Shapes (docs/consensus.md §Performance): 64 validators x 256 uids (dense weights);
256 validators x 4096 uids (~10% density); a batch of 128 subnets x 256 uids (64 validators each).
Each timed epoch reads realistic bonds: the state after one warm-up epoch.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

from node.consensus import (
    EpochInput,
    Hyperparameters,
    SparseRows,
    next_input,
    run_batch,
    run_epoch,
    tune_allocator,
)

TARGETS_MS = {
    ("64x256", "exact"): 3.0, ("64x256", "fast"): 1.0,
    ("256x4096", "exact"): 50.0, ("256x4096", "fast"): 15.0,
    ("128x(64x256)", "exact"): 250.0, ("128x(64x256)", "fast"): 100.0,
}


def make_subnet(validators: int, n: int, density: float, seed: int, mode: str = "exact") -> EpochInput:
    """A subnet whose first ``validators`` uids hold stake and set weights.

    Each validator weights ``density * n`` uids drawn from a shared pool of 1.1x that many
    "good" miners, so most weighted columns reach consensus (uniformly random sparse weights
    would give every column a zero median and an all-zero, unrealistically cheap epoch).
    """
    rng = np.random.default_rng(seed)
    stake = np.zeros(n, np.uint64)
    stake[:validators] = rng.integers(10**12, 10**15, validators, dtype=np.uint64)
    k = max(1, round(density * n))
    pool = rng.choice(n, min(n, round(1.1 * k)), replace=False)
    rows: list[list[tuple[int, int]]] = []
    for i in range(n):
        if i < validators:
            cols = np.sort(rng.choice(pool, size=k, replace=False))
            vals = rng.integers(1, 65536, k)
            vals = (vals * 65535) // vals.max()
            rows.append(list(zip(cols.tolist(), vals.tolist(), strict=True)))
        else:
            rows.append([])
    hyper = Hyperparameters(tempo=360, max_allowed_validators=validators)
    inp = EpochInput(
        current_block=10_000, last_update=np.full(n, 9_990, np.uint64),
        block_at_registration=np.zeros(n, np.uint64), stake=stake,
        validator_permit=np.arange(n) < validators, weights=SparseRows.from_rows(rows),
        bonds=SparseRows.empty(n), hyper=hyper,
    )
    return next_input(inp, run_epoch(inp, mode), block_step=1)  # type: ignore[arg-type]  # steady-state bonds


def median_ms(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds (CPU time is less disturbed by other processes)."""
    fn()
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--tune-malloc", action="store_true",
                        help="call node.consensus.tune_allocator() first (glibc keeps freed memory)")
    args = parser.parse_args()
    tuned = tune_allocator() if args.tune_malloc else False
    print(f"glibc malloc tuned: {tuned}")
    print(f"{'shape':<14} {'mode':<6} {'wall ms':>9} {'cpu ms':>9} {'target':>8}  wall    cpu   (median of {args.runs})")
    inputs: dict[str, tuple[EpochInput, EpochInput, list[EpochInput]]] = {}
    for mode in ("exact", "fast"):  # each mode times its own steady state
        inputs[mode] = (make_subnet(64, 256, 1.0, 1, mode), make_subnet(256, 4096, 0.1, 2, mode),
                        [make_subnet(64, 256, 1.0, 100 + s, mode) for s in range(128)])
    cases: list[tuple[str, Callable[[str], object]]] = [
        ("64x256", lambda m: run_epoch(inputs[m][0], m)),  # type: ignore[arg-type]
        ("256x4096", lambda m: run_epoch(inputs[m][1], m)),  # type: ignore[arg-type]
        ("128x(64x256)", lambda m: run_batch(inputs[m][2], m)),  # type: ignore[arg-type]
    ]
    for name, fn in cases:
        for mode in ("exact", "fast"):
            ms, cpu = median_ms(lambda fn=fn, mode=mode: fn(mode), args.runs)
            target = TARGETS_MS[(name, mode)]
            verdicts = ["ok    " if t <= target else "MISSED" for t in (ms, cpu)]
            print(f"{name:<14} {mode:<6} {ms:>9.2f} {cpu:>9.2f} {target:>8.1f}  {'  '.join(verdicts)}")
    large = inputs["exact"][1]
    batch = inputs["exact"][2]
    for mode in ("exact", "fast"):
        tracemalloc.start()
        run_epoch(large, mode)  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"peak memory 256x4096 {mode}: {peak / 2**20:.1f} MiB (tracemalloc)")
    tracemalloc.start()
    run_batch(batch, "exact")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak memory 128-subnet batch exact: {peak / 2**20:.1f} MiB (tracemalloc)")


if __name__ == "__main__":
    main()
