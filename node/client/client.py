"""ChainClient: one WebSocket connection (our JSON-RPC transport) with fallbacks, reconnects and caching.

Thread-safe: every request holds one lock, because a WebSocket carries one conversation at a time.
Metadata is decoded once per runtime version into a `Runtime`; `client.substrate` (substrate-interface,
imported and connected only when asked for) shares it, so `client.substrate.query(...)` keeps working
for callers that want it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import websocket

from node.client.era import DEFAULT_ERA_PERIOD, MortalEra
from node.client.errors import ChainClientError, ConnectionLostError, NoEndpointError
from node.client.extrinsic import SigningContext
from node.client.runtime import Runtime
from node.client.transport import WS_OPTIONS, JsonRpcSocket
from node.scale_compact import decode_compact

if TYPE_CHECKING:
    from substrateinterface import SubstrateInterface

logger = logging.getLogger(__name__)

#: Errors that mean "the socket is gone or silent", as websocket-client and the OS raise them. A clean
#: close from the server surfaces as an empty message (ConnectionClosedError, a WebSocketException).
TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    websocket.WebSocketException,
    ConnectionError,
    TimeoutError,
    OSError,
    json.JSONDecodeError,
)


class RpcError(ChainClientError):
    """The node answered a request with a JSON-RPC error."""

    def __init__(self, method: str, error: Any) -> None:
        detail = error.get("message", error) if isinstance(error, dict) else error
        super().__init__(f"{method} failed: {detail}")
        self.method = method
        self.error = error
        self.code = int(error.get("code", 0)) if isinstance(error, dict) else 0


@dataclass(frozen=True)
class BlockRef:
    """A block by number and hash."""

    number: int
    hash: bytes


@dataclass(frozen=True)
class AccountBalance:
    """System.Account of one account, in rao."""

    free: int
    reserved: int
    frozen: int
    nonce: int


@dataclass(frozen=True)
class FeeInfo:
    """What TransactionPayment would charge (partial fee excludes the tip)."""

    partial_fee: int
    weight_ref_time: int
    weight_proof_size: int
    dispatch_class: str


#: Decoded runtimes shared by every client in the process, keyed by (genesis hash, spec version):
#: decoding metadata costs about a second, and the CLI/TUI/tests open several clients to one chain.
_RUNTIME_CACHE: dict[tuple[bytes, int], Runtime] = {}
_RUNTIME_CACHE_LOCK = threading.Lock()


class ChainClient:
    """A connection to a Substrate node with fallback endpoints.

    Args:
        urls: endpoints in order of preference; the first that answers is used.
        timeout: seconds a single request may wait for its answer.
        max_rounds: how many passes over all endpoints `connect()` makes before giving up.
        backoff: first pause between passes (doubles each pass, capped at `backoff_max`).
        sleep: injectable for tests that must not wait.
        runtime_recheck: seconds between checks of the runtime version (upgrade detection).
    """

    def __init__(
        self,
        urls: Sequence[str],
        *,
        timeout: float = 10.0,
        max_rounds: int = 4,
        backoff: float = 0.5,
        backoff_max: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
        runtime_recheck: float = 6.0,
    ) -> None:
        if not urls:
            raise ValueError("at least one endpoint URL is required")
        self.urls = tuple(urls)
        self.timeout = timeout
        self.max_rounds = max_rounds
        self.backoff = backoff
        self.backoff_max = backoff_max
        self._sleep = sleep
        self._lock = threading.RLock()
        self._socket: JsonRpcSocket | None = None
        self._si: SubstrateInterface | None = None
        self._runtime: Runtime | None = None
        self._runtime_checked = 0.0
        self._runtime_socket: JsonRpcSocket | None = None  # re-check the version after a reconnect
        self.runtime_recheck = runtime_recheck
        self.url: str | None = None
        self.latency_ms: float | None = None
        self._genesis: bytes | None = None

    # --- connection ---------------------------------------------------------------------------------

    def connect(self) -> None:
        """Connect to the first endpoint that answers, trying all of them with backoff between passes.

        Raises:
            NoEndpointError: no endpoint answered after `max_rounds` passes (lists each failure).
        """
        with self._lock:
            self._drop()
            failures: list[str] = []
            delay = self.backoff
            for round_no in range(self.max_rounds):
                for url in self.urls:
                    try:
                        sock = JsonRpcSocket(url, self.timeout)
                    except (websocket.WebSocketException, OSError, ValueError) as exc:
                        failures.append(f"{url}: {exc or type(exc).__name__}")
                        logger.info("endpoint %s unavailable: %s", url, exc)
                        continue
                    self._socket = sock
                    self.url = url
                    try:
                        self._check_genesis()
                        self.ping()
                    except ChainClientError as exc:
                        failures.append(f"{url}: {exc}")
                        self._drop()
                        continue
                    logger.info("connected to %s (%.1f ms)", url, self.latency_ms or 0.0)
                    return
                if round_no + 1 < self.max_rounds:
                    self._sleep(delay)
                    delay = min(delay * 2, self.backoff_max)
            tried = "; ".join(dict.fromkeys(failures))
            raise NoEndpointError(f"no chain endpoint answered ({tried})")

    def _check_genesis(self) -> None:
        genesis = bytes.fromhex(self.rpc("chain_getBlockHash", [0])[2:])
        if self._genesis is not None and genesis != self._genesis:
            raise ChainClientError(
                f"{self.url} serves a different chain (genesis 0x{genesis.hex()[:12]}..) than before"
            )
        self._genesis = genesis

    def _drop(self) -> None:
        for closable in (self._socket, self._si):
            if closable is None:
                continue
            try:
                closable.close()
            except Exception:  # closing a dead socket may raise anything; we are discarding it
                logger.debug("error while closing the old connection", exc_info=True)
        self._socket = None
        self._si = None

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._drop()

    @property
    def connected(self) -> bool:
        """True while a connection object exists (it may still turn out dead on the next request)."""
        return self._socket is not None

    @property
    def substrate(self) -> SubstrateInterface:
        """A substrate-interface object on the same endpoint (its own socket, opened on first use), with
        our decoded runtime already loaded. It is imported only here: it costs ~0.2 s to import."""
        from substrateinterface import SubstrateInterface

        with self._lock:
            if self._socket is None:
                self.connect()
            if self._si is None:
                self._si = SubstrateInterface(url=self.url, ss58_format=42, auto_discover=False, auto_reconnect=False,
                                              ws_options={"timeout": self.timeout, **WS_OPTIONS})
            runtime = self.runtime()
            self._share_runtime(runtime, self.runtime_version())
            return self._si

    def _open_socket(self) -> JsonRpcSocket:
        if self._socket is None:
            self.connect()
        assert self._socket is not None
        return self._socket

    def _lost(self, method: str, exc: BaseException) -> ConnectionLostError:
        self._drop()
        return ConnectionLostError(f"connection to {self.url} lost during {method}: {exc or type(exc).__name__}")

    # --- requests -----------------------------------------------------------------------------------

    def rpc(self, method: str, params: list[Any]) -> Any:
        """One JSON-RPC request; returns `result`.

        Raises:
            ConnectionLostError: the socket died or timed out (the connection is dropped).
            RpcError: the node answered with an error.
        """
        with self._lock:
            sock = self._open_socket()
            try:
                body = sock.request(method, params)
            except TRANSPORT_ERRORS as exc:
                raise self._lost(method, exc) from exc
            if "error" in body:
                raise RpcError(method, body["error"])
            return body.get("result")

    def rpc_many(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        """Several requests pipelined on the socket (sent together, answered in one round trip); their
        `result`s in order.

        Raises:
            ConnectionLostError: the socket died or timed out (the connection is dropped).
            RpcError: the node answered one of them with an error (the first such, by position).
        """
        if not calls:
            return []
        with self._lock:
            sock = self._open_socket()
            try:
                bodies = sock.request_many(calls)
            except TRANSPORT_ERRORS as exc:
                raise self._lost(calls[0][0], exc) from exc
            for (method, _), body in zip(calls, bodies, strict=True):
                if "error" in body:
                    raise RpcError(method, body["error"])
            return [body.get("result") for body in bodies]

    def read_many(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        """Like `rpc_many`, for idempotent reads: reconnects once and retries on a lost connection."""
        try:
            return self.rpc_many(calls)
        except ConnectionLostError:
            logger.info("reconnecting after a lost connection during %d pipelined reads", len(calls))
            self.connect()
            return self.rpc_many(calls)

    def read(self, method: str, params: list[Any]) -> Any:
        """Like `rpc`, for idempotent reads: reconnects once (with backoff) and retries on a lost connection."""
        try:
            return self.rpc(method, params)
        except ConnectionLostError:
            logger.info("reconnecting after a lost connection during %s", method)
            self.connect()
            return self.rpc(method, params)

    def subscribe(self, method: str, params: list[Any], handler: Callable[[Any], Any], *,
                  idle_timeout: float) -> tuple[Any, str | None]:
        """Open a subscription and feed each notification's `result` to `handler` until it returns non-None.

        Returns:
            (the handler's final value, the subscription id).
        Raises:
            ConnectionLostError: the socket died, or nothing arrived for `idle_timeout` seconds.
            RpcError: the node refused the subscription.
        """
        def on_message(message: dict[str, Any], _subscription_id: str) -> Any:
            return handler(message["params"]["result"])

        with self._lock:
            sock = self._open_socket()
            try:
                sock.settimeout(idle_timeout)
                body, sub_id = sock.subscribe(method, params, on_message)
            except TRANSPORT_ERRORS as exc:
                raise self._lost(method, exc) from exc
            finally:
                if self._socket is sock:
                    sock.settimeout(self.timeout)
            if "error" in body:
                raise RpcError(method, body["error"])
            return body, sub_id

    def ping(self) -> float:
        """Round-trip time of `system_health` in milliseconds (also stored in `latency_ms`)."""
        start = time.perf_counter()
        self.rpc("system_health", [])
        self.latency_ms = (time.perf_counter() - start) * 1000.0
        return self.latency_ms

    # --- chain facts --------------------------------------------------------------------------------

    @property
    def genesis_hash(self) -> bytes:
        """Hash of block #0 (checked on every reconnect: a fallback must serve the same chain)."""
        if self._genesis is None:
            self.connect()
        assert self._genesis is not None
        return self._genesis

    def best_block(self) -> BlockRef:
        """The best (head) block."""
        block_hash = self.read("chain_getBlockHash", [])
        header = self.read("chain_getHeader", [block_hash])
        return BlockRef(int(header["number"], 16), bytes.fromhex(block_hash[2:]))

    def finalized_block(self) -> BlockRef:
        """The latest finalized block."""
        block_hash = self.read("chain_getFinalizedHead", [])
        header = self.read("chain_getHeader", [block_hash])
        return BlockRef(int(header["number"], 16), bytes.fromhex(block_hash[2:]))

    def block_hash(self, number: int) -> bytes | None:
        """Hash of the canonical block at `number` (None when beyond the head)."""
        result = self.read("chain_getBlockHash", [number])
        return None if result is None else bytes.fromhex(result[2:])

    def block_extrinsics(self, block_hash: bytes) -> list[bytes]:
        """The raw extrinsics of a block."""
        block = self.read("chain_getBlock", ["0x" + block_hash.hex()])
        if block is None:
            return []
        return [bytes.fromhex(x[2:]) for x in block["block"]["extrinsics"]]

    def runtime_version(self) -> dict[str, Any]:
        """`state_getRuntimeVersion` of the head."""
        result: dict[str, Any] = self.read("state_getRuntimeVersion", [])
        return result

    def runtime(self) -> Runtime:
        """The head's runtime, decoded once per spec version and shared with substrate-interface.

        The spec version is re-checked at most every `runtime_recheck` seconds (one RPC round trip each),
        so a runtime upgrade is noticed within a block or two.
        """
        with self._lock:
            now = time.monotonic()
            if (self._runtime is not None and self._socket is not None and self._runtime_socket is self._socket
                    and now - self._runtime_checked < self.runtime_recheck):
                return self._runtime
            version = self.runtime_version()
            spec = int(version["specVersion"])
            key = (self.genesis_hash, spec)
            with _RUNTIME_CACHE_LOCK:
                runtime = _RUNTIME_CACHE.get(key)
            if runtime is None:
                runtime = Runtime.from_hex(self.read("state_getMetadata", []))
                with _RUNTIME_CACHE_LOCK:
                    _RUNTIME_CACHE[key] = runtime
            self._runtime = runtime
            self._share_runtime(runtime, version)
            self._runtime_checked = now
            self._runtime_socket = self._socket
            return runtime

    def _share_runtime(self, runtime: Runtime, version: dict[str, Any]) -> None:
        """Hand our decoded metadata to substrate-interface (if in use) so it does not decode it a second time."""
        substrate = self._si
        if substrate is None or substrate.runtime_version == int(version["specVersion"]):
            return
        substrate.runtime_config = runtime.config
        substrate.metadata = runtime.metadata
        substrate.runtime_version = int(version["specVersion"])
        substrate.transaction_version = int(version["transactionVersion"])
        substrate.config["is_weight_v2"] = True

    def storage(self, pallet: str, name: str, *keys: bytes, at: bytes | None = None) -> Any:
        """Read and decode a storage item by metadata names (SCALE-encoded keys)."""
        runtime = self.runtime()
        key = "0x" + runtime.storage_key(pallet, name, *keys).hex()
        params: list[Any] = [key] if at is None else [key, "0x" + at.hex()]
        raw = self.read("state_getStorage", params)
        return runtime.decode_storage(pallet, name, None if raw is None else bytes.fromhex(raw[2:]))

    def account(self, account_id: bytes, at: bytes | None = None) -> AccountBalance:
        """Free/reserved/frozen balance and nonce of an account (zeros when it does not exist)."""
        info = self.storage("System", "Account", account_id, at=at)
        data = info["data"]
        return AccountBalance(int(data["free"]), int(data["reserved"]), int(data.get("frozen", 0)),
                              int(info["nonce"]))

    def existential_deposit(self) -> int:
        """Balances.ExistentialDeposit in rao."""
        return int(self.runtime().constant("Balances", "ExistentialDeposit"))

    def next_nonce(self, account_id: bytes) -> int:
        """The account's next nonce including transactions already in the pool."""
        from scalecodec.utils.ss58 import ss58_encode

        return int(self.read("system_accountNextIndex", [ss58_encode(account_id, 42)]))

    def pending_extrinsics(self) -> list[bytes]:
        """Extrinsics waiting in the node's pool."""
        return [bytes.fromhex(x[2:]) for x in self.read("author_pendingExtrinsics", [])]

    def signing_context(self, nonce: int, *, era_period: int | None = DEFAULT_ERA_PERIOD,
                        tip: int = 0) -> SigningContext:
        """Genesis, versions and a mortal era anchored at the current finalized block (safe from reorgs)."""
        runtime = self.runtime()
        if era_period is None:
            return SigningContext(self.genesis_hash, runtime.spec_version, runtime.transaction_version,
                                  nonce, None, 0, self.genesis_hash, tip)
        anchor = self.finalized_block()
        era = MortalEra.at(anchor.number, era_period)
        birth = era.birth(anchor.number)
        birth_hash = self.block_hash(birth) or anchor.hash
        return SigningContext(self.genesis_hash, runtime.spec_version, runtime.transaction_version,
                              nonce, era, anchor.number, birth_hash, tip)

    def query_fee(self, extrinsic: bytes) -> FeeInfo:
        """Fee of an extrinsic: `payment_queryInfo`, or the runtime API decoded by shape when the RPC is absent.

        The partial fee is the tail of `RuntimeDispatchInfo` after the weight and class, so its width
        (u64 on subtensor, u128 elsewhere) comes from the answer itself, not from a guessed type.
        """
        hex_ext = "0x" + extrinsic.hex()
        try:
            info = self.rpc("payment_queryInfo", [hex_ext])
        except RpcError as exc:
            if exc.code != -32601:
                raise
            info = None
        if info is not None:
            weight: Any = info.get("weight", {})
            if isinstance(weight, dict):
                ref_time = int(weight.get("refTime") or weight.get("ref_time") or 0)
                proof = int(weight.get("proofSize") or weight.get("proof_size") or 0)
            else:
                ref_time, proof = int(weight), 0
            fee = info["partialFee"]
            partial = int(fee, 16) if isinstance(fee, str) and fee.startswith("0x") else int(fee)
            return FeeInfo(partial, ref_time, proof, str(info.get("class", "normal")).lower())
        return self.query_fee_runtime_api(extrinsic)

    def query_fee_runtime_api(self, extrinsic: bytes) -> FeeInfo:
        """Fee through `state_call TransactionPaymentApi_query_info` (for nodes without `payment_queryInfo`)."""
        data = extrinsic + len(extrinsic).to_bytes(4, "little")
        raw = bytes.fromhex(self.rpc("state_call", ["TransactionPaymentApi_query_info", "0x" + data.hex()])[2:])
        ref_time, offset = decode_compact(raw, 0, canonical=False)
        proof, offset = decode_compact(raw, offset, canonical=False)
        dispatch_class = ("normal", "operational", "mandatory")[raw[offset]]
        return FeeInfo(int.from_bytes(raw[offset + 1:], "little"), ref_time, proof, dispatch_class)
