"""Showing a new mnemonic exactly once, and making the user prove they wrote it down."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

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
