"""TUI: transfer, register, offline sign via files, portfolio refresh, validators and subnet browsers (Pilot,
real localnet)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input, Select, Static

from screens.offline_sign import OfflineSignScreen, SignConfirmModal
from screens.portfolio import PortfolioScreen
from screens.register import RegisterScreen
from screens.subnet_detail import SubnetDetailScreen
from screens.subnets import SubnetsScreen
from screens.transfer import TransferScreen
from screens.tx_preview import TxPreviewModal
from screens.tx_status import TxStatusModal
from screens.validators import ValidatorsScreen
from screens.widgets.tx_flow import TxFlow
from tao_wallet.services.chain import decode_address
from tests.app.money_harness import Harness, press, session_for, start_chain, wait_for
from tests.staking.conftest import new_account, validator


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    handle = start_chain(tmp_path_factory.mktemp("tui-money"))
    yield handle.url
    handle.stop()


def _text(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def _preview_confirm(pilot: Any, screen: TxFlow) -> None:
    await press(pilot, "#preview")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, TxPreviewModal) or bool(_text(screen, "#error").strip()))
    assert isinstance(pilot.app.screen, TxPreviewModal), _text(screen, "#error")
    await wait_for(pilot, lambda: bool(pilot.app.screen.query("#preview-body")))
    assert "from the chain" in str(pilot.app.screen.query_one("#preview-body", Static).render())
    await wait_for(pilot, lambda: bool(pilot.app.screen.query("#confirm")))
    await press(pilot, "#confirm")
    await wait_for(pilot, lambda: screen.last_status is not None)
    assert isinstance(pilot.app.screen, TxStatusModal)
    await wait_for(pilot, lambda: not pilot.app.screen.query_one("#close").disabled)
    assert "Finalized" in str(pilot.app.screen.query_one("#status-body", Static).render())
    await press(pilot, "#close")
    await wait_for(pilot, lambda: pilot.app.screen is screen)


async def test_transfer_screen(url: str, tmp_path: Path) -> None:
    session, _ = session_for(url, tmp_path)
    dest = new_account()
    screen = TransferScreen(session, "tui")
    async with Harness(lambda: screen).run_test(size=(120, 40)) as pilot:
        screen.query_one("#dest", Input).value = dest.address
        screen.query_one("#amount", Input).value = "3.5"
        await _preview_confirm(pilot, screen)
        assert screen.last_status is not None and screen.last_status.success
        assert session.chain.balance(dest.address).free == Decimal("3.5")
        # above the balance: refused on screen, nothing signed
        screen.query_one("#amount", Input).value = "5000"
        await press(pilot, "#preview")
        await wait_for(pilot, lambda: "free balance" in _text(screen, "#error"))
    session.close()


async def test_register_screen_shows_risk_and_registers(url: str, tmp_path: Path) -> None:
    session, _acc = session_for(url, tmp_path)
    hotkey = new_account()
    screen = RegisterScreen(session, "tui", netuid=1)
    async with Harness(lambda: screen).run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "burn" in _text(screen, "#quote"))
        assert "immunity" in _text(screen, "#quote")
        screen.query_one("#hotkey", Input).value = hotkey.address
        await _preview_confirm(pilot, screen)
        assert screen.last_status is not None and screen.last_status.success
        assert session.registration._storage("Uids", b"\x01\x00", hotkey.public_key, default=None) is not None
        # non-existent subnet: a specific refusal
        screen.query_one("#netuid", Input).value = "77"
        await press(pilot, "#preview")
        await wait_for(pilot, lambda: "subnet 77 does not exist" in _text(screen, "#error"))
        screen.query_one("#action", Select).value = "take"
        await pilot.pause()
        assert screen.query_one("#take").display
    session.close()


async def test_offline_sign_and_submit_via_files(url: str, tmp_path: Path) -> None:
    from tao_wallet.services.tx import build_unsigned

    session, acc = session_for(url, tmp_path)
    dest = new_account()
    runtime = session.chain.runtime()
    call = runtime.compose_call("Balances", "transfer_keep_alive", {"dest": "0x" + dest.public_key.hex(),
                                                                    "value": 2 * 10**9})
    unsigned = tmp_path / "unsigned.json"
    unsigned.write_text(json.dumps(build_unsigned(session.chain, acc.address, call, "send 2 TAO")))
    signed = tmp_path / "signed.json"
    screen = OfflineSignScreen(session, "tui")
    async with Harness(lambda: screen).run_test(size=(120, 40)) as pilot:
        screen.query_one("#unsigned", Input).value = str(unsigned)
        screen.query_one("#signed", Input).value = str(signed)
        await press(pilot, "#sign")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, SignConfirmModal)
                       and bool(pilot.app.screen.query("#confirm")))
        assert "transfer_keep_alive" in str(pilot.app.screen.query_one("#preview-body", Static).render())
        await press(pilot, "#confirm")
        await wait_for(pilot, lambda: signed.exists() and "Signed" in _text(screen, "#quote"))
        assert json.loads(signed.read_text())["format"] == "tao-wallet/signed-tx/1"
        await press(pilot, "#submit")
        await wait_for(pilot, lambda: screen.last_status is not None)
        assert screen.last_status is not None and screen.last_status.success
        assert session.chain.balance(dest.address).free == 2
        # a tampered file is refused with a specific message
        doc = json.loads(unsigned.read_text())
        doc["payload"] = "0x00" + doc["payload"][4:]
        unsigned.write_text(json.dumps(doc))
        await wait_for(pilot, lambda: not isinstance(pilot.app.screen, TxStatusModal) or not
                       pilot.app.screen.query_one("#close").disabled)
        if isinstance(pilot.app.screen, TxStatusModal):
            await press(pilot, "#close")
        await wait_for(pilot, lambda: pilot.app.screen is screen)
        await press(pilot, "#load")
        await wait_for(pilot, lambda: "does not match" in _text(screen, "#error"))
    session.close()


async def test_portfolio_refreshes_when_a_block_arrives(url: str, tmp_path: Path) -> None:
    session, acc = session_for(url, tmp_path)
    watched = new_account()
    screen = PortfolioScreen(session, ["tui"], [watched.address], poll_seconds=0.2)
    async with Harness(lambda: screen).run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: screen.portfolio is not None)
        assert screen.portfolio is not None and not screen.portfolio.positions
        prepared = session.staking.prepare_stake(acc.address, validator(2), 2, "4", tolerance_pct=Decimal(10))
        loads = screen.loads
        session.staking.send(prepared, session.signer("tui", None), wait_for="in_block")  # a new block
        await wait_for(pilot, lambda: screen.loads > loads and screen.portfolio is not None
                       and bool(screen.portfolio.positions))
        table = screen.query_one("#positions", DataTable)
        assert table.row_count == 1
        assert validator(2) in str(table.get_row_at(0))
        assert "watching 1" in _text(screen, "#totals")
    session.close()


async def test_validators_sort_filter_and_stake_from_there(url: str, tmp_path: Path) -> None:
    from screens.stake import StakeScreen

    session, _ = session_for(url, tmp_path)
    screen = ValidatorsScreen(session, "tui", netuid=1)
    async with Harness(lambda: screen).run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: bool(screen.shown))
        assert {validator(1, i) for i in range(3)} <= {v.hotkey for v in screen.shown}
        screen.query_one("#positions", DataTable).focus()
        await pilot.press("o")
        assert screen.sort == "take"
        takes = [v.take_pct for v in screen.shown]
        assert takes == sorted(takes, reverse=True)
        screen.query_one("#filter", Input).value = validator(1, 1)[:10]
        await pilot.pause()
        assert [v.hotkey for v in screen.shown] == [validator(1, 1)]
        screen.query_one("#positions", DataTable).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, StakeScreen))
        assert pilot.app.screen.query_one("#hotkey", Input).value == validator(1, 1)
    session.close()


async def test_subnets_list_and_metagraph_detail(url: str, tmp_path: Path) -> None:
    session, _ = session_for(url, tmp_path)
    screen = SubnetsScreen(session, "tui")
    async with Harness(lambda: screen).run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: bool(screen.views))
        assert {"Alpha", "Beta"} <= {s.name for s in screen.views}
        table = screen.query_one("#positions", DataTable)
        table.focus()
        table.move_cursor(row=1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, SubnetDetailScreen)
                       and pilot.app.screen.graph is not None)
        detail = pilot.app.screen
        assert isinstance(detail, SubnetDetailScreen) and detail.graph is not None
        assert detail.query_one("#positions", DataTable).row_count == len(detail.graph.neurons) >= 7
    assert decode_address(validator(1))
    session.close()
