"""A cancellable proof-of-work solver that keeps every core busy and follows the chain's head.

The parent process owns the job: it asks `fetch_job()` for the newest block (number, hash, difficulty)
every `refresh_interval` seconds and, when the block changes, hands every worker the new constant
pre-hash, so the solution is never for a block the chain will call stale (`InvalidWorkBlock`: the
chain accepts work on block b only while it is building blocks b..b+2). Workers are separate
processes (the GIL would serialize threads); each scans interleaved batches of nonces and counts its
hashes in shared memory, which the parent turns into progress reports. Setting `cancel` (or any
exception, KeyboardInterrupt included) stops and reaps every worker before `solve()` returns.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import queue
import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from node.pow.seal import U64_MASK, block_and_hotkey_hash, difficulty_target, meets_difficulty, search_nonces

logger = logging.getLogger(__name__)

FRESH_BLOCKS = 2
"""Work on block b may be submitted while the best block is at most b + 1 (included by b + 2 < b + 3)."""


@dataclass(frozen=True)
class PowJob:
    """What to solve: the block whose hash seeds the seal, and the subnet's current difficulty."""

    block_number: int
    block_hash: bytes
    difficulty: int


@dataclass(frozen=True)
class PowSolution:
    """A nonce whose seal meets the difficulty for (block, hotkey)."""

    block_number: int
    block_hash: bytes
    nonce: int
    seal: bytes
    difficulty: int


@dataclass(frozen=True)
class SolverProgress:
    """A progress report (hash counts are exact; rates are for display)."""

    hashes: int
    elapsed: float
    hash_rate: float
    block_number: int
    difficulty: int
    processes: int
    refreshes: int
    cpu_seconds: float = 0.0
    """CPU time the workers spent hashing (hashes / cpu_seconds = per-core speed, whatever the load)."""


JobSource = Callable[[], PowJob]
ProgressCallback = Callable[[SolverProgress], None]


def _worker(index: int, nprocs: int, batch: int, jobs: Any, results: Any, counters: Any, stop: Any,
            cpu: Any) -> None:
    """Worker process: scan nonce batches of the newest job until told to stop."""
    from node.pow.keccak import FastKeccak256

    hasher = FastKeccak256()
    cpu_start = time.process_time()
    job: tuple[int, bytes, int, int] | None = None
    step = 0
    while not stop.is_set():
        try:
            while True:  # always switch to the newest job
                job = jobs.get(timeout=0.1) if job is None else jobs.get_nowait()
                step = 0
        except queue.Empty:
            pass
        if job is None:
            continue
        generation, prehash, target, base = job
        start = (base + (index + step * nprocs) * batch) & U64_MASK
        step += 1
        found = search_nonces(prehash, start, batch, target, hasher)
        counters[index] += batch
        cpu[index] = time.process_time() - cpu_start
        if found is not None:
            results.put((generation, found[0], found[1]))


@contextlib.contextmanager
def _real_std_streams() -> Iterator[None]:
    """Starting a spawn worker hands sys.stderr's file descriptor to the child (and to multiprocessing's
    resource tracker); a TUI replaces sys.stdout/stderr with capture objects without a usable fd, which
    makes the start fail ("bad value(s) in fds_to_keep"). Use the process's real streams meanwhile."""
    saved = sys.stdout, sys.stderr
    try:
        for name in ("stdout", "stderr"):
            stream, real = getattr(sys, name), getattr(sys, f"__{name}__")
            try:
                usable = stream is not None and stream.fileno() >= 0
            except Exception:  # io.UnsupportedOperation, ValueError (closed), AttributeError
                usable = False
            if not usable and real is not None:
                setattr(sys, name, real)
        yield
    finally:
        sys.stdout, sys.stderr = saved


