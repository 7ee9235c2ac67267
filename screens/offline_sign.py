"""OfflineSignScreen: air-gapped signing through files: load unsigned.json, check and show the decoded call,
confirm, write signed.json (no network needed); on the online machine, submit signed.json and follow it."""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Header, Input, Label, Static

from screens.tx_status import TxStatusModal
from tao_wallet.models import TxStatusView
from tao_wallet.paths import ASSETS
from tao_wallet.services.errors import WalletError
from tao_wallet.services.money_session import MoneySession


class SignConfirmModal(ModalScreen[bool]):
    """Shows the decoded call of an offline document; True only on "Sign"."""

    CSS_PATH = [str(ASSETS / "modals.tcss"), str(ASSETS / "tx_preview.tcss")]
    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, description: str) -> None:
        super().__init__()
        self.description = description

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Sign this transaction?", classes="dialog-title")
            yield Static(self.description, id="preview-body", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Sign", id="confirm", variant="warning")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm")

    def action_cancel(self) -> None:
        self.dismiss(False)


class OfflineSignScreen(Screen[None]):
    """Sign: unsigned path -> Load (checked offline, decoded call shown) -> Sign (confirm) -> signed path written.
    Submit: signed path -> Submit -> live status."""

    CSS_PATH = str(ASSETS / "stake.tcss")
    BINDINGS = [("escape", "app.pop_screen", "Back")]

    def __init__(self, session: MoneySession, wallet: str) -> None:
        super().__init__()
        self.session = session
        self.wallet = wallet
        self.last_status: TxStatusView | None = None
        self.signed_path: Path | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="stake-form"):
            yield Label(f"Offline signing with wallet {self.wallet}")
            yield Input(placeholder="unsigned.json path", id="unsigned")
            yield Input(placeholder="signed.json path to write", id="signed")
            yield Input(placeholder="wallet password (empty if unencrypted)", password=True, id="password")
            yield Static("", id="quote", markup=False)
            yield Static("", id="error", markup=False)
            with Horizontal(id="limit-row"):
                yield Button("Load and check", id="load")
                yield Button("Sign", id="sign", variant="warning")
                yield Button("Submit signed file", id="submit", variant="primary")
        yield Footer()

    def _path(self, widget_id: str) -> Path:
        return Path(self.query_one(f"#{widget_id}", Input).value.strip()).expanduser()

    def _error(self, message: str) -> None:
        self.query_one("#error", Static).update(message)

    @on(Button.Pressed, "#load")
    def _load(self) -> None:
        self._describe(self._path("unsigned"), then_sign=False)

    @on(Button.Pressed, "#sign")
    def _sign(self) -> None:
        self._describe(self._path("unsigned"), then_sign=True)

    @work(thread=True, group="offline", exit_on_error=False)
    def _describe(self, path: Path, then_sign: bool) -> None:
        try:
            text = self.session.describe_file(path)
        except WalletError as exc:
            self.app.call_from_thread(self._error, exc.message)
            return
        self.app.call_from_thread(self._described, text, then_sign)

    def _described(self, text: str, then_sign: bool) -> None:
        self._error("")
        self.query_one("#quote", Static).update(text)
        if then_sign:
            def answer(ok: bool | None) -> None:
                if ok:
                    self._sign_worker(self._path("unsigned"), self._path("signed"))
                else:
                    self._error("Cancelled: nothing was signed.")

            self.app.push_screen(SignConfirmModal(text), answer)

    @work(thread=True, group="offline", exit_on_error=False)
    def _sign_worker(self, unsigned: Path, signed: Path) -> None:
        password = self.query_one("#password", Input).value
        try:
            self.session.sign_file(unsigned, signed, self.wallet, password)
        except (WalletError, OSError) as exc:
            self.app.call_from_thread(self._error, getattr(exc, "message", str(exc)))
            return
        self.signed_path = signed
        self.app.call_from_thread(self.query_one("#quote", Static).update, f"Signed: wrote {signed}")

    @on(Button.Pressed, "#submit")
    def _submit(self) -> None:
        modal = TxStatusModal("Submitting signed transaction")
        self.app.push_screen(modal)
        self._submit_worker(modal, self._path("signed"))

    @work(thread=True, group="offline-submit", exit_on_error=False)
    def _submit_worker(self, modal: TxStatusModal, path: Path) -> None:
        def on_status(view: TxStatusView) -> None:
            self.app.call_from_thread(modal.show, view, False)

        try:
            final = self.session.submit_file(path, on_status)
        except WalletError as exc:
            self.app.call_from_thread(modal.show_error, exc.message)
            self.app.call_from_thread(self._error, exc.message)
            return
        self.last_status = final
        self.app.call_from_thread(modal.show, final, True)
