"""A deliberately tiny chain for protocol tests of the RPC server (the real Chain is tested end to end).

It keeps real hashes of real bytes so responses can be checked, and emits the facade's events with the
facade's class names.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def blake2(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


@dataclass
class FakeHeader:
    parent_hash: bytes
    number: int
    state_root: bytes

    def encode(self) -> bytes:
        return self.parent_hash + self.number.to_bytes(4, "little") + self.state_root

    def hash(self) -> bytes:
        return blake2(self.encode())

    def to_json(self) -> dict[str, Any]:
        return {
            "parentHash": "0x" + self.parent_hash.hex(),
            "number": hex(self.number),
            "stateRoot": "0x" + self.state_root.hex(),
            "extrinsicsRoot": "0x" + bytes(32).hex(),
            "digest": {"logs": []},
        }


@dataclass
class NewHead:
    header: FakeHeader


@dataclass
class Finalized:
    header: FakeHeader


@dataclass
class ExtrinsicIncluded:
    tx_hash: bytes
    block_hash: bytes
    index: int


@dataclass
class ExtrinsicFinalized:
    tx_hash: bytes
    block_hash: bytes


@dataclass
class StorageChanged:
    block_hash: bytes
    changes: dict[bytes, bytes | None]


class InvalidTransaction(Exception):
    def __init__(self, code: int, message: str, data: str) -> None:
        super().__init__(message)
        self.code, self.message, self.data = code, message, data


COUNTER_KEY = b"\x01counter"


@dataclass(frozen=True)
class FakeSubmitResult:
    tx_hash: bytes
    ready: bool


@dataclass
class FakeChain:
    """Extrinsics are accepted iff they start with 0xAA; each included one bumps a counter in storage."""

    metadata: bytes = b"meta\x0e"
    genesis_hash: bytes = b""
    chain_name: str = "Fake"
    properties: dict[str, Any] = field(default_factory=lambda: {"ss58Format": 42, "tokenDecimals": 9, "tokenSymbol": "TAO"})
    closed: bool = False

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._state: dict[bytes, bytes] = {COUNTER_KEY: (0).to_bytes(4, "little")}
        genesis = FakeHeader(bytes(32), 0, self._root())
        self._headers = {genesis.hash(): genesis}
        self._bodies: dict[bytes, list[bytes]] = {genesis.hash(): []}
        self._states = {genesis.hash(): dict(self._state)}
        self._chain = [genesis.hash()]
        self.genesis_hash = genesis.hash()
        self._pool: list[bytes] = []
        self._listeners: list[Callable[[Any], None]] = []

    def _root(self) -> bytes:
        return blake2(repr(sorted(self._state.items())).encode())

    @property
    def best_number(self) -> int:
        return len(self._chain) - 1

    @property
    def best_hash(self) -> bytes:
        return self._chain[-1]

    @property
    def finalized_hash(self) -> bytes:
        return self._chain[-1]

    def runtime_version(self) -> dict[str, Any]:
        return {"specName": "fake", "specVersion": 1}

    def block_hash(self, number: int) -> bytes | None:
        return self._chain[number] if number < len(self._chain) else None

    def header(self, block_hash: bytes) -> FakeHeader | None:
        return self._headers.get(block_hash)

    def block(self, block_hash: bytes) -> tuple[FakeHeader, list[bytes]] | None:
        header = self._headers.get(block_hash)
        return None if header is None else (header, self._bodies[block_hash])

    def storage(self, key: bytes, at: bytes | None = None) -> bytes | None:
        return self._states[at or self.best_hash].get(key)

    def keys_paged(self, prefix: bytes, count: int, start_key: bytes | None, at: bytes | None) -> list[bytes]:
        keys = sorted(k for k in self._states[at or self.best_hash] if k.startswith(prefix))
        return [k for k in keys if start_key is None or k > start_key][:count]

    def read_proof(self, keys: list[bytes], at: bytes | None) -> list[bytes]:
        return [b"proof:" + k for k in keys]

    def state_call(self, method: str, data: bytes, at: bytes | None) -> bytes:
        if method == "Echo_echo":
            return data
        raise LookupError(f"Exported method {method} is not found")

    def account_next_index(self, account_id: bytes) -> int:
        if account_id == bytes(32):
            raise RuntimeError("fake chain bug")
        return 7

    def query_info(self, extrinsic: bytes, at: bytes | None) -> dict[str, Any]:
        if not extrinsic.startswith(b"\xaa"):
            raise ValueError("cannot decode extrinsic")
        return {"weight": {"refTime": 1, "proofSize": 2}, "class": "normal", "partialFee": str(len(extrinsic))}

    def submit(self, extrinsic: bytes) -> bytes:
        with self._lock:
            if not extrinsic.startswith(b"\xaa"):
                raise InvalidTransaction(1010, "Invalid Transaction", "Transaction has a bad signature")
            if extrinsic in self._pool:
                raise InvalidTransaction(1013, "Transaction Already Imported", "already imported")
            self._pool.append(extrinsic)
            return blake2(extrinsic)

    def submit_tracked(self, extrinsic: bytes) -> FakeSubmitResult:
        return FakeSubmitResult(self.submit(extrinsic), True)  # no nonces here: everything is ready

    def has_ready(self) -> bool:
        return bool(self._pool)

    def pending_extrinsics(self) -> list[bytes]:
        return list(self._pool)

    def produce_block(self) -> bytes:
        with self._lock:
            body, self._pool = self._pool, []
            before = dict(self._state)
            if body:
                count = int.from_bytes(self._state[COUNTER_KEY], "little") + len(body)
                self._state[COUNTER_KEY] = count.to_bytes(4, "little")
            header = FakeHeader(self.best_hash, self.best_number + 1, self._root())
            block_hash = header.hash()
            self._headers[block_hash] = header
            self._bodies[block_hash] = body
            self._states[block_hash] = dict(self._state)
            self._chain.append(block_hash)
            changes: dict[bytes, bytes | None] = {k: v for k, v in self._state.items() if before.get(k) != v}
            self._emit(NewHead(header))
            for index, ext in enumerate(body):
                self._emit(ExtrinsicIncluded(blake2(ext), block_hash, index))
            if changes:
                self._emit(StorageChanged(block_hash, changes))
            self._emit(Finalized(header))
            for ext in body:
                self._emit(ExtrinsicFinalized(blake2(ext), block_hash))
            return block_hash

    def produce_blocks(self, count: int) -> list[bytes]:
        return [self.produce_block() for _ in range(count)]

    def fund(self, account_id: bytes, rao: int) -> bytes:
        with self._lock:
            key = b"\x02bal" + account_id
            old = int.from_bytes(self._state.get(key, bytes(8)), "little")
            self._state[key] = (old + rao).to_bytes(8, "little")
            return self.produce_block()

    def add_listener(self, fn: Callable[[Any], None]) -> Callable[[], None]:
        self._listeners.append(fn)
        return lambda: self._listeners.remove(fn)

    def _emit(self, event: Any) -> None:
        for fn in list(self._listeners):
            fn(event)

    def close(self) -> None:
        self.closed = True
