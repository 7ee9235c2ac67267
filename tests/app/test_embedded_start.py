"""The app starts its own localnet when its local profile finds nothing listening, in the background (the
first frame does not wait), the chain screens use it, and it stops on exit; --no-embedded never starts one."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from textual.pilot import Pilot

from screens.wallets import WalletsScreen
from tao_wallet.app import TaoWalletApp
from tao_wallet.config import AppConfig, load_config
from tao_wallet.network import NetworkProfile, is_listening
from tao_wallet.services.connection import ChainConnection
from tao_wallet.services.wallets import WalletService


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _until(pilot: Pilot[None], check: object, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out; header: {pilot.app.sub_title!r}"
        await pilot.pause(0.1)


async def test_app_starts_the_embedded_localnet_and_stops_it_on_exit(tmp_path: Path) -> None:
    url = f"ws://127.0.0.1:{_free_port()}"
    profile = NetworkProfile("local", (url,), is_local=True)
    connection = ChainConnection(profile, embedded=True, db_path=tmp_path / "localnet" / "chain.sqlite")
    wallets = WalletService(tmp_path / "wallets")
    app = TaoWalletApp(wallets, AppConfig(wallet_path=wallets.root), connection=connection)
    app.head_interval = 0.2
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        # The first frame is up while the node is still being built (a new demo chain takes seconds).
        assert isinstance(app.screen, WalletsScreen) and app.connection in ("connecting", "offline")
        assert not is_listening(url)
        await _until(pilot, lambda: app.connection == "online")
        assert connection.started_embedded and is_listening(url)
        assert app.sub_title.startswith("local · online · #0 (finalized #0)")
        # The chain screens get the same node (not a second start, not "unreachable").
        best, _, latency = app._chain_service().head()
        assert best.number >= 0 and latency is not None
    assert not connection.started_embedded
    assert not is_listening(url)  # stopped on exit
    assert (tmp_path / "localnet" / "chain.sqlite").exists()  # kept for the next start


async def test_no_embedded_never_starts_a_node(tmp_path: Path) -> None:
    url = f"ws://127.0.0.1:{_free_port()}"
    connection = ChainConnection(NetworkProfile("local", (url,), is_local=True), embedded=False)
    wallets = WalletService(tmp_path / "wallets")
    app = TaoWalletApp(wallets, AppConfig(wallet_path=wallets.root), connection=connection)
    app.head_interval, app.head_backoff_max = 0.1, 0.2
    async with app.run_test(size=(120, 30)) as pilot:
        await _until(pilot, lambda: app.connection == "offline" and app.head is not None, timeout=20)
        assert app.head is not None and not app.head.connected and app.head.error
        await pilot.pause(0.5)
        assert not is_listening(url) and not connection.started_embedded


def test_no_embedded_switches(monkeypatch: object, tmp_path: Path) -> None:
    assert load_config(environ={}).embedded_node is True
    assert load_config(environ={"TAO_WALLET_NO_EMBEDDED": "1"}).embedded_node is False
    assert load_config(environ={"TAO_WALLET_EMBEDDED_NODE": "false"}).embedded_node is False
    assert load_config({"embedded_node": False, "network": "finney"}, environ={}).network == "finney"
    from click.testing import CliRunner

    from tao_wallet.cli import cli

    seen: list[AppConfig] = []
    monkeypatch.setattr("tao_wallet.cli.run_tui", seen.append)  # type: ignore[attr-defined]
    result = CliRunner().invoke(cli, ["--no-embedded", "--network", "ws://127.0.0.1:1"])
    assert result.exit_code == 0, result.output
    assert seen[0].embedded_node is False and seen[0].network == "ws://127.0.0.1:1"
