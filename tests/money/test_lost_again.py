"""The connection dies mid-submit, comes back, and dies again while the outcome is being re-checked: the
transaction was sent, so the result is `unknown` and kept pending -- never "not sent" (a real proxy)."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from node.client.client import ChainClient
from tao_wallet.models import TxStatusView
from tao_wallet.services.chain import ChainService
from tao_wallet.services.transfers import AddressBook, TransferService
from tao_wallet.services.tx import PendingStore, TxRunner
from tests.money.conftest import Funder, fresh_keypair, signer_of
from tests.money.tcp_proxy import TcpProxy, _split_frame


class _Watched:
    """A client socket whose requests are inspected (frames unmasked) as the proxy reads them."""

    def __init__(self, sock: socket.socket, kill: Callable[[bytes], bool]) -> None:
        self._sock, self._kill, self._buffer, self._handshake = sock, kill, b"", False

    def recv(self, size: int) -> bytes:
        data = self._sock.recv(size)
        self._buffer += data
        if not self._handshake:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return data
            self._buffer, self._handshake = self._buffer[end + 4:], True
        while (frame := _split_frame(self._buffer)) is not None:
            self._buffer = self._buffer[len(frame[0]):]
            if self._kill(frame[1]):
                return b""  # this request never reaches the node
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class KillOnRecheck(TcpProxy):
    """Cuts the submit (forwarded), then takes the node away when the re-check reads its first block body."""

    def _pump(self, src: Any, dst: Any, state: dict[str, bool], to_node: bool) -> None:
        if to_node:
            src = _Watched(src, self._on_request)
        super()._pump(src, dst, state, to_node)

    def _on_request(self, payload: bytes) -> bool:
        if self.triggered.is_set() and b'"chain_getBlock"' in payload:
            self.triggered.clear()  # once: the node stays reachable after the next start()
            self.stop()
            return True
        return False


@pytest.fixture
def proxy(localnet_url: str) -> Iterator[KillOnRecheck]:
    p = KillOnRecheck(urlparse(localnet_url).port or 0)
    yield p
    p.stop()


def test_lost_again_while_rechecking_is_unknown_not_unsent(
    proxy: KillOnRecheck, funder: Funder, chain: ChainService, tmp_path: Path
) -> None:
    sender, dest = fresh_keypair(), fresh_keypair()
    funder.fund(sender.ss58_address, 5)  # type: ignore[attr-defined]
    via = ChainService(proxy.url, client=ChainClient([proxy.url], timeout=5.0, max_rounds=2, backoff=0.2))
    runner = TxRunner(via, PendingStore(tmp_path / "pending"))
    service = TransferService(via, AddressBook(tmp_path / "book.json"), runner)
    prepared = service.prepare(sender.ss58_address, dest.ss58_address, "1", "keep_alive")  # type: ignore[attr-defined]
    seen: list[TxStatusView] = []
    proxy.arm("forward")
    view = service.send(prepared, signer_of(sender), on_status=seen.append)  # no WalletError: it was sent
    assert view.phase == "unknown" and "was sent" in view.detail and "pending" in view.detail
    assert seen[-1] == view
    (record,) = runner.pending.records()
    assert record["phase"] == "unknown"  # the last known state is on disk
    proxy.start()
    (resolved,) = runner.recheck()
    assert resolved.phase in ("in_block", "finalized") and resolved.success is True and resolved.resolved
    assert chain.balance(dest.ss58_address).free_rao == 10**9  # type: ignore[attr-defined]  # exactly once
    runner.close()
    via.close()
