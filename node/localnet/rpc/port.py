"""What the RPC server needs from the chain: the `Chain` facade of node/localnet/chain.py, as a Protocol.

Keeping the seam as a Protocol lets the protocol tests drive the server with a tiny fake chain while the
end-to-end tests use the real one; the server never imports the runtime.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class HeaderLike(Protocol):
    """A block header as the chain hands it out."""

    number: int

    def hash(self) -> bytes:
        """blake2-256 of the SCALE-encoded header."""
        ...

    def to_json(self) -> dict[str, Any]:
        """The RPC shape: parentHash, number (hex), stateRoot, extrinsicsRoot, digest {logs}."""
        ...


class ChainLike(Protocol):
    """The subset of node.localnet.chain.Chain the server calls (see notes/localnet-api.md)."""

    metadata: bytes
    genesis_hash: bytes
    chain_name: str
    properties: dict[str, Any]

    @property
    def best_number(self) -> int: ...

    @property
    def best_hash(self) -> bytes: ...

    @property
    def finalized_hash(self) -> bytes: ...

    def runtime_version(self) -> dict[str, Any]: ...

    def block_hash(self, number: int) -> bytes | None: ...

    def header(self, block_hash: bytes) -> Any: ...

    def block(self, block_hash: bytes) -> Any: ...

    def storage(self, key: bytes, at: bytes | None = None) -> bytes | None: ...

    def keys_paged(self, prefix: bytes, count: int, start_key: bytes | None, at: bytes | None) -> list[bytes]: ...

    def read_proof(self, keys: list[bytes], at: bytes | None) -> list[bytes]: ...

    def state_call(self, method: str, data: bytes, at: bytes | None) -> bytes: ...

    def account_next_index(self, account_id: bytes) -> int: ...

    def query_info(self, extrinsic: bytes, at: bytes | None) -> dict[str, Any]: ...

    def submit(self, extrinsic: bytes) -> bytes: ...

    def submit_tracked(self, extrinsic: bytes) -> Any:
        """Pool a transaction; the result has `.tx_hash: bytes` and `.ready: bool` (False = future nonce)."""
        ...

    def has_ready(self) -> bool:
        """Whether the pool holds anything the next block would include (future-only pools do not count)."""
        ...

    def pending_extrinsics(self) -> list[bytes]: ...

    def produce_block(self) -> bytes: ...

    def produce_blocks(self, count: int) -> list[bytes]: ...

    def add_listener(self, fn: Callable[[Any], None]) -> Callable[[], None]: ...

    def close(self) -> None: ...
