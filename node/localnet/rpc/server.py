"""The localnet's WebSocket JSON-RPC 2.0 server (Substrate-compatible) on top of the `Chain` facade.

Threading: the event loop owns the sockets and subscriptions; every chain call runs on one dedicated
worker thread (the Chain locks internally too), so the loop stays responsive while blocks are sealed.
Chain events arrive on that worker thread and hop onto the loop with call_soon_threadsafe.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from node.localnet.rpc.connection import Connection
from node.localnet.rpc.errors import (
    BATCH_TOO_LARGE,
    INVALID_REQUEST,
    OVERSIZED_REQUEST,
    PARSE_ERROR,
    RpcError,
    invalid_params,
)
from node.localnet.rpc.methods import RpcMethods
from node.localnet.rpc.port import ChainLike
from node.localnet.rpc.producer import BlockProducer, SealMode
from node.localnet.rpc.subscriptions import SubscriptionHub

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9944
#: Substrate's default --rpc-max-request-size is 15 MiB.
DEFAULT_MAX_MESSAGE_SIZE = 15 * 1024 * 1024


@dataclass(frozen=True)
class ServerConfig:
    """How the server listens and seals blocks."""

    host: str = DEFAULT_HOST
    """Interface to bind; keep 127.0.0.1 unless you mean to expose a dev chain."""
    port: int = DEFAULT_PORT
    """TCP port; 0 picks a free one (tests)."""
    mode: SealMode = SealMode.INSTANT
    """instant: a block right after accepted extrinsics; interval: every block_time s; manual: dev_newBlock."""
    block_time: float | None = None
    """Seconds between blocks in interval mode."""
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE
    """Requests larger than this get error -32007; frames over twice this close the socket (1009)."""
    max_batch: int = 1000
    """Largest accepted batch request."""
    max_in_flight: int = 256
    """Requests processed concurrently per connection; further ones wait (backpressure)."""
    max_outbox: int = 100_000
    """Queued outgoing messages per connection before a non-reading client is disconnected."""
    max_subscriptions: int = 1024
    """Live subscriptions per connection (jsonrpsee's default)."""


class LocalnetServer:
    """A running JSON-RPC server; build with a chain factory, then `await start()` / `await stop()`."""

    def __init__(self, chain_factory: Callable[[], ChainLike], config: ServerConfig | None = None) -> None:
        self.config = config or ServerConfig()
        self._chain_factory = chain_factory
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="localnet-chain")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: Server | None = None
        self._unlisten: Callable[[], None] | None = None
        self.hub = SubscriptionHub()
        self.chain: ChainLike | None = None
        self.producer: BlockProducer | None = None
        self.methods: RpcMethods | None = None
        self.port: int = self.config.port
        self._connections: set[Connection] = set()

    @property
    def url(self) -> str:
        """ws:// URL clients connect to."""
        return f"ws://{self.config.host}:{self.port}"

    async def run_on_chain(self, fn: Callable[[], Any]) -> Any:
        """Run a synchronous chain call on the chain thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn)

    async def start(self) -> None:
        """Open (or create) the chain on its thread, start sealing, and listen."""
        self._loop = asyncio.get_running_loop()
        self.chain = chain = await self.run_on_chain(self._chain_factory)
        try:
            self.producer = BlockProducer(chain, self.run_on_chain, self.config.mode, self.config.block_time)
            self.methods = RpcMethods(chain, self.run_on_chain, self.hub, self.producer,
                                      max_subscriptions=self.config.max_subscriptions)
            self._unlisten = chain.add_listener(self._on_chain_event)
            self._server = await serve(
                self._serve_connection,
                self.config.host,
                self.config.port,
                max_size=2 * self.config.max_message_size,
                compression=None,
                ping_interval=None,  # substrate-interface only reads while it waits for a reply
                close_timeout=2,
            )
        except BaseException:
            await self._shutdown_chain()
            raise
        self.port = self._server.sockets[0].getsockname()[1] if self._server.sockets else self.config.port
        self.producer.start()
        logger.info("localnet RPC listening on %s (%s sealing)", self.url, self.config.mode.value)

    async def stop(self) -> None:
        """Stop listening, close connections, stop sealing, then close the chain (flushes SQLite)."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        if self.producer is not None:
            await self.producer.stop()
        await self._shutdown_chain()

    async def _shutdown_chain(self) -> None:
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        if self.chain is not None:
            chain, self.chain = self.chain, None
            await self.run_on_chain(chain.close)
        self._executor.shutdown(wait=True)

    def _on_chain_event(self, event: Any) -> None:
        """Chain listener (chain thread): hand the event to the loop."""
        loop = self._loop
        # No subscriptions: nothing to deliver. Safe without a lock: a subscription is registered on the
        # loop before the chain call whose events it needs is queued on the chain thread.
        if loop is None or loop.is_closed() or len(self.hub) == 0:
            return
        with contextlib.suppress(RuntimeError):  # loop shutting down
            loop.call_soon_threadsafe(self.hub.dispatch, event)

    # ---- connections ----

    async def _serve_connection(self, websocket: ServerConnection) -> None:
        conn = Connection(websocket, self.config.max_outbox)
        self._connections.add(conn)
        slots = asyncio.Semaphore(self.config.max_in_flight)
        tasks: set[asyncio.Task[None]] = set()
        try:
            async for message in websocket:
                await slots.acquire()
                task = asyncio.create_task(self._handle_message(conn, message, slots))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        except ConnectionClosed:
            pass
        finally:
            self.hub.drop_owner(conn)
            for task in tasks:
                task.cancel()
            self._connections.discard(conn)
            await conn.close()

    async def _handle_message(self, conn: Connection, message: str | bytes, slots: asyncio.Semaphore) -> None:
        try:
            await self.handle_text(conn, message)
        except Exception:  # never let one request kill the connection
            logger.exception("unexpected error while handling a request")
        finally:
            slots.release()

    async def handle_text(self, conn: Any, message: str | bytes) -> None:
        """Parse one WebSocket message (single request or batch) and queue the response(s)."""
        if len(message) > self.config.max_message_size:
            conn.send(_error(None, RpcError(OVERSIZED_REQUEST, "Request is too big",
                                            f"Exceeded max limit of {self.config.max_message_size}")))
            return
        try:
            text = message.decode("utf-8") if isinstance(message, bytes) else message
            payload = json.loads(text)
        except (ValueError, UnicodeDecodeError):
            conn.send(_error(None, RpcError(PARSE_ERROR, "Parse error")))
            return
        deferred: list[Callable[[], None]] = []
        if isinstance(payload, list):
            if not payload:
                conn.send(_error(None, RpcError(INVALID_REQUEST, "Invalid request", "empty batch")))
                return
            if len(payload) > self.config.max_batch:
                conn.send(_error(None, RpcError(BATCH_TOO_LARGE, "The batch request was too large",
                                                f"Exceeded max limit of {self.config.max_batch}")))
                return
            responses = await asyncio.gather(*(self._handle_one(conn, item, deferred) for item in payload))
            answered = [r for r in responses if r is not None]
            if answered:
                conn.send(answered)
        else:
            response = await self._handle_one(conn, payload, deferred)
            if response is not None:
                conn.send(response)
        for activate in deferred:
            activate()

    async def _handle_one(self, conn: Any, request: Any, deferred: list[Callable[[], None]]) -> Any:
        """One request object -> its response (None for a notification)."""
        if not isinstance(request, dict):
            return _error(None, RpcError(INVALID_REQUEST, "Invalid request", "expected a JSON object"))
        request_id = request.get("id")
        valid_id = request_id is None or (isinstance(request_id, str | int) and not isinstance(request_id, bool))
        if not valid_id:
            return _error(None, RpcError(INVALID_REQUEST, "Invalid request", "id must be a string, number or null"))
        if request.get("jsonrpc") != "2.0":
            return _error(request_id, RpcError(INVALID_REQUEST, "Invalid request", 'jsonrpc must be "2.0"'))
        method = request.get("method")
        if not isinstance(method, str):
            return _error(request_id, RpcError(INVALID_REQUEST, "Invalid request", "method must be a string"))
        params = request.get("params")
        is_notification = "id" not in request
        assert self.methods is not None
        try:
            if params is not None and not isinstance(params, list | dict):
                raise invalid_params("params must be an array or an object")
            result = await self.methods.call(conn, method, params, deferred)
        except RpcError as error:
            return None if is_notification else _error(request_id, error)
        if is_notification:
            return None
        return {"jsonrpc": "2.0", "result": result, "id": request_id}


def _error(request_id: Any, error: RpcError) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "error": error.to_json(), "id": request_id}
