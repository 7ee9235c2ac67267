"""Block production: instant seal (coalescing bursts), a fixed interval, or manual (dev_newBlock only)."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from node.localnet.rpc.port import ChainLike

logger = logging.getLogger(__name__)

T = TypeVar("T")
RunInChain = Callable[[Callable[[], T]], Awaitable[T]]

#: dev_newBlock mines in chunks of this many blocks so other requests interleave with a long run.
MINE_CHUNK = 64


class SealMode(enum.Enum):
    """How blocks get produced without an explicit dev_newBlock."""

    INSTANT = "instant"
    INTERVAL = "interval"
    MANUAL = "manual"


class BlockProducer:
    """Drives `Chain.produce_block` according to the seal mode; all chain work goes through `run`."""

    def __init__(
        self,
        chain: ChainLike,
        run: Callable[[Callable[[], Any]], Awaitable[Any]],
        mode: SealMode,
        block_time: float | None = None,
    ) -> None:
        if mode is SealMode.INTERVAL and (block_time is None or block_time <= 0):
            raise ValueError("interval sealing needs a positive block time")
        self._chain = chain
        self._run = run
        self.mode = mode
        self.block_time = block_time
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the background loop (instant or interval); manual mode has none."""
        if self.mode is SealMode.INSTANT:
            self._task = asyncio.create_task(self._instant_loop(), name="localnet-instant-seal")
        elif self.mode is SealMode.INTERVAL:
            self._task = asyncio.create_task(self._interval_loop(), name="localnet-interval-seal")

    async def stop(self) -> None:
        """Stop the loop; a block being produced finishes first (the chain call is not interrupted)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def extrinsic_accepted(self) -> None:
        """Called after a successful submit: in instant mode, seal soon."""
        if self.mode is SealMode.INSTANT:
            self._wake.set()

    async def mine(self, count: int) -> list[bytes]:
        """Produce `count` blocks now (any mode), in chunks; returns their hashes in order."""
        hashes: list[bytes] = []
        remaining = count
        while remaining > 0:
            step = min(remaining, MINE_CHUNK)
            produced = await self._run(lambda n=step: self._chain.produce_blocks(n))  # type: ignore[misc]
            hashes.extend(produced)
            remaining -= step
        return hashes

    async def _instant_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            # Let submissions already in flight reach the pool, so a burst shares one block.
            await asyncio.sleep(0)
            try:
                if await self._run(self._chain.has_ready):  # future-nonce txs alone: no empty block
                    await self._run(self._chain.produce_block)
                    if await self._run(self._chain.has_ready):  # the block was full: seal the rest too
                        self._wake.set()
            except Exception:
                logger.exception("instant seal failed to produce a block")

    async def _interval_loop(self) -> None:
        assert self.block_time is not None
        loop = asyncio.get_running_loop()
        next_at = loop.time() + self.block_time
        while True:
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            next_at = max(next_at + self.block_time, loop.time())
            try:
                await self._run(self._chain.produce_block)
            except Exception:
                logger.exception("interval seal failed to produce a block")