class PowSolver:
    """Solve the registration PoW for one hotkey with `processes` worker processes.

    Args:
        hotkey: the 32-byte hotkey public key being registered.
        fetch_job: returns the current best block and difficulty (called from the solving thread).
        processes: worker count (default: all cores).
        batch_size: nonces per worker between checks for a new job or stop (a few ms of work).
        refresh_interval: seconds between `fetch_job` calls.
        progress_interval: seconds between progress callbacks.
        start_method: multiprocessing start method; "spawn" is safe in threaded programs (TUI, RPC).
    """

    def __init__(self, hotkey: bytes, fetch_job: JobSource, *, processes: int | None = None,
                 batch_size: int = 2048, refresh_interval: float = 1.0, progress_interval: float = 0.5,
                 start_method: str = "spawn") -> None:
        if len(hotkey) != 32:
            raise ValueError("hotkey must be a 32-byte public key")
        self.hotkey = bytes(hotkey)
        self.fetch_job = fetch_job
        self.processes = max(1, processes or os.cpu_count() or 1)
        self.batch_size = batch_size
        self.refresh_interval = refresh_interval
        self.progress_interval = progress_interval
        self._ctx: Any = mp.get_context(start_method)
        self._procs: list[Any] = []

    @property
    def worker_pids(self) -> tuple[int, ...]:
        """Process ids of the workers of the current (or last) run."""
        return tuple(p.pid for p in self._procs if p.pid is not None)

    def solve(self, cancel: threading.Event | None = None, on_progress: ProgressCallback | None = None,
              timeout: float | None = None) -> PowSolution | None:
        """Run until a valid seal is found (returned), `cancel` is set or `timeout` passes (None).

        Raises:
            Exception: whatever the first `fetch_job()` raises (later failures keep the current job).
        """
        job = self.fetch_job()
        ctx = self._ctx
        with _real_std_streams():  # the first semaphore starts multiprocessing's resource tracker
            stop = ctx.Event()
            results = ctx.Queue()
            counters = ctx.Array("Q", self.processes, lock=False)
            cpu = ctx.Array("d", self.processes, lock=False)
            job_queues = [ctx.Queue() for _ in range(self.processes)]
        self._procs = [ctx.Process(target=_worker, name=f"pow-worker-{i}", daemon=True,
                                   args=(i, self.processes, self.batch_size, job_queues[i], results, counters, stop,
                                         cpu))
                       for i in range(self.processes)]
        jobs_by_gen: dict[int, PowJob] = {}
        started = time.monotonic()
        try:
            with _real_std_streams():
                for proc in self._procs:
                    proc.start()
            generation = self._publish(job, 0, job_queues, jobs_by_gen)
            refreshes = 0
            last_refresh = last_progress = time.monotonic()
            while True:
                if cancel is not None and cancel.is_set():
                    return None
                now = time.monotonic()
                if timeout is not None and now - started >= timeout:
                    return None
                try:
                    gen, nonce, seal = results.get(timeout=0.05)
                except queue.Empty:
                    pass
                else:
                    solution = self._accept(jobs_by_gen.get(gen), job, nonce, seal)
                    if solution is not None:
                        if on_progress is not None:  # a final report, so fast solves show their numbers too
                            on_progress(self._progress(counters, cpu, started, job, refreshes))
                        return solution
                if now - last_refresh >= self.refresh_interval:
                    last_refresh = now
                    newer = self._refresh(job)
                    if newer is not None:
                        job = newer
                        refreshes += 1
                        generation = self._publish(job, generation + 1, job_queues, jobs_by_gen)
                if on_progress is not None and now - last_progress >= self.progress_interval:
                    last_progress = now
                    on_progress(self._progress(counters, cpu, started, job, refreshes))
        finally:
            self._shutdown(stop, job_queues, results)

    def _publish(self, job: PowJob, generation: int, job_queues: list[Any], jobs_by_gen: dict[int, PowJob]) -> int:
        prehash = block_and_hotkey_hash(job.block_hash, self.hotkey)
        base = secrets.randbits(64)
        jobs_by_gen[generation] = job
        for q in job_queues:
            q.put((generation, prehash, difficulty_target(job.difficulty), base))
        logger.debug("pow job %d: block %d difficulty %d", generation, job.block_number, job.difficulty)
        return generation

    def _refresh(self, current: PowJob) -> PowJob | None:
        try:
            latest = self.fetch_job()
        except Exception as exc:  # a dropped connection must not kill the search; the old job stays valid a while
            logger.warning("could not refresh the PoW block (%s); keeping block %d", exc, current.block_number)
            return None
        if latest.block_hash == current.block_hash and latest.difficulty == current.difficulty:
            return None
        return latest

    def _accept(self, solved: PowJob | None, latest: PowJob, nonce: int, seal: bytes) -> PowSolution | None:
        """A worker's find, if still fresh and valid at the latest difficulty (re-verified here)."""
        if solved is None or latest.block_number - solved.block_number >= FRESH_BLOCKS:
            return None
        if not meets_difficulty(seal, latest.difficulty) or not meets_difficulty(seal, solved.difficulty):
            return None
        from node.pow.seal import create_seal

        if create_seal(solved.block_hash, self.hotkey, nonce) != seal:
            logger.error("worker returned a seal that does not verify; ignoring it")
            return None
        return PowSolution(solved.block_number, solved.block_hash, nonce, seal, latest.difficulty)

    def _progress(self, counters: Any, cpu: Any, started: float, job: PowJob, refreshes: int) -> SolverProgress:
        hashes = int(sum(counters))
        elapsed = time.monotonic() - started
        return SolverProgress(hashes, elapsed, hashes / elapsed if elapsed > 0 else 0.0, job.block_number,
                              job.difficulty, self.processes, refreshes, float(sum(cpu)))

    def _shutdown(self, stop: Any, job_queues: list[Any], results: Any) -> None:
        """Stop every worker: ask, wait briefly, then terminate and reap whatever is left."""
        stop.set()
        deadline = time.monotonic() + 3.0
        for proc in self._procs:
            if proc.pid is not None:
                proc.join(max(0.0, deadline - time.monotonic()))
        for proc in self._procs:
            if proc.pid is not None and proc.is_alive():
                logger.warning("pow worker %s did not stop in time; terminating it", proc.pid)
                proc.terminate()
                proc.join(2.0)
                if proc.is_alive():
                    proc.kill()
                    proc.join()
        for q in [*job_queues, results]:
            q.cancel_join_thread()
            q.close()
