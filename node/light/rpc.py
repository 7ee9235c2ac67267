"""A minimal blocking JSON-RPC client over WebSockets with request pipelining.

The light node needs many small requests (headers, hashes, proofs). Sending them all before
reading any answer (pipelining) is what makes header sync fast; substrate-interface answers one
request per round trip.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

from websockets.exceptions import WebSocketException
from websockets.sync.client import ClientConnection, connect

from node.light.errors import EndpointError, LightNodeError

logger = logging.getLogger(__name__)

Request = tuple[str, list[Any]]


class RpcEndpoint:
    """One endpoint URL with a lazily opened connection (use from a single thread).

    Args:
        url: ``ws://`` or ``wss://`` URL.
        timeout: seconds to wait for the connection and for each answer.
    """

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url = url
        self.timeout = timeout
        self._ws: ClientConnection | None = None
        self._next_id = 1

    def _conn(self) -> ClientConnection:
        if self._ws is None:
            try:
                self._ws = connect(self.url, open_timeout=self.timeout, max_size=2**26,
                                   compression=None, legacy=True)
            except (OSError, WebSocketException, TimeoutError) as exc:
                raise EndpointError(self.url, f"cannot connect: {exc}") from exc
        return self._ws

    def close(self) -> None:
        """Close the connection (it reopens on the next call)."""
        if self._ws is not None:
            self._ws.close()
            self._ws = None

    def call(self, method: str, params: list[Any] | None = None) -> Any:
        """One request; returns its ``result``."""
        return self.call_many([(method, params or [])])[0]

    def call_many(self, requests: Sequence[Request],
                  on_answer: Callable[[int, Any], None] | None = None) -> list[Any]:
        """Send all requests, then collect the answers in request order.

        Args:
            on_answer: called with (index, result) in request order as soon as every earlier answer
                has arrived, so the caller can work on early answers while the endpoint computes the
                later ones. An exception it raises abandons the call (and the connection).

        Raises:
            EndpointError: connection failure, timeout or a JSON-RPC error answer.
        """
        if not requests:
            return []
        ws = self._conn()
        first = self._next_id
        self._next_id += len(requests)
        try:
            for i, (method, params) in enumerate(requests):
                ws.send(json.dumps({"jsonrpc": "2.0", "id": first + i, "method": method,
                                    "params": params}))
            answers: dict[int, Any] = {}
            delivered = 0
            while len(answers) < len(requests):
                raw = ws.recv(timeout=self.timeout)
                msg = json.loads(raw)
                msg_id = msg.get("id") if isinstance(msg, dict) else None
                if not isinstance(msg_id, int) or not first <= msg_id < first + len(requests):
                    continue  # a stray notification or a late answer of an abandoned call
                if "error" in msg:
                    err = msg["error"]
                    raise EndpointError(self.url, f"{requests[msg_id - first][0]} failed: "
                                                  f"{err.get('code')} {err.get('message')}")
                answers[msg_id] = msg.get("result")
                while on_answer is not None and first + delivered in answers:
                    delivered += 1
                    on_answer(delivered - 1, answers[first + delivered - 1])
        except LightNodeError:
            self.close()  # an error answer, or the callback rejected one: unread answers may be in flight
            raise
        except (OSError, WebSocketException, TimeoutError, ValueError) as exc:
            self.close()
            raise EndpointError(self.url, f"request failed: {exc}") from exc
        return [answers[first + i] for i in range(len(requests))]
