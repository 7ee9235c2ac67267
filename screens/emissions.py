"""EmissionsScreen: per-epoch earnings, subnet prices and validator dividends as plotext charts."""

from __future__ import annotations

from dataclasses import dataclass

import plotext as plt
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from tao_wallet.services.node import EarningsReport, NodeService, SubnetSeries


@dataclass(frozen=True)
class EmissionsData:
    """Everything the screen shows."""

    series: tuple[SubnetSeries, ...]
    earnings: EarningsReport | None


def chart(title: str, lines: list[tuple[str, list[int], list[float]]], width: int = 90, height: int = 14) -> str:
    """A plotext (6.x figure API) line chart rendered to a string with ANSI colours.

    Series names go into the title (this plotext's signals carry no legend labels).
    """
    fig = plt.figure
    fig.clear()
    fig.plot_size(width, height)
    names = ", ".join(label for label, xs, _ in lines if xs)
    fig.title(f"{title} [{names}]" if names else title)
    for _, xs, ys in lines:
        if xs:
            fig.draw(fig.signal(xs, ys))
    fig.label("block")
    return str(fig.build())


class EmissionsScreen(Screen[None]):
    """Charts from the light node's synced epochs (and a watched coldkey's earnings, if any)."""

    BINDINGS = [Binding("r", "refresh", "Refresh"), Binding("escape", "app.pop_screen", "Back")]
    DEFAULT_CSS = """
    EmissionsScreen Static { height: auto; }
    EmissionsScreen DataTable { height: auto; max-height: 10; }
    """

    class Loaded(Message):
        """Chart data arrived from the worker."""

        def __init__(self, data: EmissionsData) -> None:
            super().__init__()
            self.data = data

    def __init__(self, service: NodeService, coldkey: str | None = None) -> None:
        super().__init__()
        self._service = service
        self._coldkey = coldkey or (service.coldkeys[0] if service.coldkeys else None)

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Static("Loading emissions…", id="emissions-earnings")
            yield DataTable(id="emissions-returns")
            yield Static(id="emissions-price")
            yield Static(id="emissions-dividends")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#emissions-returns", DataTable).add_columns(
            "window", "earned (TAO)", "avg stake (TAO)", "per 1000 TAO / day", "blocks covered")
        self.action_refresh()

    @work(thread=True, exclusive=True, group="emissions", exit_on_error=False)
    def action_refresh(self) -> None:
        earnings = self._service.earnings(self._coldkey) if self._coldkey else None
        self.post_message(self.Loaded(EmissionsData(self._service.subnet_series(), earnings)))

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        data = message.data
        width = max(40, self.size.width - 4)
        if data.earnings is not None and data.earnings.rows:
            per_block: dict[int, float] = {}
            for r in data.earnings.rows:  # display only: floats never leave the chart
                per_block[r.block] = per_block.get(r.block, 0.0) + float(r.earned_tao)
            text = chart("Earnings per epoch (TAO)", [("earned", list(per_block), list(per_block.values()))], width)
            self.query_one("#emissions-earnings", Static).update(Text.from_ansi(text))
        else:
            self.query_one("#emissions-earnings", Static).update(
                "No earnings recorded: sync with a watched coldkey (tao-wallet node --coldkey … sync).")
        table = self.query_one("#emissions-returns", DataTable)
        table.clear()
        for x in data.earnings.returns if data.earnings else ():
            rate = "-" if x.per_1000_tao_per_day is None else str(x.per_1000_tao_per_day)
            table.add_row(x.window, str(x.earned_tao), str(x.avg_stake_tao), rate, str(x.covered_blocks))
        price = [(f"sn{s.netuid}", list(s.blocks), [float(p) for p in s.price]) for s in data.series]
        divs = [(f"sn{s.netuid}", list(s.blocks), [float(d) for d in s.dividends_alpha]) for s in data.series]
        if data.series:
            self.query_one("#emissions-price", Static).update(
                Text.from_ansi(chart("Subnet price (TAO per alpha) at each epoch", price, width)))
            self.query_one("#emissions-dividends", Static).update(
                Text.from_ansi(chart("Validator emission per epoch (alpha)", divs, width)))
        else:
            self.query_one("#emissions-price", Static).update("No synced epochs yet.")
