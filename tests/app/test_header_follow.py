"""The header follows the chain: blocks advancing, latency, and a lost connection coming back (real localnet)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from node.localnet.rpc.embedded import LocalnetHandle, start_localnet
from node.localnet.rpc.producer import SealMode
from node.localnet.rpc.server import ServerConfig
from tao_wallet.app import TaoWalletApp
from tao_wallet.config import AppConfig
from tao_wallet.network import NetworkProfile
from tao_wallet.services.connection import ChainConnection
from tao_wallet.services.wallets import WalletService


def _localnet(db: Path, port: int = 0) -> LocalnetHandle:
    """A bare chain sealing a block every 0.3 s (so the head moves by itself)."""
    return start_localnet(db, config=ServerConfig(port=port, mode=SealMode.INTERVAL, block_time=0.3), scenario=None)


def _app(url: str, tmp_path: Path) -> tuple[TaoWalletApp, ChainConnection]:
    connection = ChainConnection(NetworkProfile("testnet", (url,)), embedded=False)
    wallets = WalletService(tmp_path / "wallets")
    app = TaoWalletApp(wallets, AppConfig(wallet_path=wallets.root), connection=connection)
    app.head_interval, app.head_backoff_max = 0.1, 0.5
    return app, connection


async def _until(pilot: Pilot[None], check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out; header: {pilot.app.sub_title!r}"
        await pilot.pause(0.05)


async def test_header_shows_blocks_advancing(tmp_path: Path) -> None:
    handle = _localnet(tmp_path / "chain.sqlite")
    app, connection = _app(handle.url, tmp_path)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await _until(pilot, lambda: app.connection == "online" and app.head is not None)
            assert app.head is not None and app.head.best_number is not None
            first = app.head.best_number
            await _until(pilot, lambda: app.head is not None and (app.head.best_number or 0) >= first + 3)
            head = app.head
            assert head is not None and head.finalized_number is not None and head.latency_ms is not None
            assert app.sub_title.startswith("testnet · online · #")
            assert f"#{head.best_number} (finalized #{head.finalized_number})" in app.sub_title
            assert app.sub_title.endswith(" ms")
    finally:
        handle.stop()
    assert not connection.started_embedded  # someone else's node: never ours to stop


async def test_lost_connection_shows_reconnecting_then_online_after_restart(tmp_path: Path) -> None:
    db = tmp_path / "chain.sqlite"
    handle = _localnet(db)
    port = handle.port
    app, _ = _app(handle.url, tmp_path)
    restarted: LocalnetHandle | None = None
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await _until(pilot, lambda: app.connection == "online")
            before = app.head.best_number if app.head else None
            handle.stop()
            await _until(pilot, lambda: app.connection == "reconnecting")
            assert "reconnecting" in app.sub_title and f"#{before}" in app.sub_title  # last known block kept
            restarted = _localnet(db, port)
            await _until(pilot, lambda: app.connection == "online")
            assert app.head is not None and app.head.connected and (app.head.best_number or 0) >= (before or 0)
    finally:
        handle.stop()
        if restarted is not None:
            restarted.stop()


async def test_app_without_a_connection_stays_offline_and_quiet(tmp_path: Path) -> None:
    wallets = WalletService(tmp_path / "wallets")
    app = TaoWalletApp(wallets, AppConfig(wallet_path=wallets.root))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause(0.3)
        assert app.connection == "offline" and app.sub_title == "local · offline"
        assert not [w for w in app.workers if w.group == "chain-head"]
