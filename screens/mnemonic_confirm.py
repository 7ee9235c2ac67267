"""MnemonicConfirmModal: the user proves they wrote the mnemonic down by re-typing some words."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from tao_wallet.paths import ASSETS


class MnemonicConfirmModal(ModalScreen[bool]):
    """Asks for a few words by position. Returns True only when all match; False on cancel."""

    CSS_PATH = str(ASSETS / "modals.tcss")
    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, mnemonic: str, positions: list[int]) -> None:
        super().__init__()
        self._words = mnemonic.split()
        self.positions = sorted(positions)
        """1-based word positions the user must re-type."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Confirm your mnemonic", classes="dialog-title")
            yield Static("Type these words from the phrase you wrote down:")
            for position in self.positions:
                yield Input(placeholder=f"word #{position}", id=f"word-{position}")
            yield Label("", id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Confirm", id="ok", variant="primary")
                yield Button("Back to words", id="back")

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    def _check(self) -> None:
        wrong = [
            p for p in self.positions
            if self.query_one(f"#word-{p}", Input).value.strip().lower() != self._words[p - 1]
        ]
        if wrong:
            self.query_one("#problem", Label).update(
                "Word " + ", ".join(f"#{p}" for p in wrong) + " does not match. Check what you wrote down."
            )
            return
        self.dismiss(True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        inputs = list(self.query(Input))
        index = inputs.index(event.input)
        if index + 1 < len(inputs):
            inputs[index + 1].focus()
        else:
            self._check()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self._check()
        else:
            self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)
