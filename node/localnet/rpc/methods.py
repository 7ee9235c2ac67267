"""The JSON-RPC methods the localnet serves, mapped onto the `Chain` facade.

Handlers return the JSON `result`; they raise `RpcError` for client mistakes. Chain calls are synchronous
and run through `run` (a single worker thread), so the event loop never blocks on them. Subscription
handlers register a buffered subscription and queue its activation to run right after the response with
its id has been queued (see subscriptions.py).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from node.localnet.rpc import params as p
from node.localnet.rpc.errors import (
    INTERNAL_ERROR,
    STATE_CLIENT_ERROR,
    TOO_MANY_SUBSCRIPTIONS,
    RpcError,
    invalid_params,
)
from node.localnet.rpc.port import ChainLike
from node.localnet.rpc.producer import BlockProducer
from node.localnet.rpc.state_methods import StateMethods, hx
from node.localnet.rpc.subscriptions import Subscription, SubscriptionHub

logger = logging.getLogger(__name__)

NODE_NAME = "tao-wallet-localnet"
NODE_VERSION = "0.1.0"
#: dev_newBlock's upper bound per call.
NEW_BLOCK_MAX = 100_000

Deferred = list[Callable[[], None]]
Send = Callable[[dict[str, Any]], None]
Handler = Callable[[Any, Any, Deferred], Awaitable[Any]]


def chain_error(exc: BaseException) -> RpcError:
    """Map an exception raised by the chain to the RPC error the client sees."""
    if isinstance(exc, RpcError):
        return exc
    code = getattr(exc, "code", None)
    message = getattr(exc, "message", None)
    if isinstance(code, int) and not isinstance(code, bool) and isinstance(message, str):
        return RpcError(code, message, getattr(exc, "data", None))  # e.g. InvalidTransaction (1010 ...)
    if type(exc).__name__ in ("StatePrunedError", "UnknownBlockError"):  # Substrate: client error 4003
        return RpcError(STATE_CLIENT_ERROR, f"Client error: {exc}")
    logger.exception("chain call failed", exc_info=exc)
    return RpcError(INTERNAL_ERROR, "Internal error", f"{type(exc).__name__}: {exc}")


class RpcMethods(StateMethods):
    """Method table plus the handlers; one instance per server (state_* handlers in StateMethods)."""

    def __init__(
        self,
        chain: ChainLike,
        run: Callable[[Callable[[], Any]], Awaitable[Any]],
        hub: SubscriptionHub,
        producer: BlockProducer,
        *,
        max_subscriptions: int = 1024,
    ) -> None:
        self.chain = chain
        self.max_subscriptions = max_subscriptions
        self._run = run
        self.hub = hub
        self.producer = producer
        self._metadata_hex: str | None = None
        self.table: dict[str, Handler] = {}
        self._register()

    async def call(self, conn: Any, method: str, params: Any, deferred: Deferred) -> Any:
        """Run one method; raises RpcError (never anything else)."""
        handler = self.table.get(method)
        if handler is None:
            raise RpcError(-32601, "Method not found", method)
        try:
            return await handler(conn, params, deferred)
        except RpcError:
            raise
        except Exception as exc:
            raise chain_error(exc) from exc

    async def run(self, fn: Callable[[], Any]) -> Any:
        """Run a synchronous chain call on the chain thread, mapping its errors."""
        try:
            return await self._run(fn)
        except RpcError:
            raise
        except Exception as exc:
            raise chain_error(exc) from exc

    # ---- registration ----

    def _register(self) -> None:
        t = self.table
        t["rpc_methods"] = self._rpc_methods
        for name, fn in {
            "system_name": lambda: NODE_NAME,
            "system_version": lambda: NODE_VERSION,
            "system_chain": lambda: self.chain.chain_name,
            "system_chainType": lambda: "Development",
            "system_properties": lambda: self.chain.properties,
            "system_health": lambda: {"peers": 0, "isSyncing": False, "shouldHavePeers": False},
            "system_peers": lambda: [],
            "system_nodeRoles": lambda: ["Authority"],
            "system_localListenAddresses": lambda: [],
        }.items():
            t[name] = self._constant(fn)
        t["system_syncState"] = self._sync_state
        t["system_accountNextIndex"] = t["account_nextIndex"] = self._account_next_index  # alias as in Substrate
        t["chain_getBlockHash"] = t["chain_getHead"] = self._get_block_hash
        t["chain_getHeader"] = self._get_header
        t["chain_getBlock"] = self._get_block
        t["chain_getFinalizedHead"] = t["chain_getFinalisedHead"] = self._get_finalized_head
        t["state_getMetadata"] = self._get_metadata
        t["state_getRuntimeVersion"] = t["chain_getRuntimeVersion"] = self._get_runtime_version
        t["state_getStorage"] = t["state_getStorageAt"] = self._get_storage
        t["state_getStorageHash"] = t["state_getStorageHashAt"] = self._get_storage_hash
        t["state_getStorageSize"] = t["state_getStorageSizeAt"] = self._get_storage_size
        t["state_queryStorageAt"] = self._query_storage_at
        t["state_getKeys"] = self._get_keys
        t["state_getKeysPaged"] = t["state_getKeysPagedAt"] = self._get_keys_paged
        t["state_getReadProof"] = self._get_read_proof
        t["state_call"] = t["state_callAt"] = self._state_call
        t["author_submitExtrinsic"] = self._submit
        t["author_submitAndWatchExtrinsic"] = self._submit_and_watch
        t["author_unwatchExtrinsic"] = self._unsubscriber("extrinsic")
        t["author_pendingExtrinsics"] = self._pending
        t["payment_queryInfo"] = self._query_info
        t["dev_newBlock"] = self._new_block
        if callable(getattr(self.chain, "fund", None)):
            t["dev_fund"] = self._fund
        if callable(getattr(self.chain, "reorg", None)):
            t["dev_reorg"] = self._reorg
        heads = {
            "newHead": (["chain_subscribeNewHeads", "chain_subscribeNewHead", "subscribe_newHead"],
                        ["chain_unsubscribeNewHeads", "chain_unsubscribeNewHead", "unsubscribe_newHead"]),
            "finalizedHead": (["chain_subscribeFinalizedHeads", "chain_subscribeFinalisedHeads"],
                              ["chain_unsubscribeFinalizedHeads", "chain_unsubscribeFinalisedHeads"]),
            "allHead": (["chain_subscribeAllHeads"], ["chain_unsubscribeAllHeads"]),
        }
        for kind, (subs, unsubs) in heads.items():
            for name in subs:
                t[name] = self._head_subscriber(kind)
            for name in unsubs:
                t[name] = self._unsubscriber(kind)
        t["state_subscribeRuntimeVersion"] = t["chain_subscribeRuntimeVersion"] = self._subscribe_runtime
        t["state_unsubscribeRuntimeVersion"] = t["chain_unsubscribeRuntimeVersion"] = self._unsubscriber(
            "runtimeVersion"
        )
        t["state_subscribeStorage"] = self._subscribe_storage
        t["state_unsubscribeStorage"] = self._unsubscriber("storage")

    @staticmethod
    def _constant(fn: Callable[[], Any]) -> Handler:
        async def handler(conn: Any, params: Any, deferred: Deferred) -> Any:
            p.positional(params, [])
            return fn()

        return handler

    # ---- system / rpc ----

    async def _rpc_methods(self, conn: Any, params: Any, deferred: Deferred) -> Any:
        p.positional(params, [])
        return {"methods": sorted(self.table)}

    async def _sync_state(self, conn: Any, params: Any, deferred: Deferred) -> Any:
        p.positional(params, [])
        best = await self.run(lambda: self.chain.best_number)
        return {"startingBlock": 0, "currentBlock": best, "highestBlock": best}

    async def _account_next_index(self, conn: Any, params: Any, deferred: Deferred) -> Any:
        (address,) = p.positional(params, ["accountId"], required=1)
        account_id = account_id_from(address)
        return await self.run(lambda: self.chain.account_next_index(account_id))

    # ---- chain ----

    async def _get_block_hash(self, conn: Any, params: Any, deferred: Deferred) -> Any:
        (number,) = p.positional(params, ["blockNumber"])
        if number is None:
            return hx(await self.run(lambda: self.chain.best_hash))
        numbers = [p.block_number(n) for n in number] if isinstance(number, list) else [p.block_number(number)]

        def lookup() -> list[str | None]:
            out: list[str | None] = []
            for n in numbers:
                found = self.chain.block_hash(n)
                out.append(None if found is None else hx(found))
            return out

        hashes = await self.run(lookup)
        return hashes if isinstance(number, list) else hashes[0]

    async def _get_header(self, conn: Any, params: Any, deferred: Deferred) -> Any:
        (at,) = p.positional(params, ["hash"])
        wanted = p.block_hash(at)

        def read() -> Any:
            header = self.chain.header(wanted if wanted is not None else self.chain.best_hash)
            return None if header is None else header.to_json()

        return await self.run(read)

    async def _get_block(self, conn: Any, params: Any, deferred: Deferred) -> Any:
        (at,) = p.positional(params, ["hash"])
        wanted = p.block_hash(at)

        def read() -> Any:
            found = self.chain.block(wanted if wanted is not None else self.chain.best_hash)
            if found is None:
                return None
            header, extrinsics = found
            justify = getattr(self.chain, "justifications", None)
            proofs = justify(wanted if wanted is not None else self.chain.best_hash) if callable(justify) else None
            return {
                "block": {"header": header.to_json(), "extrinsics": [hx(x) for x in extrinsics]},
                # Substrate serialises Justifications as [[engine id bytes, encoded bytes]] (number arrays)
                "justifications": None if proofs is None else [[list(e), list(j)] for e, j in proofs],
            }

        return await self.run(read)

    async def _get_finalized_head(self, conn: Any, params: Any, deferred: Deferred) -> Any:
        p.positional(params, [])
        return hx(await self.run(lambda: self.chain.finalized_hash))

    # ---- author / payment ----

    async def _submit(self, conn: Any, params: Any, deferred: Deferred) -> Any:
        (ext_hex,) = p.positional(params, ["extrinsic"], required=1)
        extrinsic = p.hex_bytes(ext_hex, "extrinsic")
        result = await self.run(lambda: self.chain.submit_tracked(extrinsic))
        if result.ready:  # a future-nonce transaction alone does not seal a block
            self.producer.extrinsic_accepted()
        return hx(result.tx_hash)

    async def _submit_and_watch(self, conn: Any, params: Any, deferred: Deferred) -> Any:
        (ext_hex,) = p.positional(params, ["extrinsic"], required=1)
        extrinsic = p.hex_bytes(ext_hex, "extrinsic")
        expected = hashlib.blake2b(extrinsic, digest_size=32).digest()
        # Watch before submitting: with instant seal the block can be produced before we'd get a chance.
        sub = self._subscribe(conn, "extrinsic", tx_hash=expected)
        try:
            result = await self.run(lambda: self.chain.submit_tracked(extrinsic))
            tx_hash: bytes = result.tx_hash
        except BaseException:
            self.hub.remove(conn, sub.id, ("extrinsic",))
            raise
        if tx_hash != expected:  # the chain hashes differently: watch its hash instead
            logger.warning("chain tx hash %s differs from blake2_256(extrinsic)", tx_hash.hex())
            self.hub.remove(conn, sub.id, ("extrinsic",))
            sub = self.hub.add(conn, "extrinsic", conn.send, tx_hash=tx_hash)
        # Substrate: "future" while an earlier nonce is missing, then "ready" once the gap is filled.
        status = "ready" if result.ready else "future"
        if result.ready:
            self.producer.extrinsic_accepted()
        deferred.append(lambda: self.hub.activate(sub, [status]))
        return sub.id

    async def _pending(self, conn: Any, params: Any, deferred: Deferred) -> Any:
        p.positional(params, [])
        return [hx(x) for x in await self.run(self.chain.pending_extrinsics)]

    async def _query_info(self, conn: Any, params: Any, deferred: Deferred) -> Any:
        ext_hex, at = p.positional(params, ["extrinsic", "hash"], required=1)
        extrinsic = p.hex_bytes(ext_hex, "extrinsic")
        wanted = p.block_hash(at)

        def query() -> Any:
            block = self._resolve(wanted)
            try:
                return self.chain.query_info(extrinsic, block)
            except RpcError:
                raise
            except Exception as exc:
                raise RpcError(1, "Unable to query dispatch info.", str(exc)) from exc

        return await self.run(query)

    # ---- dev ----

    async def _new_block(self, conn: Any, params: Any, deferred: Deferred) -> Any:
        options: Any = params
        if isinstance(params, list):
            if len(params) > 1:
                raise invalid_params("dev_newBlock takes one optional object {count}")
            options = params[0] if params else None
        if options is None:
            options = {}
        if isinstance(options, int) and not isinstance(options, bool):
            options = {"count": options}
        if not isinstance(options, dict):
            raise invalid_params("dev_newBlock: expected {\"count\": n}")
        unknown = sorted(set(options) - {"count"})
        if unknown:
            raise invalid_params(f"dev_newBlock: unknown option(s) {', '.join(unknown)}")
        n = p.count(options.get("count", 1), "count", maximum=NEW_BLOCK_MAX)
        if n == 0:
            raise invalid_params("count: must be at least 1")
        hashes = await self.producer.mine(n)
        return hx(hashes[-1])

    async def _fund(self, conn: Any, params: Any, deferred: Deferred) -> Any:
        address, amount = p.positional(params, ["accountId", "amount"], required=2)
        account_id = account_id_from(address)
        rao = p.rao(amount)
        fund = self.chain.fund  # type: ignore[attr-defined]
        return hx(await self.run(lambda: fund(account_id, rao)))

    async def _reorg(self, conn: Any, params: Any, deferred: Deferred) -> Any:
        """dev_reorg [depth] or [{"depth": d, "length": n}]: abandon the best d unfinalized blocks for a
        competing branch of n (default d + 1) blocks; errors -32602 when a finalized block would go."""
        options: Any = params[0] if isinstance(params, list) and len(params) == 1 else params
        if isinstance(params, list) and len(params) > 1:
            raise invalid_params("dev_reorg takes one parameter: depth, or {\"depth\": d, \"length\": n}")
        if isinstance(options, int) and not isinstance(options, bool):
            options = {"depth": options}
        if not isinstance(options, dict) or "depth" not in options:
            raise invalid_params("dev_reorg: expected depth, or {\"depth\": d, \"length\": n}")
        unknown = sorted(set(options) - {"depth", "length"})
        if unknown:
            raise invalid_params(f"dev_reorg: unknown option(s) {', '.join(unknown)}")
        reorg = self.chain.reorg  # type: ignore[attr-defined]
        depth, length = options["depth"], options.get("length")
        try:
            result = await self._run(lambda: reorg(depth, length))
        except ValueError as exc:  # ReorgError: finalized block, bad depth/length, pruning chain
            raise invalid_params(str(exc)) from exc
        except Exception as exc:
            raise chain_error(exc) from exc
        return {
            "forkPoint": {"number": result.fork_number, "hash": hx(result.fork_hash)},
            "retracted": [hx(h) for h in result.retracted],
            "enacted": [hx(h) for h in result.enacted],
        }

    # ---- subscriptions ----

    def _head_subscriber(self, kind: str) -> Handler:
        async def handler(conn: Any, params: Any, deferred: Deferred) -> Any:
            p.positional(params, [])
            sub = self._subscribe(conn, kind)

            def current() -> Any:
                at = self.chain.finalized_hash if kind == "finalizedHead" else self.chain.best_hash
                header = self.chain.header(at)
                return None if header is None else header.to_json()

            initial = await self._initial(sub, current)
            deferred.append(lambda: self.hub.activate(sub, [] if initial is None else [initial]))
            return sub.id

        return handler

    async def _subscribe_runtime(self, conn: Any, params: Any, deferred: Deferred) -> Any:
        p.positional(params, [])
        sub = self._subscribe(conn, "runtimeVersion")
        version = await self._initial(sub, self.chain.runtime_version)
        deferred.append(lambda: self.hub.activate(sub, [version]))
        return sub.id

    async def _subscribe_storage(self, conn: Any, params: Any, deferred: Deferred) -> Any:
        (keys_hex,) = p.positional(params, ["keys"])
        if keys_hex is not None and not isinstance(keys_hex, list):
            raise invalid_params("keys: expected an array of hex storage keys")
        keys = None if keys_hex is None else [p.hex_bytes(k, "storage key") for k in keys_hex]
        sub = self._subscribe(conn, "storage", keys=None if keys is None else frozenset(keys))

        def current() -> Any:
            if not keys:
                return None
            block = self.chain.best_hash
            changes = []
            for key in keys:
                value = self.chain.storage(key, block)
                changes.append([hx(key), None if value is None else hx(value)])
            return {"block": hx(block), "changes": changes}

        initial = await self._initial(sub, current)
        deferred.append(lambda: self.hub.activate(sub, [] if initial is None else [initial]))
        return sub.id

    def _subscribe(
        self, conn: Any, kind: str, *, keys: frozenset[bytes] | None = None, tx_hash: bytes | None = None
    ) -> Subscription:
        if self.hub.count_of(conn) >= self.max_subscriptions:
            raise RpcError(TOO_MANY_SUBSCRIPTIONS, "Too many subscriptions on the connection",
                           f"Exceeded max limit of {self.max_subscriptions}")
        return self.hub.add(conn, kind, conn.send, keys=keys, tx_hash=tx_hash)

    async def _initial(self, sub: Subscription, read: Callable[[], Any]) -> Any:
        """Read a subscription's initial value; events buffered so far are older than it, so drop them."""
        try:
            value = await self.run(read)
        except BaseException:
            self.hub.remove_subscription(sub)
            raise
        sub.buffer.clear()
        return value

    def _unsubscriber(self, kind: str) -> Handler:
        async def handler(conn: Any, params: Any, deferred: Deferred) -> Any:
            (sub_id,) = p.positional(params, ["subscription"], required=1)
            return self.hub.remove(conn, sub_id, (kind,))

        return handler


def account_id_from(address: Any) -> bytes:
    """An AccountId32 from an SS58 address or a 0x-hex public key."""
    if not isinstance(address, str):
        raise invalid_params("accountId: expected an SS58 address or 0x-hex account id")
    if address.startswith("0x"):
        return p.hex_bytes(address, "accountId", length=32)
    from scalecodec.utils.ss58 import ss58_decode

    try:
        account_id = bytes.fromhex(ss58_decode(address))
    except Exception:
        raise invalid_params(f"accountId: {address!r} is not a valid SS58 address") from None
    if len(account_id) != 32:
        raise invalid_params(f"accountId: {address!r} is not a 32-byte account")
    return account_id
