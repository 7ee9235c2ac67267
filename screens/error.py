"""ErrorModal: shows one specific error message until dismissed."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from tao_wallet.paths import ASSETS


class ErrorModal(ModalScreen[None]):
    """A failed operation, with the service's specific message (never a secret)."""

    CSS_PATH = str(ASSETS / "modals.tcss")
    BINDINGS = [("escape", "dismiss_modal", "Close"), ("enter", "dismiss_modal", "Close")]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.error_title = title
        self.error_message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog error"):
            yield Label(self.error_title, classes="dialog-title")
            yield Static(self.error_message, id="error-message", markup=False)
            yield Button("OK", id="ok", variant="error")

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_dismiss_modal(self) -> None:
        self.dismiss(None)
