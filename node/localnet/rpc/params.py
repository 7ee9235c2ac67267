"""Parsing of JSON-RPC parameters into Python values, with -32602 errors that say what was wrong."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from node.localnet.rpc.errors import RpcError, invalid_params


def positional(params: Any, names: Sequence[str], required: int = 0) -> list[Any]:
    """Normalise `params` (absent, list or object) to a list of len(names), padded with None.

    Args:
        params: the request's `params` member (may be missing/None, a list, or a dict keyed by `names`).
        names: the method's parameter names, in order.
        required: how many leading parameters must be present and non-null.

    Raises:
        RpcError: -32602 when there are too many, unknown, or missing parameters.
    """
    if params is None:
        values: list[Any] = []
    elif isinstance(params, list):
        values = list(params)
    elif isinstance(params, dict):
        unknown = sorted(set(params) - set(names))
        if unknown:
            raise invalid_params(f"unknown parameter(s): {', '.join(unknown)}")
        values = [params.get(name) for name in names]
    else:
        raise invalid_params("params must be an array or an object")
    if len(values) > len(names):
        raise invalid_params(f"expected at most {len(names)} parameter(s), got {len(values)}")
    values += [None] * (len(names) - len(values))
    for index in range(required):
        if values[index] is None:
            raise invalid_params(f"missing required parameter '{names[index]}'")
    return values


def hex_bytes(value: Any, what: str, *, length: int | None = None) -> bytes:
    """Decode a hex string (Substrate's `Bytes`), optionally of an exact byte length.

    Like Substrate (impl-serde `from_hex`) the `0x` prefix is optional: async-substrate-interface (btcli,
    the bittensor SDK) sends `state_call` data without it, and an empty string for no arguments.
    """
    if not isinstance(value, str):
        raise invalid_params(f"{what}: expected a 0x-prefixed hex string, got {type(value).__name__}")
    try:
        raw = bytes.fromhex(value.removeprefix("0x"))
    except ValueError:
        raise invalid_params(f"{what}: not valid hex (expected a 0x-prefixed hex string)") from None
    if length is not None and len(raw) != length:
        raise invalid_params(f"{what}: expected {length} bytes, got {len(raw)}")
    return raw


def block_hash(value: Any, what: str = "block hash") -> bytes | None:
    """An optional 32-byte block hash (None means best/head)."""
    if value is None:
        return None
    return hex_bytes(value, what, length=32)


def block_number(value: Any) -> int:
    """A block number given as a JSON number or a hex string (Substrate's NumberOrHex)."""
    if isinstance(value, bool):
        raise invalid_params("block number: expected a number or a hex string")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value[2:] if value.startswith("0x") else value
        try:
            number = int(text, 16) if value.startswith("0x") else int(text, 10)
        except ValueError:
            raise invalid_params(f"block number: cannot parse {value!r}") from None
    else:
        raise invalid_params("block number: expected a number or a hex string")
    if number < 0 or number >= 2**32:
        raise invalid_params(f"block number: {number} is out of range for u32")
    return number


def count(value: Any, what: str, *, maximum: int, code_on_max: int | None = None) -> int:
    """A positive integer bounded by `maximum` (Substrate caps paged key queries at 1000)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise invalid_params(f"{what}: expected a non-negative integer")
    if value > maximum:
        message = f"count exceeds maximum value. value: {value}, max: {maximum}"
        raise RpcError(code_on_max, message) if code_on_max is not None else invalid_params(message)
    return value


def rao(value: Any) -> int:
    """A positive u64 amount in rao, as a JSON number or a decimal string (JS numbers lose precision)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise invalid_params("amount: expected an integer number of rao (number or decimal string)")
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise invalid_params(f"amount: {value!r} is not a decimal integer of rao")
    amount = int(value)
    if not 0 < amount < 2**64:
        raise invalid_params("amount: must be between 1 and 2^64-1 rao")
    return amount
