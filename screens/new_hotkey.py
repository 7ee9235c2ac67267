"""NewHotkeyModal: the name of a hotkey to create for the selected wallet."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from tao_wallet.paths import ASSETS


class NewHotkeyModal(ModalScreen[str | None]):
    """Returns the new hotkey's name (hotkeys are stored unencrypted, as btcli does)."""

    CSS_PATH = str(ASSETS / "modals.tcss")
    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, wallet: str, existing: frozenset[str]) -> None:
        super().__init__()
        self._wallet = wallet
        self._existing = existing

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"New hotkey for {self._wallet!r}", classes="dialog-title")
            yield Input(value="default" if "default" not in self._existing else "", placeholder="hotkey name", id="name")
            yield Label("", id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Create", id="ok", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def _submit(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        if not name:
            self.query_one("#problem", Label).update("Enter a hotkey name.")
        elif name in self._existing:
            self.query_one("#problem", Label).update(f"Hotkey {name!r} already exists.")
        else:
            self.dismiss(name)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None) if event.button.id == "cancel" else self._submit()

    def action_cancel(self) -> None:
        self.dismiss(None)
