"""TUI: the stake screen's "whole position" and "all alpha to root" actions, preview -> confirm -> status, on
the real localnet (the staking scenario chain) through MoneySession."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from textual.widgets import Input, Select, Static

from screens.stake import StakeScreen
from screens.tx_preview import TxPreviewModal
from screens.tx_status import TxStatusModal
from tao_wallet.services.chain import decode_address
from tests.app.money_harness import Harness, press, session_for, wait_for
from tests.staking.conftest import validator


async def _confirm(pilot: Any, screen: StakeScreen, expect_in_call: str) -> None:
    screen.last_status = None
    await press(pilot, "#preview")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, TxPreviewModal) or bool(
        str(screen.query_one("#error", Static).render()).strip()))
    assert isinstance(pilot.app.screen, TxPreviewModal), str(screen.query_one("#error", Static).render())
    assert screen.last_prepared is not None and expect_in_call in screen.last_prepared.preview.call
    await press(pilot, "#confirm")
    await wait_for(pilot, lambda: screen.last_status is not None, 150)
    assert isinstance(pilot.app.screen, TxStatusModal)
    await wait_for(pilot, lambda: not pilot.app.screen.query_one("#close").disabled)
    await press(pilot, "#close")
    await wait_for(pilot, lambda: pilot.app.screen is screen)


async def test_unstake_whole_position_then_all_alpha_to_root(url: str, tmp_path: Path) -> None:
    session, acc = session_for(url, tmp_path)
    hk = validator(2, 1)
    for netuid in (1, 2):
        prepared = session.staking.prepare_stake(acc.address, hk, netuid, "3", tolerance_pct=Decimal(10))
        assert session.staking.send(prepared, acc.signer, wait_for="in_block").success is True
    key = decode_address(hk)
    screen = StakeScreen(session, "tui", hotkey=hk, netuid=1, action="unstake_full")
    async with Harness(lambda: screen).run_test(size=(120, 50)) as pilot:
        await wait_for(pilot, lambda: screen.is_mounted)
        assert not screen.query_one("#amount").display and screen.query_one("#limit-row").display
        assert not screen.query_one("#partial").display  # remove_stake_full_limit has no partial fill
        screen.query_one("#tolerance", Input).value = "5"
        await _confirm(pilot, screen, "remove_stake_full_limit")
        assert screen.last_status is not None and screen.last_status.success is True
        assert session.staking.stake_alpha(acc.public_key, key, 1) <= 2  # share-rounding dust at most
        assert session.staking.stake_alpha(acc.public_key, key, 2) > 0

        screen.query_one("#action", Select).value = "unstake_all_alpha"
        await wait_for(pilot, lambda: not screen.query_one("#netuid").display)
        await _confirm(pilot, screen, "unstake_all_alpha")
        assert screen.last_status is not None and screen.last_status.success is True
        assert session.staking.stake_alpha(acc.public_key, key, 2) <= 2
        assert session.staking.stake_alpha(acc.public_key, key, 0) > 0
    session.close()
