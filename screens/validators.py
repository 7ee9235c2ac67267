"""ValidatorsScreen: delegates overall or on one subnet; sort, filter, and stake to the selected one."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from tao_wallet.models import ValidatorView
from tao_wallet.paths import ASSETS
from tao_wallet.services.errors import WalletError
from tao_wallet.services.money_session import MoneySession
from tao_wallet.services.validators import SORT_KEYS, sort_validators


class ValidatorsScreen(Screen[None]):
    """`o` cycles the sort column, the input filters by hotkey or name, Enter stakes to the selected validator."""

    CSS_PATH = str(ASSETS / "portfolio.tcss")
    BINDINGS = [("o", "cycle_sort", "Sort"), ("r", "reload", "Refresh"), ("enter", "stake", "Stake to"),
                ("escape", "app.pop_screen", "Back")]

    def __init__(self, session: MoneySession, wallet: str | None, netuid: int | None = None) -> None:
        super().__init__()
        self.session = session
        self.wallet = wallet
        self.netuid = netuid
        self.sort = "stake"
        self.views: list[ValidatorView] = []
        self.shown: list[ValidatorView] = []

    def compose(self) -> ComposeResult:
        yield Header()
        where = "all subnets" if self.netuid is None else f"subnet {self.netuid}"
        yield Static(f"Validators on {where} (sorted by {self.sort})", id="totals", markup=False)
        yield Input(placeholder="filter by hotkey or name", id="filter")
        yield Static("", id="error", markup=False)
        table: DataTable[str] = DataTable(id="positions", cursor_type="row", zebra_stripes=True)
        table.add_columns("Name", "Hotkey", "Take %", "Stake (TAO)", "Nominators", "VTrust", "Dividends (TAO)",
                          "TAO/day per 1000", "Permits")
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="validators", exit_on_error=False)
    def _load(self) -> None:
        try:
            views = self.session.validators.list(self.netuid)
        except WalletError as exc:
            self.app.call_from_thread(self.query_one("#error", Static).update, exc.message)
            return
        self.app.call_from_thread(self._show, views)

    def _show(self, views: list[ValidatorView]) -> None:
        self.views = views
        self._render_rows()

    def _render_rows(self) -> None:
        needle = self.query_one("#filter", Input).value.strip().lower()
        self.shown = [v for v in sort_validators(self.views, self.sort)
                      if not needle or needle in v.hotkey.lower() or needle in v.name.lower()]
        table = self.query_one("#positions", DataTable)
        table.clear()
        for v in self.shown:
            table.add_row(v.name or "-", v.hotkey, str(v.take_pct), f"{v.total_stake_tao:.4f}", str(v.nominators),
                          str(v.validator_trust), f"{v.dividends_last_epoch_tao:.6f}", str(v.return_per_1000_tao_day),
                          ",".join(map(str, v.netuids)), key=v.hotkey)
        where = "all subnets" if self.netuid is None else f"subnet {self.netuid}"
        self.query_one("#totals", Static).update(f"Validators on {where}: {len(self.shown)} (sorted by {self.sort})")

    @on(Input.Changed, "#filter")
    def _filter(self) -> None:
        self._render_rows()

    def action_cycle_sort(self) -> None:
        self.sort = SORT_KEYS[(SORT_KEYS.index(self.sort) + 1) % len(SORT_KEYS)]
        self._render_rows()

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_stake()

    def action_stake(self) -> None:
        from screens.stake import StakeScreen

        table = self.query_one("#positions", DataTable)
        if not self.shown or self.wallet is None:
            return
        v = self.shown[min(table.cursor_row, len(self.shown) - 1)]
        netuid = self.netuid if self.netuid is not None else (v.netuids[0] if v.netuids else None)
        self.app.push_screen(StakeScreen(self.session, self.wallet, v.hotkey, netuid))
