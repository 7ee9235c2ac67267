"""The command palette opens the Pending transactions screen, from the wallets screen and from the money menu."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from textual.command import CommandList, CommandPalette

from screens.money_menu import MoneyMenuScreen
from screens.pending import PendingScreen
from tao_wallet.app import TaoWalletApp
from tao_wallet.config import AppConfig
from tao_wallet.network import NetworkProfile
from tao_wallet.services.connection import ChainConnection
from tao_wallet.services.wallets import WalletService
from tests.app.money_harness import wait_for
from tests.app.test_pending_tui import _wallet, node_url  # noqa: F401  (the module's localnet fixture)


async def _palette(pilot: Any, query: str) -> None:
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, CommandPalette), 30)
    await pilot.press(*query)
    await wait_for(pilot, lambda: any(
        "Pending" in str(lst.get_option_at_index(0).prompt)
        for lst in pilot.app.screen.query(CommandList).results(CommandList) if lst.option_count), 30)
    await pilot.press("enter")


async def test_palette_opens_pending_screen(node_url: str) -> None:  # noqa: F811
    _wallet(node_url, "palette")
    root = Path(os.environ["TAO_WALLET_PATH"])
    connection = ChainConnection(NetworkProfile("direct", (node_url,)), embedded=False)
    app = TaoWalletApp(WalletService(root), AppConfig(wallet_path=root), connection=connection)
    async with app.run_test(size=(130, 40)) as pilot:
        await wait_for(pilot, lambda: app.connection == "online", 60)
        await _palette(pilot, "pending")  # from the wallets screen: opens the money menu, then the screen
        await wait_for(pilot, lambda: isinstance(app.screen, PendingScreen), 30)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MoneyMenuScreen), 30)
        await _palette(pilot, "pending")  # from the money menu's own palette entries
        await wait_for(pilot, lambda: isinstance(app.screen, PendingScreen), 30)


async def test_money_menu_with_no_wallet_opens_and_refuses_wallet_actions(node_url: str) -> None:  # noqa: F811
    """A fresh install has no wallet: F4 must open (it crashed on an empty wallet Select) and say what to do."""
    from textual.widgets import Static

    root = Path(os.environ["TAO_WALLET_PATH"])
    root.mkdir(parents=True, exist_ok=True)
    connection = ChainConnection(NetworkProfile("direct", (node_url,)), embedded=False)
    app = TaoWalletApp(WalletService(root), AppConfig(wallet_path=root), connection=connection)
    async with app.run_test(size=(130, 40)) as pilot:
        await wait_for(pilot, lambda: app.connection == "online", 60)
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, MoneyMenuScreen), 30)
        menu = app.screen
        assert isinstance(menu, MoneyMenuScreen) and menu._wallet() is None
        await pilot.press("p")  # the portfolio needs a wallet
        await wait_for(pilot, lambda: "Create or pick a wallet first" in str(
            menu.query_one("#error", Static).render()), 60)
        assert app.screen is menu
