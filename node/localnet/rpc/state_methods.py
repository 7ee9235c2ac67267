"""The state_* JSON-RPC handlers (storage, keys, proofs, runtime calls), mixed into RpcMethods."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from node.localnet.rpc import params as p
from node.localnet.rpc.errors import (
    STATE_CLIENT_ERROR,
    STATE_INVALID_COUNT,
    RpcError,
    invalid_params,
    unknown_block,
)
from node.localnet.rpc.port import ChainLike

#: Substrate's cap on state_getKeysPaged's count.
KEYS_PAGED_MAX = 1000
#: state_getKeys (deprecated, unbounded in Substrate) stops here instead of exhausting memory.
GET_KEYS_MAX = 100_000

Deferred = list[Callable[[], None]]


def hx(data: bytes) -> str:
    """0x-prefixed lowercase hex, Substrate's encoding of bytes and hashes."""
    return "0x" + data.hex()


class StateMethods:
    """Handlers for reading state; the host class provides `chain` and `run` (chain-thread executor)."""

    chain: ChainLike
    _metadata_hex: str | None

    async def run(self, fn: Callable[[], Any]) -> Any:
        """Run a synchronous chain call on the chain thread (provided by RpcMethods)."""
        raise NotImplementedError

    # ---- helpers run on the chain thread ----

    def _resolve(self, at: bytes | None) -> bytes:
        """The block hash to read at: `at` if known, else the best block."""
        if at is None:
            return self.chain.best_hash
        if self.chain.header(at) is None:
            raise unknown_block(at)
        return at

    # ---- state ----

    async def _get_metadata(self, conn: Any, params: Any, deferred: Deferred) -> Any:
        (at,) = p.positional(params, ["hash"])
        wanted = p.block_hash(at)
        await self.run(lambda: self._resolve(wanted))
        if self._metadata_hex is None:
            self._metadata_hex = hx(self.chain.metadata)
        return self._metadata_hex

    async def _get_runtime_version(self, conn: Any, params: Any, deferred: Deferred) -> Any:
        (at,) = p.positional(params, ["hash"])
        wanted = p.block_hash(at)

        def read() -> Any:
            self._resolve(wanted)
            return self.chain.runtime_version()

        return await self.run(read)

    async def _storage_value(self, params: Any) -> bytes | None:
        key_hex, at = p.positional(params, ["key", "hash"], required=1)
        key = p.hex_bytes(key_hex, "storage key")
        wanted = p.block_hash(at)
        result: bytes | None = await self.run(lambda: self.chain.storage(key, self._resolve(wanted)))
        return result

    async def _get_storage(self, conn: Any, params: Any, deferred: Deferred) -> Any:
        value = await self._storage_value(params)
        return None if value is None else hx(value)

    async def _get_storage_hash(self, conn: Any, params: Any, deferred: Deferred) -> Any:
        value = await self._storage_value(params)
        return None if value is None else hx(hashlib.blake2b(value, digest_size=32).digest())

    async def _get_storage_size(self, conn: Any, params: Any, deferred: Deferred) -> Any:
        value = await self._storage_value(params)
        return None if value is None else len(value)

    async def _query_storage_at(self, conn: Any, params: Any, deferred: Deferred) -> Any:
        keys_hex, at = p.positional(params, ["keys", "at"], required=1)
        if not isinstance(keys_hex, list):
            raise invalid_params("keys: expected an array of hex storage keys")
        keys = [p.hex_bytes(k, "storage key") for k in keys_hex]
        wanted = p.block_hash(at)

        def read() -> Any:
            block = self._resolve(wanted)
            changes = []
            for key in keys:
                value = self.chain.storage(key, block)
                changes.append([hx(key), None if value is None else hx(value)])
            return [{"block": hx(block), "changes": changes}]

        return await self.run(read)

    async def _get_keys_paged(self, conn: Any, params: Any, deferred: Deferred) -> Any:
        prefix_hex, count, start_hex, at = p.positional(params, ["prefix", "count", "startKey", "hash"], required=2)
        prefix = b"" if prefix_hex is None else p.hex_bytes(prefix_hex, "prefix")
        n = p.count(count, "count", maximum=KEYS_PAGED_MAX, code_on_max=STATE_INVALID_COUNT)
        start = None if start_hex is None else p.hex_bytes(start_hex, "startKey")
        wanted = p.block_hash(at)
        keys: list[bytes] = await self.run(lambda: self.chain.keys_paged(prefix, n, start, self._resolve(wanted)))
        return [hx(k) for k in keys]

    async def _get_keys(self, conn: Any, params: Any, deferred: Deferred) -> Any:
        prefix_hex, at = p.positional(params, ["prefix", "hash"], required=1)
        prefix = p.hex_bytes(prefix_hex, "prefix")
        wanted = p.block_hash(at)

        def read() -> list[str]:
            block = self._resolve(wanted)
            out: list[bytes] = []
            start: bytes | None = None
            while len(out) < GET_KEYS_MAX:
                page = self.chain.keys_paged(prefix, KEYS_PAGED_MAX, start, block)
                out.extend(page)
                if len(page) < KEYS_PAGED_MAX:
                    break
                start = page[-1]
            return [hx(k) for k in out[:GET_KEYS_MAX]]

        return await self.run(read)

    async def _get_read_proof(self, conn: Any, params: Any, deferred: Deferred) -> Any:
        keys_hex, at = p.positional(params, ["keys", "hash"], required=1)
        if not isinstance(keys_hex, list):
            raise invalid_params("keys: expected an array of hex storage keys")
        keys = [p.hex_bytes(k, "storage key") for k in keys_hex]
        wanted = p.block_hash(at)

        def read() -> Any:
            block = self._resolve(wanted)
            return {"at": hx(block), "proof": [hx(node) for node in self.chain.read_proof(keys, block)]}

        return await self.run(read)

    async def _state_call(self, conn: Any, params: Any, deferred: Deferred) -> Any:
        method, data_hex, at = p.positional(params, ["name", "bytes", "hash"], required=2)
        if not isinstance(method, str) or not method:
            raise invalid_params("name: expected a runtime API method name such as Core_version")
        data = p.hex_bytes(data_hex, "call data")
        wanted = p.block_hash(at)

        def call() -> bytes:
            block = self._resolve(wanted)
            try:
                return self.chain.state_call(method, data, block)
            except RpcError:
                raise
            except Exception as exc:  # runtime API failures are client errors in Substrate (4003)
                raise RpcError(STATE_CLIENT_ERROR, f"Client error: Execution failed: {exc}") from exc

        return hx(await self.run(call))
