"""One client connection: an ordered outbox drained by a single writer task."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

logger = logging.getLogger(__name__)

#: Close code when a client doesn't read its messages fast enough (policy violation).
CLOSE_TOO_SLOW = 1008


def dumps(message: Any) -> str:
    """Compact JSON, as nodes send it."""
    return json.dumps(message, separators=(",", ":"))


class Connection:
    """Queues outgoing messages so responses and notifications leave in the order they were produced."""

    def __init__(self, websocket: ServerConnection, max_outbox: int) -> None:
        self.websocket = websocket
        self._outbox: asyncio.Queue[str | None] = asyncio.Queue()
        self._max_outbox = max_outbox
        self._closing = False
        self._writer = asyncio.create_task(self._write_loop(), name="localnet-rpc-writer")

    def send(self, message: Any) -> None:
        """Queue one JSON message (a response, a batch, or a notification)."""
        if self._closing:
            return
        self._outbox.put_nowait(dumps(message))
        if self._outbox.qsize() > self._max_outbox:
            logger.warning("closing a client that stopped reading (%d messages queued)", self._outbox.qsize())
            self._closing = True
            asyncio.get_running_loop().create_task(
                self.websocket.close(CLOSE_TOO_SLOW, "client does not read its messages")
            )

    async def _write_loop(self) -> None:
        while True:
            text = await self._outbox.get()
            if text is None:
                return
            try:
                await self.websocket.send(text)
            except ConnectionClosed:
                return

    async def close(self) -> None:
        """Flush what is queued (unless the socket is gone) and stop the writer."""
        self._closing = True
        self._outbox.put_nowait(None)
        with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(self._writer, timeout=5)
