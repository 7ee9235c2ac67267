"""A real TCP proxy between the client and the localnet that can cut the connection at the worst moment."""

from __future__ import annotations

import contextlib
import socket
import threading


class TcpProxy:
    """Forwards 127.0.0.1:<port> to the localnet; `arm()` makes the next submit kill the connection.

    Modes for the next client->server chunk containing `author_submitAndWatchExtrinsic`:
      "forward": send it to the node, then close the client's socket before any answer reaches it (the
                 node's side stays open, so the node surely processes it, as with a client that vanished).
      "swallow": never send it, close the client's socket.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._armed: str | None = None
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.triggered = threading.Event()
        self.start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def arm(self, mode: str) -> None:
        with self._lock:
            self._armed = mode
            self.triggered.clear()

    def stop(self) -> None:
        """Stop listening and cut every connection (the node 'goes away')."""
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() (Linux)
            with contextlib.suppress(OSError):
                self._listener.close()
            self._listener = None
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for s in sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                s.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            state = {"cut": False}
            with self._lock:
                self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, state, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, state, False), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, state: dict[str, bool], to_node: bool) -> None:
        buffer = b""
        handshake_done = not to_node
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            if not to_node:
                if state["cut"]:
                    continue  # the node keeps talking to a client that is gone: drain and drop
                try:
                    dst.sendall(data)
                except OSError:
                    break
                continue
            buffer += data
            if not handshake_done:
                end = buffer.find(b"\r\n\r\n")
                if end < 0:
                    continue
                head, buffer = buffer[: end + 4], buffer[end + 4 :]
                handshake_done = True
                try:
                    dst.sendall(head)
                except OSError:
                    break
            # client frames are masked: split complete frames, unmask to look inside, forward raw bytes
            while True:
                frame = _split_frame(buffer)
                if frame is None:
                    break
                raw, payload = frame
                buffer = buffer[len(raw) :]
                if b"author_submitAndWatchExtrinsic" in payload and self._cut(src, dst, raw, state):
                    return
                try:
                    dst.sendall(raw)
                except OSError:
                    break
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def _cut(self, src: socket.socket, dst: socket.socket, raw: bytes, state: dict[str, bool]) -> bool:
        with self._lock:
            mode, self._armed = self._armed, None
        if mode is None:
            return False
        state["cut"] = True
        if mode == "forward":
            with contextlib.suppress(OSError):
                dst.sendall(raw)
        with contextlib.suppress(OSError):
            src.shutdown(socket.SHUT_RDWR)
        src.close()
        self.triggered.set()
        return True


def _split_frame(buffer: bytes) -> tuple[bytes, bytes] | None:
    """(raw frame, unmasked payload) of the first complete WebSocket frame, or None if incomplete."""
    if len(buffer) < 2:
        return None
    length = buffer[1] & 0x7F
    masked = buffer[1] & 0x80
    offset = 2
    if length == 126:
        if len(buffer) < 4:
            return None
        length, offset = int.from_bytes(buffer[2:4], "big"), 4
    elif length == 127:
        if len(buffer) < 10:
            return None
        length, offset = int.from_bytes(buffer[2:10], "big"), 10
    key = b""
    if masked:
        key, offset = buffer[offset : offset + 4], offset + 4
    if len(buffer) < offset + length:
        return None
    payload = buffer[offset : offset + length]
    if masked:
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return buffer[: offset + length], payload
