"""The multi-process solver: finds valid seals, follows a changing head, and leaves no process behind
when cancelled (from another thread, mid-search) or timed out."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time

import pytest

from node.pow.seal import create_seal, meets_difficulty
from node.pow.solver import PowJob, PowSolver, SolverProgress

pytestmark = pytest.mark.timeout(120)
HOTKEY = b"\x02" * 32
IMPOSSIBLE = 2**64 - 1  # ~1.8e19 expected hashes: never solved in a test


def _alive(pid: int) -> bool:
    """True if `pid` is a live (non-zombie) process."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_solves_and_reports_progress() -> None:
    job = PowJob(7, os.urandom(32), 3_000)
    reports: list[SolverProgress] = []
    solver = PowSolver(HOTKEY, lambda: job, processes=2, progress_interval=0.05)
    solution = solver.solve(on_progress=reports.append, timeout=60)
    assert solution is not None
    assert solution.block_number == 7 and solution.block_hash == job.block_hash
    assert create_seal(job.block_hash, HOTKEY, solution.nonce) == solution.seal
    assert meets_difficulty(solution.seal, 3_000)
    assert not any(_alive(pid) for pid in solver.worker_pids)
    if reports:
        assert reports[-1].processes == 2 and reports[-1].hashes >= 0


def test_cancel_stops_every_worker_process() -> None:
    cancel = threading.Event()
    reports: list[SolverProgress] = []
    solver = PowSolver(HOTKEY, lambda: PowJob(1, b"\x05" * 32, IMPOSSIBLE), processes=2, progress_interval=0.05)
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(solver.solve(cancel=cancel, on_progress=reports.append)))
    thread.start()
    deadline = time.monotonic() + 30
    while (not reports or reports[-1].hashes == 0) and time.monotonic() < deadline:
        time.sleep(0.05)  # wait until the workers are really hashing
    pids = solver.worker_pids
    assert len(pids) == 2 and all(_alive(p) for p in pids)
    cancelled_at = time.monotonic()
    cancel.set()
    thread.join(15)
    assert not thread.is_alive()
    assert time.monotonic() - cancelled_at < 5
    assert result == [None]
    assert not any(_alive(p) for p in pids)
    assert not [c for c in multiprocessing.active_children() if c.pid in pids]
    assert reports[-1].hashes > 0 and reports[-1].hash_rate > 0


def test_timeout_and_exceptions_reap_workers() -> None:
    solver = PowSolver(HOTKEY, lambda: PowJob(1, b"\x05" * 32, IMPOSSIBLE), processes=2)
    assert solver.solve(timeout=1.0) is None
    assert not any(_alive(p) for p in solver.worker_pids)

    def boom(_: SolverProgress) -> None:
        raise RuntimeError("progress consumer failed")

    solver = PowSolver(HOTKEY, lambda: PowJob(1, b"\x05" * 32, IMPOSSIBLE), processes=2, progress_interval=0.05)
    with pytest.raises(RuntimeError):
        solver.solve(on_progress=boom)
    assert solver.worker_pids and not any(_alive(p) for p in solver.worker_pids)


def test_follows_the_head_and_solves_the_newest_block() -> None:
    """Blocks advance while an impossible job runs; once the head moves to a solvable block, that one wins."""
    calls = {"n": 0}

    def fetch() -> PowJob:
        calls["n"] += 1
        if calls["n"] < 4:
            return PowJob(calls["n"], bytes([calls["n"]]) * 32, IMPOSSIBLE)
        return PowJob(10, b"\x0a" * 32, 500)

    reports: list[SolverProgress] = []
    solver = PowSolver(HOTKEY, fetch, processes=2, refresh_interval=0.2, progress_interval=0.05)
    solution = solver.solve(on_progress=reports.append, timeout=60)
    assert solution is not None and solution.block_number == 10
    assert create_seal(b"\x0a" * 32, HOTKEY, solution.nonce) == solution.seal
    assert calls["n"] >= 4 and max(r.refreshes for r in reports) >= 2


def test_rejects_bad_hotkey() -> None:
    with pytest.raises(ValueError):
        PowSolver(b"\x01" * 31, lambda: PowJob(1, b"\x00" * 32, 1))
