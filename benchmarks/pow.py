"""Benchmark the PoW solver: hashes/s of a straightforward loop, of the optimized loop, and of the
multi-process solver (total and per core), at a localnet difficulty.

Run: ``.venv/bin/python benchmarks/pow.py [--seconds 5] [--processes N]``.

- baseline: one process, `hashlib.sha256` + `Crypto.Hash.keccak.new(...)` per nonce (what a first
  implementation looks like);
- optimized: one process, `node.pow.seal.search_nonces` (precomputed block/hotkey hash, bound nonce
  packer, one reused Keccak sponge via cffi, top-byte rejection);
- solver: `PowSolver` with 1..N worker processes on a job that cannot be solved in the time, reading the
  workers' shared hash counters.
"""

from __future__ import annotations

import argparse
import os
import threading
import time

from node.pow.seal import block_and_hotkey_hash, difficulty_target, search_nonces, search_nonces_naive
from node.pow.solver import PowJob, PowSolver, SolverProgress

LOCALNET_DIFFICULTY = 10_000_000
"""SubtensorModule.Difficulty's default in the spec-461 metadata (the localnet's starting difficulty)."""


def single(fn_name: str, seconds: float) -> tuple[float, float]:
    """(hashes per wall second, hashes per CPU second) of one loop in this process."""
    prehash = block_and_hotkey_hash(os.urandom(32), os.urandom(32))
    target = difficulty_target(2**64 - 1)  # nothing is found: measure pure throughput
    batch, done, start, cpu0 = 4096, 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        if fn_name == "naive":
            search_nonces_naive(prehash, done, batch, target)
        else:
            search_nonces(prehash, done, batch, target)
        done += batch
    return done / (time.perf_counter() - start), done / (time.process_time() - cpu0)


def solver_rate(processes: int, seconds: float) -> tuple[float, float]:
    """(hashes per wall second, hashes per worker CPU second) of the solver, measured after start-up."""
    job = PowJob(1, os.urandom(32), 2**64 - 1)
    solver = PowSolver(os.urandom(32), lambda: job, processes=processes, progress_interval=0.1)
    cancel = threading.Event()
    marks: list[tuple[float, int]] = []
    cpu: list[tuple[int, float]] = []

    def on_progress(p: SolverProgress) -> None:
        marks.append((time.monotonic(), p.hashes))
        cpu.append((p.hashes, p.cpu_seconds))
        if len(marks) >= 2 and p.hashes > 0 and marks[-1][0] - next(t for t, h in marks if h > 0) >= seconds:
            cancel.set()

    solver.solve(cancel=cancel, on_progress=on_progress)
    counted = [(t, h) for t, h in marks if h > 0]
    (t0, h0), (t1, h1) = counted[0], counted[-1]
    busy = [(h, c) for h, c in cpu if h > 0]
    (ha, ca), (hb, cb) = busy[0], busy[-1]
    return (h1 - h0) / (t1 - t0), (hb - ha) / (cb - ca) if cb > ca else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    naive, naive_cpu = single("naive", args.seconds)
    fast, fast_cpu = single("fast", args.seconds)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"cores: {cores} (1-min load average {load:.1f}: scaling is only meaningful on an idle machine); "
          f"localnet difficulty {LOCALNET_DIFFICULTY:,} (expected hashes per solution)")
    print(f"baseline  1 process (hashlib + Crypto.Hash.keccak per nonce): {naive:12,.0f} H/s; "
          f"{naive_cpu:,.0f} H per CPU-second")
    print(f"optimized 1 process (search_nonces):                          {fast:12,.0f} H/s  ({fast / naive:.2f}x); "
          f"{fast_cpu:,.0f} H per CPU-second ({fast_cpu / naive_cpu:.2f}x)")
    one, one_cpu = solver_rate(1, args.seconds)
    print(f"solver    1 worker:                                           {one:12,.0f} H/s  ({one / naive:.2f}x); "
          f"{one_cpu:,.0f} H per CPU-second")
    if args.processes > 1:
        total, total_cpu = solver_rate(args.processes, args.seconds)
        print(f"solver    {args.processes} workers: total {total:,.0f} H/s, per core {total / args.processes:,.0f} H/s, "
              f"scaling {total / one:.2f}x of 1 worker, {total / naive:.2f}x the baseline")
        print(f"          per-core efficiency: {total_cpu:,.0f} H per CPU-second "
              f"({total_cpu / one_cpu:.2f}x of 1 worker: throughput scales with the cores actually free); "
              f"all {args.processes} cores free: ~{total_cpu * args.processes:,.0f} H/s = "
              f"{total_cpu * args.processes / naive_cpu:.1f}x the baseline's per-CPU-second speed")
        rate = total
    else:
        rate = one
    print(f"mean time to a solution at difficulty {LOCALNET_DIFFICULTY:,}: {LOCALNET_DIFFICULTY / rate:.1f} s "
          f"(baseline: {LOCALNET_DIFFICULTY / naive:.1f} s)")


if __name__ == "__main__":
    main()
