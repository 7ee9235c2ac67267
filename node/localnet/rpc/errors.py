"""JSON-RPC error values, with the codes Substrate (jsonrpsee) uses so clients react as they do to a node."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
#: jsonrpsee's "Request is too big" code (Substrate answers oversized requests with it).
OVERSIZED_REQUEST = -32007
#: jsonrpsee's "Too many subscriptions on the connection".
TOO_MANY_SUBSCRIPTIONS = -32006
#: jsonrpsee's "The batch request was too large".
BATCH_TOO_LARGE = -32010
#: sc-rpc state errors: BASE 4000; +3 is a client error such as an unknown block.
STATE_INVALID_COUNT = 4002
STATE_CLIENT_ERROR = 4003
#: sc-rpc author errors (1000 + n); the chain raises the pool codes (1010 ...) itself.
AUTHOR_BAD_FORMAT = 1001


@dataclass(frozen=True)
class RpcError(Exception):
    """An error answered to the client as a JSON-RPC error object; never closes the connection."""

    code: int
    message: str
    data: Any = None

    def to_json(self) -> dict[str, Any]:
        """The `error` member of a JSON-RPC response."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            body["data"] = self.data
        return body

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" + (f" ({self.data})" if self.data is not None else "")


def invalid_params(detail: str) -> RpcError:
    """-32602 with a specific, human-readable reason in `data` (jsonrpsee puts it there too)."""
    return RpcError(INVALID_PARAMS, "Invalid params", detail)


def unknown_block(block_hash: bytes) -> RpcError:
    """The error Substrate gives when a block hash is not in the database."""
    return RpcError(STATE_CLIENT_ERROR, f"Client error: UnknownBlock: Header was not found in the database: 0x{block_hash.hex()}")
