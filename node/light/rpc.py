"""A minimal blocking JSON-RPC client over WebSockets with request pipelining.

The light node needs many small requests (headers, hashes, proofs). Sending them all before
reading any answer (pipelining) is what makes header sync fast; substrate-interface answers one
request per round trip. Subscriptions share the connection: notifications that arrive while
answers are awaited are queued for :meth:`RpcEndpoint.next_notification`.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from websockets.exceptions import WebSocketException
from websockets.sync.client import ClientConnection, connect

from node.light.errors import EndpointError, LightNodeError

logger = logging.getLogger(__name__)

Request = tuple[str, list[Any]]

NOTIFICATION_BACKLOG = 1024
"""Queued notifications per connection; older ones are dropped (they only say "something new")."""


class RpcErrorAnswer(EndpointError):
    """The endpoint answered with a JSON-RPC error (it is reachable; e.g. -32601 method not found)."""

    def __init__(self, endpoint: str, method: str, code: Any, message: Any) -> None:
        super().__init__(endpoint, f"{method} failed: {code} {message}")
        self.code = code


@dataclass(frozen=True)
class Notification:
    """One subscription notification: its subscription id, method and result."""

    subscription: str
    method: str
    result: Any


def _notification(msg: Any) -> Notification | None:
    if not isinstance(msg, dict) or "id" in msg or not isinstance(msg.get("method"), str):
        return None
    params = msg.get("params")
    if not isinstance(params, dict) or not isinstance(params.get("subscription"), str | int):
        return None
    return Notification(str(params["subscription"]), msg["method"], params.get("result"))


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
        self._notes: deque[Notification] = deque(maxlen=NOTIFICATION_BACKLOG)
        self.connection_id = 0
        """Bumped whenever a connection closes: subscriptions made on an older one are gone."""

    def _conn(self) -> ClientConnection:
        if self._ws is None:
            try:
                self._ws = connect(self.url, open_timeout=self.timeout, max_size=2**26,
                                   compression=None, legacy=True)
            except (OSError, WebSocketException, TimeoutError) as exc:
                raise EndpointError(self.url, f"cannot connect: {exc}") from exc
        return self._ws

    def close(self) -> None:
        """Close the connection (it reopens on the next call); its subscriptions end."""
        if self._ws is not None:
            self._ws.close()
            self._ws = None
            self.connection_id += 1
            self._notes.clear()

    @property
    def connected(self) -> bool:
        """Whether a connection is open (subscriptions live only as long as it)."""
        return self._ws is not None

    def subscribe(self, method: str, params: list[Any] | None = None) -> str:
        """Start a subscription on this connection; returns its id.

        Raises:
            RpcErrorAnswer: the endpoint refused (e.g. it has no such method).
            EndpointError: connection failure or a malformed answer.
        """
        sub_id = self.call(method, params or [])
        if not isinstance(sub_id, str | int) or isinstance(sub_id, bool):
            raise EndpointError(self.url, f"{method} returned {sub_id!r}, not a subscription id")
        return str(sub_id)

    def next_notification(self, timeout: float) -> Notification | None:
        """The oldest queued notification, else wait up to ``timeout`` seconds for one (None if none).

        Raises:
            EndpointError: no open connection, or it broke (its subscriptions are gone).
        """
        if self._notes:
            return self._notes.popleft()
        ws = self._ws
        if ws is None:
            raise EndpointError(self.url, "not connected (subscriptions lost)")
        deadline = time.monotonic() + timeout
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                try:
                    raw = ws.recv(timeout=remaining)
                except TimeoutError:
                    return None
                note = _notification(json.loads(raw))
                if note is not None:
                    return note
        except (OSError, WebSocketException, ValueError) as exc:
            self.close()
            raise EndpointError(self.url, f"subscription connection failed: {exc}") from exc

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
                note = _notification(msg)
                if note is not None:
                    self._notes.append(note)  # for next_notification
                    continue
                msg_id = msg.get("id") if isinstance(msg, dict) else None
                if not isinstance(msg_id, int) or not first <= msg_id < first + len(requests):
                    continue  # a late answer of an abandoned call
                if "error" in msg:
                    err = msg["error"] if isinstance(msg["error"], dict) else {}
                    raise RpcErrorAnswer(self.url, requests[msg_id - first][0], err.get("code"),
                                         err.get("message"))
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
