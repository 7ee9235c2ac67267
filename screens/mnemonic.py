"""MnemonicModal: a new mnemonic, shown exactly once."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from tao_wallet.paths import ASSETS


class MnemonicModal(ModalScreen[bool]):
    """Displays the mnemonic words numbered. Returns True when the user says they wrote them down."""

    CSS_PATH = str(ASSETS / "modals.tcss")
    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, mnemonic: str, *, title: str, address: str | None = None, cancellable: bool = True) -> None:
        super().__init__()
        self.words = mnemonic.split()
        self._title = title
        self._address = address
        self._cancellable = cancellable

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog mnemonic"):
            yield Label(self._title, classes="dialog-title")
            yield Static(
                "Write these words down, in order, and keep them offline. They are the only way to "
                "recover this key, and they will not be shown again.",
                classes="warning",
            )
            if self._address:
                yield Label(f"Address: {self._address}", id="new-address")
            with Grid(id="words"):
                for number, word in enumerate(self.words, start=1):
                    yield Label(f"{number:>2}. {word}", classes="word")
            with Horizontal(classes="buttons"):
                yield Button("I have written them down", id="ok", variant="primary")
                if self._cancellable:
                    yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "ok")

    def action_cancel(self) -> None:
        if self._cancellable:
            self.dismiss(False)
