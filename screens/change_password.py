"""ChangePasswordModal: current password, then the new one twice."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from screens.form import FormModal


@dataclass(frozen=True)
class ChangePasswordRequest:
    """Old and new password for a keyfile."""

    old: str = field(repr=False)
    new: str = field(repr=False)


class ChangePasswordModal(FormModal):
    """Old password, new password twice."""

    def __init__(self, wallet: str) -> None:
        super().__init__()
        self._wallet = wallet

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Change coldkey password of {self._wallet!r}", classes="dialog-title")
            yield Input(placeholder="current password", password=True, id="old")
            yield Input(placeholder="new password", password=True, id="new")
            yield Input(placeholder="repeat new password", password=True, id="confirm")
            yield Label("", id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Change", id="ok", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        inputs = list(self.query(Input))
        index = inputs.index(event.input)
        if index + 1 < len(inputs):
            inputs[index + 1].focus()
        else:
            self._submit()

    def _submit(self) -> None:
        old = self.query_one("#old", Input).value
        new = self.query_one("#new", Input).value
        if not old:
            self._problem("Enter the current password.")
        elif not new:
            self._problem("Enter a new password.")
        elif new != self.query_one("#confirm", Input).value:
            self._problem("The two new passwords differ.")
        else:
            self.dismiss(ChangePasswordRequest(old, new))
