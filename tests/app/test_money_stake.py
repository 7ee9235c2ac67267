"""TUI: stake with a live quote and confirm, unstake, move; on a real localnet through MoneySession."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Select, Static

from screens.stake import StakeScreen
from screens.tx_preview import TxPreviewModal
from screens.tx_status import TxStatusModal
from tao_wallet.services.chain import decode_address
from tests.app.money_harness import Harness, press, session_for, start_chain, wait_for
from tests.staking.conftest import validator


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    handle = start_chain(tmp_path_factory.mktemp("tui-stake"))
    yield handle.url
    handle.stop()


async def _fill(pilot: Any, screen: StakeScreen, **values: str) -> None:
    for widget_id, value in values.items():
        screen.query_one(f"#{widget_id.replace('_', '-')}", Input).value = value
    await pilot.pause()


async def _confirm(pilot: Any, screen: StakeScreen) -> None:
    await press(pilot, "#preview")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, TxPreviewModal) or bool(
        str(screen.query_one("#error", Static).render()).strip()))
    assert isinstance(pilot.app.screen, TxPreviewModal), str(screen.query_one("#error", Static).render())
    await wait_for(pilot, lambda: bool(pilot.app.screen.query("#confirm")))
    await press(pilot, "#confirm")
    await wait_for(pilot, lambda: screen.last_status is not None)
    assert isinstance(pilot.app.screen, TxStatusModal)
    await wait_for(pilot, lambda: not pilot.app.screen.query_one("#close").disabled)
    await press(pilot, "#close")
    await wait_for(pilot, lambda: pilot.app.screen is screen)


async def test_stake_quote_confirm_then_unstake_and_move(url: str, tmp_path: Path) -> None:
    session, acc = session_for(url, tmp_path)
    screen = StakeScreen(session, "tui", hotkey=validator(1), netuid=1)
    app = Harness(lambda: screen)
    async with app.run_test(size=(120, 50)) as pilot:
        await _fill(pilot, screen, amount="2", tolerance="5")
        await wait_for(pilot, lambda: "price impact" in str(screen.query_one("#quote", Static).render()))
        await _confirm(pilot, screen)
        assert screen.last_status is not None and screen.last_status.success is True
        alpha = session.staking.stake_alpha(acc.public_key, decode_address(validator(1)), 1)
        assert alpha > 0
        # cancel leaves everything as it was
        screen.last_status = None
        await press(pilot, "#preview")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, TxPreviewModal))
        await pilot.press("escape")
        await wait_for(pilot, lambda: "Cancelled" in str(screen.query_one("#error", Static).render()))
        assert screen.last_status is None
        # move half to another validator
        screen.query_one("#action", Select).value = "move"
        await pilot.pause()
        await _fill(pilot, screen, amount="1", dest_hotkey=validator(1, 1), dest_netuid="1")
        await _confirm(pilot, screen)
        assert screen.last_status is not None and screen.last_status.success is True
        assert session.staking.stake_alpha(acc.public_key, decode_address(validator(1, 1)), 1) > 0
        # unstake the rest on the first validator
        screen.query_one("#action", Select).value = "unstake"
        await pilot.pause()
        await _fill(pilot, screen, amount="", tolerance="10")
        await _confirm(pilot, screen)
        assert screen.last_status is not None and screen.last_status.success is True
        assert session.staking.stake_alpha(acc.public_key, decode_address(validator(1)), 1) < alpha // 50
    session.close()


async def test_bad_amount_is_refused_on_screen(url: str, tmp_path: Path) -> None:
    session, _ = session_for(url, tmp_path)
    screen = StakeScreen(session, "tui", hotkey=validator(1), netuid=1)
    async with Harness(lambda: screen).run_test(size=(120, 50)) as pilot:
        await _fill(pilot, screen, amount="1.0000000001")
        await press(pilot, "#preview")
        await wait_for(pilot, lambda: "at most 9" in str(screen.query_one("#error", Static).render()))
        assert not isinstance(pilot.app.screen, TxPreviewModal)
    session.close()
