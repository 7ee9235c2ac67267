"""Snapshot tests: fixed wallets (fixed mnemonics), fixed terminal size, workers settled first."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from tao_wallet.app import TaoWalletApp
from tests.app.conftest import settle


class TestWalletsScreenSnapshots:
    def test_wallet_tree_and_details(self, snap_compare: Any, app: TaoWalletApp) -> None:
        assert snap_compare(app, terminal_size=(100, 30), run_before=settle)

    def test_hotkey_selected(self, snap_compare: Any, app: TaoWalletApp) -> None:
        async def select_bob_hotkey(pilot: Pilot[None]) -> None:
            await settle(pilot)
            await pilot.press("down", "down", "down", "down", "down")  # alice, cold, hot, bob, cold -> hot

        assert snap_compare(app, terminal_size=(100, 30), run_before=select_bob_hotkey)

    def test_create_wallet_dialog(self, snap_compare: Any, app: TaoWalletApp) -> None:
        async def open_create(pilot: Pilot[None]) -> None:
            await settle(pilot)
            await pilot.press("c")
            await pilot.pause()

        assert snap_compare(app, terminal_size=(100, 30), run_before=open_create)
