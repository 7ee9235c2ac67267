"""TransferScreen: send TAO (keep-alive / allow-death / all) with the chain's fee in the preview."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Button, Footer, Header, Input, Label, Select, Static

from screens.widgets.tx_flow import TxFlow
from tao_wallet.models import TxStatusView
from tao_wallet.paths import ASSETS
from tao_wallet.services.money_session import MoneySession

MODES = [("Keep the account alive", "keep_alive"), ("Allow closing the account", "allow_death"),
         ("Send everything", "all")]


class TransferScreen(TxFlow):
    """Destination (address or address-book name), amount, mode, password; then preview -> confirm -> status."""

    CSS_PATH = str(ASSETS / "stake.tcss")
    BINDINGS = [("escape", "app.pop_screen", "Back")]

    def __init__(self, session: MoneySession, wallet: str) -> None:
        super().__init__()
        self.session = session
        self.wallet = wallet

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="stake-form"):
            yield Label(f"Transfer from wallet {self.wallet}")
            yield Input(placeholder="destination (SS58 or address-book name)", id="dest")
            yield Input(placeholder="amount in TAO", id="amount")
            yield Select(MODES, value="keep_alive", allow_blank=False, id="mode")
            yield Input(placeholder="wallet password (empty if unencrypted)", password=True, id="password")
            yield Static("", id="error", markup=False)
            yield Button("Preview", id="preview", variant="primary")
        yield Footer()

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    @on(Button.Pressed, "#preview")
    def _preview(self) -> None:
        self.start_tx("Transfer", self._prepare, self._send)

    def _prepare(self) -> Any:
        mode = str(self.query_one("#mode", Select).value)
        amount = None if mode == "all" else self._value("amount")
        return self.session.transfers.prepare(self.session.coldkey_address(self.wallet), self._value("dest"),
                                              amount, mode)

    def _send(self, prepared: Any, on_status: Any) -> TxStatusView:
        return self.session.send(self.session.transfers, prepared, self.wallet, self._value("password"), on_status)
