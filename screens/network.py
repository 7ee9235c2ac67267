"""NetworkScreen: the network dashboard (issuance vs cap, emission and halving, block time, subnets,
prices, emission split, the user's pool shares), refreshed in a thread worker."""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from tao_wallet.paths import ASSETS
from tao_wallet.services.errors import WalletError
from tao_wallet.services.network_stats import NetworkStats, NetworkStatsService


def summary_text(stats: NetworkStats) -> str:
    """The dashboard's header lines (plain text, also used by tests)."""
    eta = stats.halving_eta or "unknown"
    block_time = f"{stats.block_time_seconds} s" if stats.block_time_seconds is not None else "unknown"
    return "\n".join([
        f"{stats.network} · block #{stats.block_number} · values: {stats.source}",
        f"Issuance   {stats.total_issuance:,} / {stats.issuance_cap:,} TAO  ({stats.issued_fraction:.4%} of the cap)",
        f"Emission   {stats.block_emission} TAO per block · {stats.halvings_so_far} halving(s) so far",
        f"Halving    next at {stats.next_halving_issuance:,} TAO issued, in {stats.blocks_to_halving} blocks "
        f"(~{eta})",
        f"Block time {block_time} over the last {stats.block_time_sample} blocks · {stats.subnet_count} subnets",
    ])


class NetworkScreen(Screen[None]):
    """The network dashboard.

    Args:
        service: builds a fresh `NetworkStatsService` (called in the worker thread).
        coldkey: SS58 coldkey whose stake positions to show, if any.
    """

    CSS_PATH = str(ASSETS / "network.tcss")
    BINDINGS = [Binding("r", "refresh", "Refresh"), Binding("escape", "app.pop_screen", "Back")]

    stats: reactive[NetworkStats | None] = reactive(None)
    """The snapshot on display."""

    class Loaded(Message):
        """A snapshot arrived from the worker."""

        def __init__(self, stats: NetworkStats) -> None:
            super().__init__()
            self.stats = stats

    class Failed(Message):
        """Loading failed (message is safe to show)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, service: Callable[[], NetworkStatsService], coldkey: str | None = None) -> None:
        super().__init__()
        self._service = service
        self._coldkey = coldkey

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading network statistics…", id="network-summary")
        yield DataTable(id="network-subnets", cursor_type="row")
        yield DataTable(id="network-positions", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        subnets = self.query_one("#network-subnets", DataTable)
        subnets.add_columns("netuid", "symbol", "price (TAO)", "TAO reserve", "alpha reserve", "emission (TAO)",
                            "share")
        positions = self.query_one("#network-positions", DataTable)
        positions.add_columns("hotkey", "netuid", "alpha", "value (TAO)", "of hotkey pool", "of subnet alpha")
        self.action_refresh()

    def action_refresh(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="network", exit_on_error=False)
    def _load(self) -> None:
        try:
            service = self._service()
            self.post_message(self.Loaded(service.stats(self._coldkey)))
        except WalletError as exc:
            self.post_message(self.Failed(exc.message))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.stats = message.stats

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.query_one("#network-summary", Static).update(f"Could not read the network: {message.text}")

    def watch_stats(self, stats: NetworkStats | None) -> None:
        if stats is None:
            return
        self.query_one("#network-summary", Static).update(summary_text(stats))
        subnets = self.query_one("#network-subnets", DataTable)
        subnets.clear()
        for s in stats.subnets:
            subnets.add_row(str(s.netuid), s.symbol, f"{s.price:.9f}", f"{s.tao_reserve:,}", f"{s.alpha_reserve:,}",
                            f"{s.tao_emission}", f"{s.emission_share:.2%}")
        positions = self.query_one("#network-positions", DataTable)
        positions.clear()
        for p in stats.positions:
            positions.add_row(p.hotkey[:12] + "…", str(p.netuid), f"{p.alpha}", f"{p.value_tao}",
                              f"{p.share_of_hotkey:.4%}", f"{p.share_of_subnet:.4%}")
