"""Following heads by subscription, with polling as the fallback (real WebSockets, real localnet).

Polling intervals are set far above the test timeouts where the subscription must do the work, so a
node that silently polled instead would fail them.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection

from node.light import LightSync, SyncConfig, SyncProgress
from node.localnet.rpc.embedded import LocalnetHandle, start_localnet
from node.localnet.rpc.producer import SealMode
from node.localnet.rpc.server import ServerConfig
from tests.lightnode.proxy import FakeChainServer, ThreadServer
from tests.lightnode.test_reorg import _branch

NEVER = 600.0
"""A poll interval no test waits for."""


@pytest.fixture(scope="module")
def bare_net() -> Iterator[LocalnetHandle]:
    handle = start_localnet(None, config=ServerConfig(port=0, mode=SealMode.MANUAL), scenario=None,
                            heartbeat=None)
    handle.chain.produce_blocks(5)
    yield handle
    handle.stop()


class DroppingProxy(ThreadServer):
    """Forwards a WebSocket to ``upstream``; ``drop()`` closes the client connections it carries."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.clients: list[ServerConnection] = []
        super().__init__(self._handle)

    async def _handle(self, client: ServerConnection) -> None:
        self.clients.append(client)
        async with connect(self.upstream, max_size=2**26, compression=None) as up:
            async def pump(src: object, dst: object) -> None:
                async for raw in src:  # type: ignore[attr-defined]
                    await dst.send(raw)  # type: ignore[attr-defined]

            tasks = [asyncio.create_task(pump(client, up)), asyncio.create_task(pump(up, client))]
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for t in tasks:
                t.cancel()

    def drop(self) -> None:
        assert self._loop is not None
        for client in list(self.clients):
            self.clients.remove(client)
            asyncio.run_coroutine_threadsafe(client.close(), self._loop).result(10)


class Follower:
    """A LightSync following in a thread, with its progress reports."""

    def __init__(self, config: SyncConfig) -> None:
        self.seen: list[SyncProgress] = []
        self.stop = threading.Event()
        self.sync = LightSync(config, on_progress=self.seen.append)
        self.thread = threading.Thread(target=self.sync.run, args=(self.stop,))
        self.thread.start()

    def wait_for(self, done: Callable[[SyncProgress], bool], timeout: float = 20) -> float:
        start = time.monotonic()
        while not (self.seen and done(self.seen[-1])):
            assert self.thread.is_alive(), "the sync thread died"
            assert time.monotonic() - start < timeout, self.seen[-1:] or "no progress"
            time.sleep(0.01)
        return time.monotonic() - start

    def close(self) -> None:
        self.stop.set()
        self.thread.join(30)
        assert not self.thread.is_alive()


def test_new_heads_arrive_by_subscription(bare_net: LocalnetHandle, tmp_path: Path) -> None:
    chain = bare_net.chain
    f = Follower(SyncConfig(tmp_path / "l.sqlite", (bare_net.url,), epochs=False, poll_interval=NEVER,
                            idle_poll=NEVER))
    try:
        f.wait_for(lambda p: p.synced == chain.best_number and p.state == "following")
        f.wait_for(lambda p: p.heads == "subscribed")
        lags = []
        for _ in range(3):
            chain.produce_block()
            best = chain.best_number
            lags.append(f.wait_for(lambda p, b=best: p.synced == b, timeout=10))  # type: ignore[misc]
        assert f.sync.follower.notifications >= 3 and f.sync.follower.subscribed == 1
        assert max(lags) < 5, lags
    finally:
        f.close()
    hashes = [bytes(r[0]) for r in sqlite3.connect(tmp_path / "l.sqlite").execute(
        "SELECT hash FROM headers ORDER BY number")]
    assert hashes == [chain.block_hash(n) for n in range(chain.best_number + 1)]


def test_endpoint_without_subscriptions_is_polled(tmp_path: Path) -> None:
    fake = FakeChainServer()  # serves no subscription method: -32601
    try:
        a = _branch(fake, None, 0, 12, tag=0xA)
        fake.canonical = ["0x" + h.hash().hex() for h in a[:6]]
        f = Follower(SyncConfig(tmp_path / "l.sqlite", (fake.url,), epochs=False, poll_interval=0.05))
        try:
            f.wait_for(lambda p: p.synced == 5 and p.state == "following")
            fake.canonical = ["0x" + h.hash().hex() for h in a]
            f.wait_for(lambda p: p.synced == 11)
            assert f.seen[-1].heads == "polling" and f.sync.follower.subscribed == 0
            assert f.seen[-1].endpoints[0].status == "ok"  # a refused subscription is no fault
        finally:
            f.close()
    finally:
        fake.stop()


def test_broken_subscription_falls_back_to_polling_and_resubscribes(bare_net: LocalnetHandle,
                                                                     tmp_path: Path) -> None:
    chain = bare_net.chain
    proxy = DroppingProxy(bare_net.url)
    f = Follower(SyncConfig(tmp_path / "l.sqlite", (proxy.url,), epochs=False, poll_interval=0.2,
                            idle_poll=NEVER))
    try:
        f.wait_for(lambda p: p.synced == chain.best_number and p.heads == "subscribed")
        time.sleep(0.3)  # idle, waiting on the subscription
        proxy.drop()
        chain.produce_blocks(2)
        f.wait_for(lambda p: p.synced == chain.best_number)
        chain.produce_block()  # announced on the re-established subscription
        f.wait_for(lambda p: p.synced == chain.best_number and p.heads == "subscribed")
        assert f.sync.follower.subscribed >= 2
    finally:
        f.close()
        with contextlib.suppress(Exception):
            proxy.stop()
