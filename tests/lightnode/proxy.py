"""A real WebSocket JSON-RPC proxy that can rewrite answers (a lying endpoint) and a fake chain server."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve

Rewrite = Callable[[str, list[Any], Any], Any]
"""(method, params, result) -> result to send instead."""


class ThreadServer:
    """Runs an asyncio websockets server on a daemon thread on a free port."""

    def __init__(self, handler: Callable[[ServerConnection], Any]) -> None:
        self._handler = handler
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.port = 0
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)
        self._thread.start()
        assert self._ready.wait(10)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with serve(self._handler, "127.0.0.1", 0, max_size=2**26, compression=None) as server:
            self.port = next(iter(server.sockets)).getsockname()[1]
            self._ready.set()
            await self._stop.wait()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)


class TamperingProxy(ThreadServer):
    """Forwards every request to ``upstream``; ``rewrite`` may alter each answer's result."""

    def __init__(self, upstream: str, rewrite: Rewrite | None = None) -> None:
        self.upstream = upstream
        self.rewrite = rewrite
        self.tampered = 0
        super().__init__(self._handle)

    async def _handle(self, client: ServerConnection) -> None:
        async with connect(self.upstream, max_size=2**26, compression=None) as up:
            pending: dict[Any, tuple[str, list[Any]]] = {}

            async def pump_up() -> None:
                async for raw in client:
                    msg = json.loads(raw)
                    pending[msg.get("id")] = (msg.get("method"), msg.get("params") or [])
                    await up.send(raw)

            async def pump_down() -> None:
                async for raw in up:
                    msg = json.loads(raw)
                    req = pending.pop(msg.get("id"), None)
                    if req is not None and "result" in msg and self.rewrite is not None:
                        new = self.rewrite(req[0], req[1], msg["result"])
                        if new is not msg["result"]:
                            self.tampered += 1
                            msg["result"] = new
                            raw = json.dumps(msg)
                    await client.send(raw)

            tasks = [asyncio.create_task(pump_up()), asyncio.create_task(pump_down())]
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for t in tasks:
                t.cancel()


class FakeChainServer(ThreadServer):
    """Serves headers of a chain the test controls (``canonical``: hashes by number, ``headers``)."""

    def __init__(self) -> None:
        self.headers: dict[str, dict[str, Any]] = {}
        self.canonical: list[str] = []
        self.finalized = 0
        super().__init__(self._handle)

    def answer(self, method: str, params: list[Any]) -> Any:
        if method == "chain_getBlockHash":
            if not params:
                return self.canonical[-1]
            n = params[0]
            return self.canonical[n] if n < len(self.canonical) else None
        if method == "chain_getHeader":
            return self.headers.get(params[0]) if params else self.headers[self.canonical[-1]]
        if method == "chain_getFinalizedHead":
            return self.canonical[self.finalized]
        raise KeyError(method)

    async def _handle(self, client: ServerConnection) -> None:
        async for raw in client:
            msg = json.loads(raw)
            try:
                out = {"jsonrpc": "2.0", "id": msg["id"], "result": self.answer(msg["method"], msg["params"])}
            except KeyError:
                out = {"jsonrpc": "2.0", "id": msg["id"], "error": {"code": -32601, "message": "not found"}}
            await client.send(json.dumps(out))
