"""SubnetsScreen: every subnet's price, pool, emission share, schedule, burn and owner; Enter opens the detail."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from tao_wallet.models import SubnetView
from tao_wallet.paths import ASSETS
from tao_wallet.services.errors import WalletError
from tao_wallet.services.money_session import MoneySession


class SubnetsScreen(Screen[None]):
    """The subnet list."""

    CSS_PATH = str(ASSETS / "portfolio.tcss")
    BINDINGS = [("r", "reload", "Refresh"), ("escape", "app.pop_screen", "Back")]

    def __init__(self, session: MoneySession, wallet: str | None = None) -> None:
        super().__init__()
        self.session = session
        self.wallet = wallet
        self.views: list[SubnetView] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Subnets", id="totals", markup=False)
        yield Static("", id="error", markup=False)
        table: DataTable[str] = DataTable(id="positions", cursor_type="row", zebra_stripes=True)
        table.add_columns("Netuid", "Name", "Sym", "Price", "TAO in", "Alpha in", "Emission %", "Tempo",
                          "Next epoch", "Burn", "Uids", "Owner", "Identity")
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="subnets", exit_on_error=False)
    def _load(self) -> None:
        try:
            views = self.session.subnets.list()
        except WalletError as exc:
            self.app.call_from_thread(self.query_one("#error", Static).update, exc.message)
            return
        self.app.call_from_thread(self._show, views)

    def _show(self, views: list[SubnetView]) -> None:
        self.views = views
        table = self.query_one("#positions", DataTable)
        table.clear()
        for s in views:
            table.add_row(str(s.netuid), s.name, s.symbol, f"{s.price:.6f}", f"{s.tao_in:.2f}", f"{s.alpha_in:.2f}",
                          str(s.emission_share_pct), str(s.tempo), str(s.blocks_to_next_epoch),
                          f"{s.registration_cost:.4f}", f"{s.uids}/{s.max_uids}", s.owner_coldkey[:10] + "..",
                          s.identity, key=str(s.netuid))
        self.query_one("#totals", Static).update(f"{len(views)} subnets (Enter: metagraph)")

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        from screens.subnet_detail import SubnetDetailScreen

        if event.row_key.value is not None:
            self.app.push_screen(SubnetDetailScreen(self.session, int(event.row_key.value), self.wallet))
