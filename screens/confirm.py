"""ConfirmModal: a yes/no question; returns True for yes."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from tao_wallet.paths import ASSETS


class ConfirmModal(ModalScreen[bool]):
    """Asks ``question``; escape means no."""

    CSS_PATH = str(ASSETS / "modals.tcss")
    BINDINGS = [("escape", "no", "No")]

    def __init__(self, title: str, question: str, yes: str = "Yes", no: str = "Not now") -> None:
        super().__init__()
        self._title = title
        self._question = question
        self._yes = yes
        self._no = no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title")
            yield Static(self._question, markup=False)
            with Horizontal(classes="buttons"):
                yield Button(self._yes, id="yes", variant="primary")
                yield Button(self._no, id="no")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_no(self) -> None:
        self.dismiss(False)
