"""TUI: a transfer whose connection drops mid-submit is shown as pending with what is known, and is
re-checked by itself when the header's connection comes back (real localnet, real TCP proxy, real app)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from textual.widgets import Button, DataTable, Static

from screens.confirm import ConfirmModal
from screens.money_menu import MoneyMenuScreen
from screens.pending import PendingScreen
from tao_wallet.app import TaoWalletApp
from tao_wallet.config import AppConfig
from tao_wallet.models import TxStatusView
from tao_wallet.network import NetworkProfile
from tao_wallet.services.chain import ChainService, decode_address
from tao_wallet.services.connection import ChainConnection
from tao_wallet.services.money_session import MoneySession
from tao_wallet.services.pending import PendingStore
from tao_wallet.services.wallets import WalletService
from tests.app.money_harness import Harness, press, wait_for
from tests.money.cli_helpers import make_wallet
from tests.money.tcp_proxy import TcpProxy
from tests.staking.conftest import fund, new_account


@pytest.fixture(scope="module")
def node_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from node.localnet.rpc.embedded import start_localnet
    from node.localnet.rpc.server import ServerConfig

    handle = start_localnet(tmp_path_factory.mktemp("pending-chain") / "chain.sqlite", config=ServerConfig(port=0),
                            scenario=None)
    yield handle.url
    handle.stop()


@pytest.fixture
def proxy(node_url: str) -> Iterator[TcpProxy]:
    p = TcpProxy(urlparse(node_url).port or 0)
    yield p
    p.stop()


def _wallet(node_url: str, name: str, tao: int = 10) -> str:
    """A fresh unencrypted wallet holding `tao` TAO; returns its coldkey address."""
    acc = new_account()
    make_wallet(name, acc.keypair, Path(os.environ["TAO_WALLET_PATH"]))
    chain = ChainService(node_url)
    fund(chain, acc.address, tao)
    chain.close()
    return acc.address


def _free(node_url: str, address: str) -> int:
    chain = ChainService(node_url)
    try:
        return chain.account(decode_address(address)).free
    finally:
        chain.close()


def _table_text(screen: PendingScreen) -> str:
    table = screen.query_one("#pending-table", DataTable)
    return " | ".join(" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count))


async def test_dropped_submit_is_pending_then_found_in_block_after_reconnect(
    node_url: str, proxy: TcpProxy
) -> None:
    sender = _wallet(node_url, "mover")
    dest = new_account().address
    root = Path(os.environ["TAO_WALLET_PATH"])
    connection = ChainConnection(NetworkProfile("proxied", (proxy.url,)), embedded=False)
    app = TaoWalletApp(WalletService(root), AppConfig(wallet_path=root), connection=connection)
    app.head_interval, app.head_backoff_max = 0.1, 0.5
    async with app.run_test(size=(130, 40)) as pilot:
        await wait_for(pilot, lambda: app.connection == "online", 60)
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, MoneyMenuScreen))
        menu = app.screen
        assert isinstance(menu, MoneyMenuScreen)
        await pilot.press("x")  # opens the session (through the proxy) and the Pending screen
        await wait_for(pilot, lambda: isinstance(app.screen, PendingScreen))
        screen = app.screen
        assert isinstance(screen, PendingScreen)
        await wait_for(pilot, lambda: "No pending" in str(screen.query_one("#detail", Static).render()))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is menu)

        session = menu.session
        assert session is not None
        direct = ChainService(node_url)  # not through the proxy
        prepared = await asyncio.to_thread(session.transfers.prepare, sender, dest, "2", "keep_alive")

        def stop_when_cut(view: TxStatusView) -> None:
            if view.phase == "unknown" and proxy.triggered.is_set() and proxy.port:
                deadline = time.monotonic() + 20  # the node has it (pool or block), then it becomes unreachable
                while direct.client.next_nonce(decode_address(sender)) == 0:
                    assert time.monotonic() < deadline, "the node never received the forwarded submit"
                    time.sleep(0.05)
                proxy.stop()

        proxy.arm("forward")
        view = await asyncio.to_thread(session.send, session.transfers, prepared, "mover", None, stop_when_cut)
        assert view.phase == "unknown" and "unreachable" in view.detail
        await wait_for(pilot, lambda: app.connection == "reconnecting", 30)

        await pilot.press("x")  # the Pending screen shows what is known while offline
        await wait_for(pilot, lambda: isinstance(app.screen, PendingScreen))
        screen = app.screen
        assert isinstance(screen, PendingScreen)
        await wait_for(pilot, lambda: len(screen.views) == 1)
        (pending,) = screen.views
        assert pending.tx_hash == view.tx_hash and pending.phase == "unknown" and pending.nonce == 0
        assert pending.signer == sender and "transfer" in pending.summary.lower()
        assert "unreachable" in str(screen.query_one("#detail", Static).render())
        assert screen.query_one("#resend", Button).disabled  # nothing known about the nonce yet: no resend

        proxy.start()  # the node is reachable again: the header goes online and the app re-checks by itself
        await wait_for(pilot, lambda: bool(screen.views) and screen.views[0].block_number is not None, 60)
        (found,) = screen.views
        assert found.phase in ("in_block", "finalized") and found.success is True and found.resolved
        assert f"#{found.block_number}" in _table_text(screen)
        assert str(found.block_number) in str(screen.query_one("#detail", Static).render())
        assert screen.query_one("#resend", Button).disabled
    direct.close()
    assert _free(node_url, dest) == 2 * 10**9  # exactly once
    assert not session.runner.pending.records()


async def test_resend_only_when_nonce_unused_and_after_confirm(node_url: str, proxy: TcpProxy, tmp_path: Path) -> None:
    """A submit the node never received: Re-check says so and offers Resend; Cancel sends nothing; Resend
    sends the identical bytes once."""
    sender = _wallet(node_url, "resender")
    dest = new_account().address
    from node.client.client import ChainClient

    client = ChainClient([proxy.url], timeout=5.0, max_rounds=2, backoff=0.2)
    chain = ChainService(proxy.url, client=client)
    session = MoneySession(proxy.url, WalletService(Path(os.environ["TAO_WALLET_PATH"])), chain=chain,
                           pending=PendingStore(tmp_path / "pending"))
    prepared = session.transfers.prepare(sender, dest, "1", "keep_alive")
    proxy.arm("swallow")
    assert session.send(session.transfers, prepared, "resender", None).phase == "unknown"
    screen = PendingScreen(session)
    async with Harness(lambda: screen).run_test(size=(130, 40)) as pilot:
        await wait_for(pilot, lambda: len(screen.views) == 1)
        assert screen.query_one("#resend", Button).disabled  # not re-checked yet
        await press(pilot, "#recheck")
        await wait_for(pilot, lambda: bool(screen.views) and screen.views[0].resend_safe is True)
        assert "never received" in str(screen.query_one("#detail", Static).render())
        await press(pilot, "#resend")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmModal))
        await press(pilot, "#no")
        await wait_for(pilot, lambda: "Not re-sent" in str(screen.query_one("#status", Static).render()))
        assert _free(node_url, dest) == 0
        await press(pilot, "#resend")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmModal))
        await press(pilot, "#yes")
        await wait_for(pilot, lambda: bool(screen.views) and screen.views[0].resolved, 60)
        assert screen.views[0].success is True and screen.views[0].phase in ("in_block", "finalized")
    assert _free(node_url, dest) == 10**9
    assert not list((tmp_path / "pending").glob("*.json"))
    session.close()


async def test_transactions_left_by_an_earlier_run_are_rechecked_when_the_money_menu_connects(
    node_url: str, proxy: TcpProxy
) -> None:
    """A submit swallowed in an earlier run stays on disk; the next app session re-checks it by itself."""
    from node.client.client import ChainClient
    from tao_wallet.services.transfers import TransferService

    sender = _wallet(node_url, "earlier")
    dest = new_account().address
    root = Path(os.environ["TAO_WALLET_PATH"])
    profile = NetworkProfile("proxied", (proxy.url,))
    earlier = ChainService(profile, client=ChainClient([proxy.url], timeout=5.0, max_rounds=2, backoff=0.2))
    transfers = TransferService(earlier)  # the default pending store, as the app uses
    prepared = transfers.prepare(sender, dest, "1", "keep_alive")
    proxy.arm("swallow")
    signer = WalletService(root).signer("earlier")
    assert transfers.send(prepared, signer).phase == "unknown"
    transfers.runner.close()
    earlier.close()

    connection = ChainConnection(profile, embedded=False)
    app = TaoWalletApp(WalletService(root), AppConfig(wallet_path=root), connection=connection)
    app.head_interval, app.head_backoff_max = 0.1, 0.5
    async with app.run_test(size=(130, 40)) as pilot:
        await wait_for(pilot, lambda: app.connection == "online", 60)
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, MoneyMenuScreen))
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, PendingScreen))
        screen = app.screen
        assert isinstance(screen, PendingScreen)
        await wait_for(pilot, lambda: bool(screen.views) and screen.views[0].resend_safe is True, 60)
        assert "never received" in screen.views[0].detail
        assert not screen.query_one("#resend", Button).disabled
    assert _free(node_url, dest) == 0  # nothing re-sent without the user's confirm


class _CutAndClose(TcpProxy):
    """Forwards the submit, then refuses new connections before the client learns of the cut (so its
    immediate reconnect fails and the transaction is left `unknown`)."""

    def _cut(self, src: Any, dst: Any, raw: bytes, state: dict[str, bool]) -> bool:
        if self._armed is not None and self._listener is not None:
            import contextlib
            import socket

            listener, self._listener = self._listener, None
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() thread: no more connections
            listener.close()
        return super()._cut(src, dst, raw, state)


async def test_status_dialog_left_unknown_is_updated_after_reconnect(node_url: str) -> None:
    """The transfer screen's own flow: the status dialog ends `unknown` when the node vanishes mid-submit,
    then shows the block once the header is online again; the form's last status follows."""
    import threading

    from textual.widgets import Input

    from screens.transfer import TransferScreen
    from screens.tx_preview import TxPreviewModal
    from screens.tx_status import TxStatusModal

    proxy = _CutAndClose(urlparse(node_url).port or 0)
    _wallet(node_url, "flow")
    dest = new_account().address
    root = Path(os.environ["TAO_WALLET_PATH"])
    direct = ChainService(node_url)
    connection = ChainConnection(NetworkProfile("proxied", (proxy.url,)), embedded=False)
    app = TaoWalletApp(WalletService(root), AppConfig(wallet_path=root), connection=connection)
    app.head_interval, app.head_backoff_max = 0.1, 0.5

    def take_node_away() -> None:  # once the node has the transaction, every connection through the proxy dies
        proxy.triggered.wait(60)
        deadline = time.monotonic() + 20
        while direct.client.next_nonce(decode_address(_address(root, "flow"))) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        proxy.stop()

    try:
        async with app.run_test(size=(130, 45)) as pilot:
            await wait_for(pilot, lambda: app.connection == "online", 60)
            await pilot.press("f4")
            await wait_for(pilot, lambda: isinstance(app.screen, MoneyMenuScreen))
            await pilot.press("t")
            await wait_for(pilot, lambda: isinstance(app.screen, TransferScreen), 60)
            screen = app.screen
            assert isinstance(screen, TransferScreen)
            screen.query_one("#dest", Input).value = dest
            screen.query_one("#amount", Input).value = "1"
            await press(pilot, "#preview")
            await wait_for(pilot, lambda: isinstance(app.screen, TxPreviewModal), 60)
            proxy.arm("forward")
            threading.Thread(target=take_node_away, daemon=True).start()
            await press(pilot, "#confirm")
            await wait_for(pilot, lambda: screen.last_status is not None, 90)
            modal = app.screen
            assert isinstance(modal, TxStatusModal) and modal.status is not None
            assert screen.last_status is not None and screen.last_status.phase == "unknown"
            assert "Pending transactions" in str(modal.query_one("#status-body", Static).render())
            await wait_for(pilot, lambda: app.connection in ("reconnecting", "offline"), 30)
            proxy.start()
            await wait_for(pilot, lambda: modal.status is not None and modal.status.block_number is not None, 60)
            assert modal.status is not None and modal.status.phase in ("in_block", "finalized")
            assert modal.status.success is True
            assert f"#{modal.status.block_number}" in str(modal.query_one("#status-body", Static).render())
            assert screen.last_status is not None and screen.last_status.block_number == modal.status.block_number
    finally:
        proxy.stop()
    assert direct.balance(dest).free_rao == 10**9  # exactly once
    direct.close()


def _address(root: Path, name: str) -> str:
    address = WalletService(root).get(name).coldkey_address
    assert address is not None
    return str(address)
