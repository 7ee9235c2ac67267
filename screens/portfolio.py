"""PortfolioScreen: free/reserved TAO and every stake position, refreshed each new block without freezing."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from tao_wallet.models import PortfolioView
from tao_wallet.paths import ASSETS
from tao_wallet.services.errors import WalletError
from tao_wallet.services.money_session import MoneySession


def _tao(value: object) -> str:
    return f"{value:.4f}"


class PortfolioScreen(Screen[None]):
    """Balances and positions of the given wallets plus watch-only addresses.

    A light poll (best block number, once a second) triggers a full reload only when a new block
    arrived; the reload runs in an exclusive thread worker, so a slow chain never blocks the UI.
    """

    CSS_PATH = str(ASSETS / "portfolio.tcss")
    BINDINGS = [("r", "reload", "Refresh"), ("s", "stake", "Stake"), ("u", "unstake", "Unstake selected"),
                ("escape", "app.pop_screen", "Back")]

    portfolio: reactive[PortfolioView | None] = reactive(None)
    """Last loaded portfolio (rendered by watch_portfolio)."""

    class Loaded(Message):
        """A portfolio finished loading."""

        def __init__(self, view: PortfolioView) -> None:
            super().__init__()
            self.view = view

    def __init__(self, session: MoneySession, wallets: list[str], watch_only: list[str] | None = None,
                 poll_seconds: float = 1.0) -> None:
        super().__init__()
        self.session = session
        self.wallet_names = wallets
        self.watch_only = watch_only or []
        self.poll_seconds = poll_seconds
        self._last_block = -1
        self.loads = 0
        """How many reloads finished (tests wait on it)."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading...", id="totals", markup=False)
        yield Static("", id="error", markup=False)
        table: DataTable[str] = DataTable(id="positions", cursor_type="row", zebra_stripes=True)
        table.add_columns("Subnet", "Name", "Hotkey", "Alpha", "Price", "Value (spot)", "Value (after slippage)",
                          "Coldkey")
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()
        self.set_interval(self.poll_seconds, self._poll)

    def _poll(self) -> None:
        self._poll_worker()

    @work(thread=True, exclusive=True, group="portfolio-poll", exit_on_error=False)
    def _poll_worker(self) -> None:
        try:
            best, _, _ = self.session.chain.head()
        except WalletError:
            return
        if best.number != self._last_block:
            self.app.call_from_thread(self.action_reload)

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="portfolio", exit_on_error=False)
    def _load(self) -> None:
        try:
            coldkeys = [self.session.coldkey_address(name) for name in self.wallet_names]
            view = self.session.portfolio.load(coldkeys, self.watch_only)
        except WalletError as exc:
            self.app.call_from_thread(self._error, exc.message)
            return
        self.post_message(self.Loaded(view))

    def _error(self, message: str) -> None:
        self.query_one("#error", Static).update(f"Could not load: {message}")

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self._last_block = message.view.block_number
        self.portfolio = message.view
        self.loads += 1

    def watch_portfolio(self, view: PortfolioView | None) -> None:
        if view is None:
            return
        self.query_one("#error", Static).update("")
        watched = f", watching {len(view.watch_only)}" if view.watch_only else ""
        self.query_one("#totals", Static).update(
            f"{view.network} block #{view.block_number}{watched}\n"
            f"Free {view.free} TAO · Reserved {view.reserved} TAO · Stake {_tao(view.stake_spot)} TAO at spot "
            f"({_tao(view.stake_after_slippage)} after slippage) · Total {_tao(view.total_spot)} TAO")
        table = self.query_one("#positions", DataTable)
        cursor = table.cursor_row
        table.clear()
        for p in view.positions:
            table.add_row(str(p.netuid), p.subnet_name, p.hotkey, f"{p.alpha:.4f}", f"{p.price:.6f}",
                          _tao(p.value_spot), _tao(p.value_after_slippage), p.coldkey,
                          key=f"{p.coldkey}/{p.hotkey}/{p.netuid}")
        if view.positions:
            table.move_cursor(row=min(cursor, len(view.positions) - 1))

    def _selected(self) -> tuple[str, int] | None:
        view = self.portfolio
        table = self.query_one("#positions", DataTable)
        if view is None or not view.positions:
            return None
        p = view.positions[min(table.cursor_row, len(view.positions) - 1)]
        return p.hotkey, p.netuid

    def action_stake(self) -> None:
        from screens.stake import StakeScreen

        if self.wallet_names:
            chosen = self._selected()
            hotkey, netuid = chosen if chosen else ("", None)
            self.app.push_screen(StakeScreen(self.session, self.wallet_names[0], hotkey, netuid))

    def action_unstake(self) -> None:
        from screens.stake import StakeScreen

        chosen = self._selected()
        if chosen and self.wallet_names:
            self.app.push_screen(StakeScreen(self.session, self.wallet_names[0], chosen[0], chosen[1], "unstake"))
