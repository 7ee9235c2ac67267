"""TUI: the register screen shows the wallet's own uid (immunity, pruning rank) and previews a subnet
creation with its identity; real localnet, nothing signed (Cancel)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Select, Static

from screens.register import RegisterScreen
from screens.tx_preview import TxPreviewModal
from tests.app.money_harness import Harness, press, session_for, wait_for


async def test_register_screen_pruning_and_identity_preview(url: str, tmp_path: Path) -> None:
    session, acc = session_for(url, tmp_path, tao=5000)
    hotkey = session.wallets.create_hotkey("tui", "miner").address
    reg = session.registration
    assert reg.send(reg.prepare_register(acc.address, hotkey, 1), acc.signer, wait_for="in_block").success
    screen = RegisterScreen(session, "tui", netuid=1)
    async with Harness(lambda: screen).run_test(size=(130, 50)) as pilot:
        quote = screen.query_one("#quote", Static)
        await wait_for(pilot, lambda: "Your hotkey" in str(quote.render()))
        text = str(quote.render())
        assert f"Your hotkey {hotkey[:10]}" in text and "immune for" in text and "rank" in text
        assert not screen.query_one("#identity").display
        screen.query_one("#action", Select).value = "create"
        await wait_for(pilot, lambda: screen.query_one("#identity").display)
        screen.query_one("#hotkey", Input).value = "miner"
        screen.query_one("#id-subnet_name", Input).value = "Epsilon"
        screen.query_one("#id-subnet_url", Input).value = "https://epsilon.example"
        await pilot.pause()
        await press(pilot, "#preview")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, TxPreviewModal) or bool(
            str(screen.query_one("#error", Static).render()).strip()))
        assert isinstance(pilot.app.screen, TxPreviewModal), str(screen.query_one("#error", Static).render())
        call = screen.last_prepared.preview.call
        assert "register_network_with_identity" in call and "Epsilon" in call and "epsilon.example" in call
        await press(pilot, "#cancel")
        await wait_for(pilot, lambda: "Cancelled" in str(screen.query_one("#error", Static).render()))
    session.close()
