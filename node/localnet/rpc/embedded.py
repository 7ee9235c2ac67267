"""Run the localnet in-process: in the foreground (CLI) or on a background thread (app, tests)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from node.localnet.rpc.port import ChainLike
from node.localnet.rpc.producer import SealMode
from node.localnet.rpc.server import LocalnetServer, ServerConfig

logger = logging.getLogger(__name__)

#: A runtime installer (node.localnet.chain.Installer): adds pallets / runtime APIs to the runtime.
Installer = Callable[[Any], None]

#: The embedded demo network (`assets/localnet/demo.toml`): the default scenario of a new localnet.
DEMO = "demo"

#: Seconds without a block after which an instant-seal scenario chain seals an empty one, so the demo
#: network lives without transactions: epochs fall every 5 blocks across its subnets, one every 25 s.
DEMO_HEARTBEAT = 5.0

#: A genesis scenario: DEMO, a TOML/JSON file path, a dict or a node.localnet.subtensor.scenario.Scenario;
#: None = a bare chain (root network only, no subnets).
ScenarioSource = str | Path | dict[str, Any] | Any | None


def default_installers(scenario: ScenarioSource = DEMO) -> list[Installer]:
    """The runtime's extra pallets: SubtensorModule, Swap, AdminUtils, with `scenario` built at genesis.

    The scenario's validators are simulated (noisy weights every tempo) on every start, so pass the same
    scenario whenever a persistent chain is reopened.
    """
    from node.localnet.subtensor.pallet import install, installer
    from node.localnet.subtensor.scenario import DEMO_SCENARIO

    if scenario is None:
        return [install]
    return [installer(DEMO_SCENARIO if isinstance(scenario, str) and scenario == DEMO else scenario)]


def chain_factory(
    db_path: Path | None,
    *,
    finality_lag: int = 0,
    keep_blocks: int | None = None,
    installers: Sequence[Installer] | None = None,
    scenario: ScenarioSource = DEMO,
) -> Callable[[], ChainLike]:
    """A factory for the real chain (None db_path = throwaway); it runs on the server's chain thread.

    Args:
        installers: runtime installers; None = `default_installers(scenario)`, [] = base FRAME runtime.
        scenario: genesis scenario when `installers` is None (default: the demo network; None = bare).
    """

    def build() -> ChainLike:
        from node.localnet.chain import Chain

        if db_path is not None:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        chosen = default_installers(scenario) if installers is None else list(installers)
        started = time.perf_counter()
        chain: ChainLike = Chain(db_path, finality_lag=finality_lag, keep_blocks=keep_blocks, installers=chosen)
        logger.info("localnet chain opened in %.2f s (%s)", time.perf_counter() - started, db_path or "in memory")
        settle_heap()
        return chain

    return build


def settle_heap() -> None:
    """Collect, then freeze the objects alive after chain start-up (metadata, codecs, genesis caches).

    Python's full (generation-2) collections otherwise rescan those millions of long-lived objects and
    stall a block for ~200 ms every few hundred blocks; frozen, a full collection takes a few ms.
    """
    gc.collect()
    gc.freeze()


def heartbeat_for(config: ServerConfig | None, installers: Sequence[Installer] | None,
                  scenario: ScenarioSource) -> float | None:
    """The idle-block interval: DEMO_HEARTBEAT for a scenario chain with instant seal, else None."""
    mode = (config or ServerConfig()).mode
    if installers is None and scenario is not None and mode is SealMode.INSTANT:
        return DEMO_HEARTBEAT
    return None


async def _heartbeat(server: LocalnetServer, seconds: float) -> None:
    """Seal an empty block whenever no block was sealed for `seconds` (instant seal stays instant)."""
    last = -1
    while True:
        await asyncio.sleep(seconds)
        chain, producer = server.chain, server.producer
        if chain is None or producer is None:
            return
        best = chain.best_number
        if best == last:
            try:
                await producer.mine(1)
            except Exception:
                logger.exception("heartbeat block failed")
        last = chain.best_number


@dataclass
class LocalnetHandle:
    """A localnet running on a background thread. Call `stop()` when done (idempotent)."""

    url: str
    port: int
    server: LocalnetServer
    _loop: asyncio.AbstractEventLoop
    _stop: asyncio.Event
    _thread: threading.Thread

    @property
    def chain(self) -> ChainLike:
        """The chain behind the server (its methods are thread-safe)."""
        assert self.server.chain is not None, "localnet is stopped"
        return self.server.chain

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the server and close the chain; returns once the thread has finished."""
        if self._thread.is_alive():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise TimeoutError("localnet did not stop in time")


