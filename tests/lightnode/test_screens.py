"""Node, Emissions and Audit screens on a database synced from a real demo localnet (Pilot)."""

from __future__ import annotations

import threading
from pathlib import Path

from textual.app import App
from textual.widgets import DataTable, Static

from node.localnet.rpc.embedded import LocalnetHandle
from node.localnet.subtensor.scenario import DEMO_SCENARIO, load_scenario
from screens.audit import AuditScreen
from screens.emissions import EmissionsScreen
from screens.node import NodeScreen
from tao_wallet.services.chain import encode_address
from tao_wallet.services.node import NodeService


class Host(App[None]):
    def __init__(self, service: NodeService) -> None:
        super().__init__()
        self.service = service

    def on_mount(self) -> None:
        self.push_screen(NodeScreen(lambda: self.service))


async def _settle(pilot: object) -> None:
    app = pilot.app  # type: ignore[attr-defined]
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]


async def test_node_audit_and_emissions_screens(demo_net: LocalnetHandle, tmp_path: Path) -> None:
    ck = encode_address(load_scenario(DEMO_SCENARIO).key(1, "validator", 2))
    service = NodeService((demo_net.url,), tmp_path / "node.sqlite", (ck,))
    service.sync(threading.Event(), follow=False, stop_at=45)
    service.last_status = None  # read the status back from the database, as a fresh app would
    app = Host(service)
    async with app.run_test(size=(120, 50)) as pilot:
        await _settle(pilot)
        text = str(app.screen.query_one("#node-status", Static).render())
        assert "verified at block #45" in text and "mismatches 0" in text
        await pilot.press("a")
        await _settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        table = app.screen.query_one("#audit-epochs", DataTable)
        assert table.row_count == 6
        assert all(table.get_row_at(i)[-1] == "match" for i in range(table.row_count))
        await pilot.press("enter")
        await _settle(pilot)
        cells = app.screen.query_one("#audit-cells", DataTable)
        assert cells.get_row_at(0)[1] == "every uid and field matched"
        await pilot.press("escape", "e")
        await _settle(pilot)
        assert isinstance(app.screen, EmissionsScreen)
        assert "Earnings per epoch" in str(app.screen.query_one("#emissions-earnings", Static).render())
        assert "Subnet price" in str(app.screen.query_one("#emissions-price", Static).render())
        assert app.screen.query_one("#emissions-returns", DataTable).row_count == 3


async def test_app_f7_opens_the_node_screen_with_the_configured_network(demo_net: LocalnetHandle,
                                                                        tmp_path: Path) -> None:
    from tao_wallet.app import TaoWalletApp
    from tao_wallet.config import AppConfig
    from tao_wallet.services.wallets import WalletService

    service = WalletService(tmp_path / "wallets")
    app = TaoWalletApp(wallets=service, config=AppConfig(wallet_path=service.root, network=demo_net.url))
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        await pilot.press("f7")
        await _settle(pilot)
        assert isinstance(app.screen, NodeScreen)
        assert app.screen.service.urls == (demo_net.url,)
        assert "nothing verified yet" in str(app.screen.query_one("#node-status", Static).render())


def test_node_status_says_whether_finality_was_proven(demo_net: LocalnetHandle, tmp_path: Path) -> None:
    from screens.node import status_text

    service = NodeService((demo_net.url,), tmp_path / "node.sqlite")
    service.sync(threading.Event(), follow=False)  # to the finalized head, whose justification is checked
    live = service.last_status
    assert live is not None and live.justified >= 0
    assert f"finality proven (GRANDPA) to #{live.justified}" in status_text(live)
    service.last_status = None  # a fresh app reading the database has proven nothing this session
    assert "finality as the endpoint reports it" in status_text(service.status())
