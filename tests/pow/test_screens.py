"""The Network and PoW-register screens driven with Pilot against the real localnet: the dashboard
shows the chain's numbers, a PoW registration completes from the form, and Cancel stops every solver
process. The app's F5/F6 bindings open the screens."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import Button, DataTable, Input, Static

from screens.network import NetworkScreen
from screens.pow_register import PowRegisterScreen
from tao_wallet.services.chain import ChainService, decode_address
from tao_wallet.services.network_stats import NetworkStatsService
from tao_wallet.services.pow import PowRegisterService
from tao_wallet.services.wallets import WalletService
from tests.pow.conftest import PowNet, netuid_key

pytestmark = pytest.mark.timeout(240)


class Host(App[None]):
    def __init__(self, screen: Any) -> None:
        super().__init__()
        self._first = screen

    def on_mount(self) -> None:
        self.push_screen(self._first)


async def _until(pilot: Any, predicate: Any, timeout: float = 90.0, show: Any = None) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"condition not reached in time: {show() if show else ''}"
        await pilot.pause(0.1)


def _text(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_network_screen_shows_chain_numbers(pownet: PowNet) -> None:
    chain = ChainService(pownet.url)
    screen = NetworkScreen(lambda: NetworkStatsService(chain, block_time_sample=3))
    async with Host(screen).run_test(size=(140, 40)) as pilot:
        await _until(pilot, lambda: screen.stats is not None)
        stats = screen.stats
        assert stats is not None
        summary = _text(screen, "#network-summary")
        assert f"block #{stats.block_number}" in summary and "proof-checked" in summary
        assert "21,000,000" in summary
        assert screen.query_one("#network-subnets", DataTable).row_count == len(stats.subnets) >= 3
    chain.close()


def _wallets_with_hotkey(pownet: PowNet, fund: bool) -> WalletService:
    wallets = WalletService(Path(os.environ["TAO_WALLET_PATH"]))
    wallets.import_seed("miner", "0x" + os.urandom(32).hex(), None)
    hotkey = wallets.create_hotkey("miner", "default", password=None)
    if fund:
        pownet.fund(decode_address(hotkey.address), 1)
    return wallets


async def _fill_and_start(pilot: Any, screen: PowRegisterScreen, netuid: int) -> None:
    screen.query_one("#pow-netuid", Input).value = str(netuid)
    screen.query_one("#pow-wallet", Input).value = "miner"
    screen.query_one("#pow-start", Button).press()
    await pilot.pause()


async def test_pow_register_screen_registers(pownet: PowNet) -> None:
    netuid, _owner = pownet.new_subnet(difficulty=3_000)
    wallets = _wallets_with_hotkey(pownet, fund=True)
    chain = ChainService(pownet.url)
    screen = PowRegisterScreen(wallets, lambda: PowRegisterService(chain, processes=2), wallet="miner")
    async with Host(screen).run_test(size=(120, 40)) as pilot:
        await _fill_and_start(pilot, screen, netuid)
        await _until(pilot, lambda: not screen.query_one("#pow-start", Button).disabled
                     and _text(screen, "#pow-result").startswith(("Registered", "Could", "the", "Check")) is not None
                     and "Checking" not in _text(screen, "#pow-result") and _text(screen, "#pow-result") != "",
                     show=lambda: (_text(screen, "#pow-result"), _text(screen, "#pow-rate")))
        assert "Registered" in _text(screen, "#pow-result")
        assert not screen.query_one("#pow-start", Button).disabled
    hotkey = decode_address(wallets.get("miner").hotkeys[0].address)
    assert pownet.storage("Uids", netuid_key(netuid), hotkey) is not None
    chain.close()


async def test_pow_register_screen_cancel_stops_workers(pownet: PowNet) -> None:
    netuid, _owner = pownet.new_subnet(difficulty=2**63)  # unsolvable within the test
    wallets = _wallets_with_hotkey(pownet, fund=True)
    chain = ChainService(pownet.url)
    screen = PowRegisterScreen(wallets, lambda: PowRegisterService(chain, processes=2), wallet="miner")
    async with Host(screen).run_test(size=(120, 40)) as pilot:
        await _fill_and_start(pilot, screen, netuid)
        await _until(pilot, lambda: "H/s" in _text(screen, "#pow-rate"))
        assert len(multiprocessing.active_children()) >= 2
        screen.query_one("#pow-cancel", Button).press()
        await _until(pilot, lambda: "Cancelled" in _text(screen, "#pow-result"), timeout=20)
        await pilot.app.workers.wait_for_complete()
    assert multiprocessing.active_children() == []
    chain.close()


async def test_app_bindings_open_the_screens(pownet: PowNet) -> None:
    from tao_wallet.app import TaoWalletApp
    from tao_wallet.config import AppConfig

    wallets = WalletService(Path(os.environ["TAO_WALLET_PATH"]))
    app = TaoWalletApp(wallets, AppConfig(wallet_path=wallets.root, network=pownet.url))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("f5")
        await _until(pilot, lambda: isinstance(app.screen, NetworkScreen))
        await _until(pilot, lambda: app.screen.stats is not None)
        await pilot.press("escape")
        await pilot.press("f6")
        await _until(pilot, lambda: isinstance(app.screen, PowRegisterScreen))
