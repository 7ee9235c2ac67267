"""The Textual application: wiring only."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header

from tao_wallet.paths import ASSETS


class TaoWalletApp(App[None]):
    """tao-wallet's terminal UI."""

    CSS_PATH = str(ASSETS / "app.tcss")
    TITLE = "tao-wallet"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Footer()
