"""SubnetDetailScreen: one subnet with its metagraph table (up to 4096 uids: DataTable renders only visible rows)."""

from __future__ import annotations

import time

from textual import work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from tao_wallet.models import MetagraphView
from tao_wallet.paths import ASSETS
from tao_wallet.services.errors import WalletError
from tao_wallet.services.money_session import MoneySession


class SubnetDetailScreen(Screen[None]):
    """Metagraph of one subnet; `s` stakes to the selected uid's hotkey, `g` registers a hotkey here."""

    CSS_PATH = str(ASSETS / "portfolio.tcss")
    BINDINGS = [("r", "reload", "Refresh"), ("s", "stake", "Stake to uid"), ("g", "register", "Register"),
                ("escape", "app.pop_screen", "Back")]

    def __init__(self, session: MoneySession, netuid: int, wallet: str | None = None) -> None:
        super().__init__()
        self.session = session
        self.netuid = netuid
        self.wallet = wallet
        self.graph: MetagraphView | None = None
        self.render_ms: float | None = None
        """Time to fill the table (measured for the 4096-uid check)."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Subnet {self.netuid}: loading...", id="totals", markup=False)
        yield Static("", id="error", markup=False)
        table: DataTable[str] = DataTable(id="positions", cursor_type="row", zebra_stripes=True)
        table.add_columns("UID", "Stake (alpha)", "Incentive", "Dividends", "VTrust", "Permit", "Emission",
                          "Hotkey", "Coldkey")
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="metagraph", exit_on_error=False)
    def _load(self) -> None:
        try:
            graph = self.session.subnets.metagraph(self.netuid)
        except WalletError as exc:
            self.app.call_from_thread(self.query_one("#error", Static).update, exc.message)
            return
        self.app.call_from_thread(self._show, graph)

    def _show(self, graph: MetagraphView) -> None:
        start = time.perf_counter()
        self.graph = graph
        s = graph.subnet
        self.query_one("#totals", Static).update(
            f"Subnet {s.netuid} {s.name} ({s.symbol}) · price {s.price} TAO · uids {s.uids}/{s.max_uids} · "
            f"burn {s.registration_cost} TAO · tempo {s.tempo}, next epoch in {s.blocks_to_next_epoch} · "
            f"owner {s.owner_coldkey} · {s.identity}")
        table = self.query_one("#positions", DataTable)
        table.clear()
        table.add_rows(
            (str(n.uid), f"{n.stake:.4f}", str(n.incentive), str(n.dividends), str(n.trust),
             "yes" if n.validator_permit else "", f"{n.emission:.6f}", n.hotkey, n.coldkey)
            for n in graph.neurons
        )
        self.render_ms = (time.perf_counter() - start) * 1000

    def action_stake(self) -> None:
        from screens.stake import StakeScreen

        table = self.query_one("#positions", DataTable)
        if self.graph is None or not self.graph.neurons or self.wallet is None:
            return
        neuron = self.graph.neurons[min(table.cursor_row, len(self.graph.neurons) - 1)]
        self.app.push_screen(StakeScreen(self.session, self.wallet, neuron.hotkey, self.netuid))

    def action_register(self) -> None:
        from screens.register import RegisterScreen

        if self.wallet is not None:
            self.app.push_screen(RegisterScreen(self.session, self.wallet, self.netuid))
