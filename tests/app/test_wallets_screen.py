"""Pilot tests of the Wallets screen: tree, details, copy, help, palette, new hotkey (no argon2 here)."""

from __future__ import annotations

from textual.command import CommandPalette
from textual.widgets import Input, Static

from screens.actions import WALLET_ACTIONS
from screens.commands import WalletCommands
from screens.help import HelpScreen
from screens.mnemonic import MnemonicModal
from screens.verify import VerifyModal
from screens.wallet_tree import WalletTree
from screens.wallets import WalletsScreen
from tao_wallet.app import TaoWalletApp
from tests.app.conftest import click, settle
from tests.app.prepared import Prepared


def tree_labels(app: TaoWalletApp) -> list[str]:
    tree = app.screen.query_one(WalletTree)
    return [str(tree.get_node_at_line(i).label) for i in range(tree.last_line + 1)]  # type: ignore[union-attr]


def details(app: TaoWalletApp) -> str:
    return str(app.screen.query_one("#details", Static).render())


async def test_tree_lists_wallets_with_lock_state_and_scheme(app: TaoWalletApp, wallets: Prepared) -> None:
    async with app.run_test(size=(110, 32)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WalletsScreen)
        assert app.sub_title == "local · offline"
        labels = tree_labels(app)
        assert labels[0].startswith("alice") and "[locked]" in labels[0]
        assert any(lab.startswith("bob") and "[unencrypted]" in lab for lab in labels)
        assert any(lab.startswith("watch") and "[watch-only]" in lab for lab in labels)
        assert any("hotkey miner" in lab for lab in labels)
        text = details(app)
        assert wallets.alice in text and wallets.alice_hot in text
        assert "NaCl" in text and "sr25519" in text and "~/.bittensor/wallets/alice" in text


async def test_header_connection_state_is_reactive(app: TaoWalletApp) -> None:
    async with app.run_test(size=(110, 32)) as pilot:
        await settle(pilot)
        app.connection = "syncing"
        await pilot.pause()
        assert app.sub_title == "local · syncing"


async def test_copy_address_of_highlighted_hotkey(app: TaoWalletApp, wallets: Prepared) -> None:
    async with app.run_test(size=(110, 32)) as pilot:
        await settle(pilot)
        await pilot.press("y")  # wallet row: its coldkey
        assert app.clipboard == wallets.alice
        await pilot.press("down", "down", "y")  # alice -> coldkey -> hotkey default
        assert app.clipboard == wallets.alice_hot
        assert wallets.alice_hot in str(app.screen.query_one("#status").render())


async def test_help_screen_lists_every_action(app: TaoWalletApp) -> None:
    async with app.run_test(size=(110, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        markdown = app.screen.query_one("#help-text")
        source = markdown.source  # type: ignore[attr-defined]
        for action in WALLET_ACTIONS:
            assert f"`{action.key}`" in source and action.title in source
        await pilot.press("escape")
        assert isinstance(app.screen, WalletsScreen)


async def test_palette_offers_every_action_and_runs_it(app: TaoWalletApp, wallets: Prepared) -> None:
    async with app.run_test(size=(110, 32)) as pilot:
        await settle(pilot)
        provider = WalletCommands(app.screen)
        titles = [hit.text async for hit in provider.discover()]
        for action in WALLET_ACTIONS:
            assert f"Wallet: {action.title}" in titles
            found = [hit.text async for hit in provider.search(action.title)]
            assert f"Wallet: {action.title}" in found
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"verify signature")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, VerifyModal)
        assert app.screen.query_one("#address", Input).value == wallets.alice


async def test_new_hotkey_shows_mnemonic_once(app: TaoWalletApp, wallets: Prepared) -> None:
    async with app.run_test(size=(110, 32)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        name = app.screen.query_one("#name", Input)
        name.value = "validator"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MnemonicModal)
        assert len(app.screen.words) == 12
        await click(pilot, "#ok")
        await settle(pilot)
        assert isinstance(app.screen, WalletsScreen)
        assert any("hotkey validator" in lab for lab in tree_labels(app))
        assert (wallets.root / "alice" / "hotkeys" / "validator").is_file()
        assert (wallets.root / "alice" / "hotkeys" / "validatorpub.txt").is_file()


async def test_empty_wallet_dir_explains_what_to_do(service, isolated_dirs) -> None:  # type: ignore[no-untyped-def]
    from tao_wallet.services.wallets import WalletService

    app = TaoWalletApp(wallets=WalletService(isolated_dirs / "nothing-here"))
    async with app.run_test(size=(110, 32)) as pilot:
        await settle(pilot)
        assert "No wallets in" in details(app) and "Press c to create" in details(app)
        await pilot.press("u")  # nothing selected: a warning, no crash
        await pilot.pause()
        assert isinstance(app.screen, WalletsScreen)