def start_localnet(
    db_path: Path | None = None,
    *,
    config: ServerConfig | None = None,
    finality_lag: int = 0,
    keep_blocks: int | None = None,
    installers: Sequence[Installer] | None = None,
    scenario: ScenarioSource = DEMO,
    factory: Callable[[], ChainLike] | None = None,
    startup_timeout: float = 60.0,
    heartbeat: float | str | None = "auto",
) -> LocalnetHandle:
    """Start a localnet server on a daemon thread and return once it accepts connections.

    Args:
        db_path: SQLite chain database; None for a throwaway chain.
        config: host/port/sealing; ServerConfig(port=0) picks a free port.
        finality_lag: finalized head trails the best head by this many blocks.
        keep_blocks: state pruning window (None keeps all history).
        installers: runtime installers (None = with subtensor and `scenario`, see `default_installers`).
        scenario: genesis scenario when `installers` is None: DEMO (default, the living demo network:
            root + 4 subnets with simulated validators), a scenario file/dict, or None for a bare chain.
        factory: build a different chain (tests); overrides db_path/finality_lag/keep_blocks.
        startup_timeout: seconds to wait for the chain to open and the socket to listen.
        heartbeat: seal an empty block after this many idle seconds; "auto" = DEMO_HEARTBEAT for a
            scenario chain (the living demo) with instant seal, None = never.

    Raises:
        Exception: whatever prevented startup (e.g. the port is taken), re-raised here.
    """
    build = factory or chain_factory(
        db_path, finality_lag=finality_lag, keep_blocks=keep_blocks, installers=installers, scenario=scenario
    )
    server = LocalnetServer(build, config)
    idle: float | None
    if isinstance(heartbeat, str):
        idle = None if factory is not None else heartbeat_for(config, installers, scenario)
    else:
        idle = heartbeat
    ready = threading.Event()
    box: dict[str, object] = {}

    async def main() -> None:
        stop = asyncio.Event()
        box["loop"], box["stop"] = asyncio.get_running_loop(), stop
        try:
            await server.start()
        except BaseException as exc:
            box["error"] = exc
            ready.set()
            return
        ready.set()
        beat = asyncio.create_task(_heartbeat(server, idle)) if idle else None
        try:
            await stop.wait()
        finally:
            if beat is not None:
                beat.cancel()
            await server.stop()

    thread = threading.Thread(target=lambda: asyncio.run(main()), name="localnet", daemon=True)
    thread.start()
    if not ready.wait(startup_timeout):
        raise TimeoutError("localnet did not start in time")
    error = box.get("error")
    if isinstance(error, BaseException):
        thread.join(5)
        raise error
    loop = box["loop"]
    stop = box["stop"]
    assert isinstance(loop, asyncio.AbstractEventLoop) and isinstance(stop, asyncio.Event)
    return LocalnetHandle(server.url, server.port, server, loop, stop, thread)


def run_foreground(
    db_path: Path | None,
    *,
    config: ServerConfig,
    finality_lag: int = 0,
    scenario: ScenarioSource = DEMO,
    on_ready: Callable[[LocalnetServer], None] | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM (Ctrl-C), then shut down cleanly (chain closed, SQLite flushed)."""

    async def main() -> None:
        server = LocalnetServer(chain_factory(db_path, finality_lag=finality_lag, scenario=scenario), config)
        await server.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        if on_ready is not None:
            on_ready(server)
        idle = heartbeat_for(config, None, scenario)
        beat = asyncio.create_task(_heartbeat(server, idle)) if idle else None
        try:
            await stop.wait()
        finally:
            if beat is not None:
                beat.cancel()
            await server.stop()

    asyncio.run(main())
