"""A synchronous JSON-RPC 2.0 connection over one WebSocket (websocket-client), with pipelined requests.

Why our own instead of substrate-interface's transport: importing substrate-interface costs ~0.2 s
(eth-keys, pydantic, requests) on every CLI run, its transport checks every received frame for valid
UTF-8 in pure Python (~0.4 s for a 4096-uid metagraph answer; JSON-RPC hex is ASCII anyway), and it
cannot send several requests before reading their answers. substrate-interface is still available to
callers through `ChainClient.substrate`, on its own connection, built only when asked for.

Not thread-safe: `ChainClient` serialises every use under its lock. Requests may be made from inside a
subscription's handler (Submission reads the block when `inBlock` arrives): notifications of a followed
subscription that arrive meanwhile are kept for it, never dropped; only notifications of subscriptions
nobody follows any more are discarded.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import websocket

#: websocket-client options: no per-frame UTF-8 check (answers are JSON with hex payloads).
WS_OPTIONS: dict[str, Any] = {"skip_utf8_validation": True, "enable_multithread": False}


class ConnectionClosedError(websocket.WebSocketException):
    """The server closed the socket (an empty frame where an answer was expected)."""


class JsonRpcSocket:
    """One open WebSocket speaking JSON-RPC 2.0.

    Args:
        url: ws:// or wss:// endpoint.
        timeout: seconds any single receive may wait.
    Raises:
        websocket.WebSocketException, OSError, ValueError: the endpoint could not be reached or the URL is bad.
    """

    def __init__(self, url: str, timeout: float) -> None:
        self.url = url
        self._ws = websocket.create_connection(url, timeout=timeout, **WS_OPTIONS)
        self._next_id = 1
        self._followed: set[str] = set()  # subscription ids a `subscribe` call is following now
        self._kept: list[dict[str, Any]] = []  # their notifications that arrived during other requests

    def settimeout(self, seconds: float) -> None:
        """Change the receive timeout (subscriptions wait longer than plain requests)."""
        self._ws.settimeout(seconds)

    def close(self) -> None:
        """Close the socket (errors from a dead socket are the caller's to ignore)."""
        self._ws.close()

    def _send(self, method: str, params: list[Any]) -> int:
        request_id = self._next_id
        self._next_id += 1
        self._ws.send(json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}))
        return request_id

    def _receive(self) -> dict[str, Any]:
        text = self._ws.recv()
        if not text:
            raise ConnectionClosedError("the server closed the connection")
        message: dict[str, Any] = json.loads(text)
        return message

    def _keep_or_drop(self, message: dict[str, Any]) -> None:
        note = message.get("params")
        if isinstance(note, dict) and str(note.get("subscription")) in self._followed:
            self._kept.append(message)

    def request(self, method: str, params: list[Any]) -> dict[str, Any]:
        """Send one request and return its whole answer (`result` or `error`).

        Notifications arriving meanwhile are kept for the subscription that follows them (see module doc).
        """
        return self.request_many([(method, params)])[0]

    def request_many(self, calls: Sequence[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
        """Send every request first, then collect the answers (in the order of `calls`).

        Pipelining turns N round trips into one: the node answers each as soon as it is computed.
        """
        ids = [self._send(method, params) for method, params in calls]
        wanted = {request_id: index for index, request_id in enumerate(ids)}
        answers: list[dict[str, Any] | None] = [None] * len(ids)
        missing = len(ids)
        while missing:
            message = self._receive()
            index = wanted.pop(message.get("id", -1), None) if "id" in message else None
            if index is None:
                self._keep_or_drop(message)  # a notification, or the answer of nothing we wait for
                continue
            answers[index] = message
            missing -= 1
        return [a for a in answers if a is not None]

    def subscribe(self, method: str, params: list[Any],
                  handler: Callable[[dict[str, Any], str], Any]) -> tuple[dict[str, Any], str | None]:
        """Open a subscription and pass each notification (with the subscription id) to `handler`
        until it returns something other than None.

        Returns:
            ({"result": the handler's value} or the node's error answer, the subscription id or None).
        """
        request_id = self._send(method, params)
        sub_id: str | None = None
        early: list[dict[str, Any]] = []
        while sub_id is None:
            message = self._receive()
            if message.get("id") == request_id:
                if "error" in message:
                    return message, None
                sub_id = str(message["result"])
            elif "params" in message:
                early.append(message)  # a notification may in principle overtake the id answer
        pending = [m for m in early if str(m["params"].get("subscription")) == sub_id]
        for message in early:
            if message not in pending:
                self._keep_or_drop(message)
        self._followed.add(sub_id)
        try:
            while True:
                if pending:
                    message = pending.pop(0)
                else:
                    mine = [m for m in self._kept if str(m["params"].get("subscription")) == sub_id]
                    if mine:
                        message = mine[0]
                        self._kept.remove(message)
                    else:
                        message = self._receive()
                note = message.get("params")
                if not isinstance(note, dict) or str(note.get("subscription")) != sub_id:
                    self._keep_or_drop(message)
                    continue
                value = handler(message, sub_id)  # may make requests on this socket (they keep our updates)
                if value is not None:
                    return {"result": value}, sub_id
        finally:
            self._followed.discard(sub_id)
            self._kept = [m for m in self._kept if str(m["params"].get("subscription")) != sub_id]
