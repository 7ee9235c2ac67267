"""TUI: the stake screen's "MEV protection" switch, on a real localnet (with MevShield) through MoneySession."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Checkbox, Input, Static

from screens.stake import MEV_AVAILABLE, StakeScreen
from screens.tx_preview import TxPreviewModal
from screens.tx_status import TxStatusModal
from tao_wallet.services.chain import decode_address
from tao_wallet.services.prepared_tx import MEV_ON
from tests.app.money_harness import Harness, press, session_for, start_chain, wait_for
from tests.staking.conftest import fund, new_account, validator


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    handle = start_chain(tmp_path_factory.mktemp("tui-mev"))
    yield handle.url
    handle.stop()


async def test_stake_with_mev_protection_on(url: str, tmp_path: Path) -> None:
    session, acc = session_for(url, tmp_path)
    fund(session.chain, new_account().address, 1)  # a second block: MevShield has announced a key
    screen = StakeScreen(session, "tui", hotkey=validator(1), netuid=1)
    app = Harness(lambda: screen)
    async with app.run_test(size=(120, 60)) as pilot:
        box = screen.query_one("#mev", Checkbox)
        await wait_for(pilot, lambda: not box.disabled)
        assert box.value is True and str(box.label) == MEV_AVAILABLE  # on by default: the chain offers it
        screen.query_one("#amount", Input).value = "2"
        screen.query_one("#tolerance", Input).value = "5"
        await pilot.pause()
        await press(pilot, "#preview")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, TxPreviewModal) or bool(
            str(screen.query_one("#error", Static).render()).strip()))
        assert isinstance(pilot.app.screen, TxPreviewModal), str(screen.query_one("#error", Static).render())
        body = str(pilot.app.screen.query_one("#preview-body", Static).render())
        assert f"MEV protection: {MEV_ON}" in body
        await press(pilot, "#confirm")
        await wait_for(pilot, lambda: screen.last_status is not None)
        status = screen.last_status
        assert status is not None and status.success is True, status
        assert "via MEV Shield" in status.detail
        assert any(e.name == "StakeAdded" for e in status.events)
        assert isinstance(pilot.app.screen, TxStatusModal)
        await wait_for(pilot, lambda: not pilot.app.screen.query_one("#close").disabled)
        await press(pilot, "#close")
        await wait_for(pilot, lambda: pilot.app.screen is screen)
        # switched off: the preview says so (cancelled: nothing more is signed)
        box.value = False
        await pilot.pause()
        await press(pilot, "#preview")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, TxPreviewModal))
        body = str(pilot.app.screen.query_one("#preview-body", Static).render())
        assert "MEV protection: off" in body and MEV_ON not in body
        await press(pilot, "#cancel")
        await wait_for(pilot, lambda: pilot.app.screen is screen)
    assert session.staking.stake_alpha(acc.public_key, decode_address(validator(1)), 1) > 0
    assert session.chain.client.account(acc.public_key).nonce == 2  # the wrapper and the protected call
    session.close()
