"""VerifyModal: address, message and signature to check."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from screens.form import FormModal


@dataclass(frozen=True)
class VerifyRequest:
    """A signature to check."""

    address: str
    message: str
    signature: str


class VerifyModal(FormModal):
    """Address (pre-filled with the selection), message and signature."""

    def __init__(self, address: str = "") -> None:
        super().__init__()
        self._address = address

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Verify a signature", classes="dialog-title")
            yield Input(value=self._address, placeholder="signer's SS58 address", id="address")
            yield Input(placeholder="message", id="message")
            yield Input(placeholder="signature (0x + 128 hex characters)", id="signature")
            yield Label("", id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Verify", id="ok", variant="primary")
                yield Button("Cancel", id="cancel")

    def _submit(self) -> None:
        values = {k: self.query_one(f"#{k}", Input).value.strip() for k in ("address", "message", "signature")}
        missing = [k for k, v in values.items() if not v]
        if missing:
            self.query_one("#problem", Label).update(f"Enter the {missing[0]}.")
            return
        self.dismiss(VerifyRequest(values["address"], self.query_one("#message", Input).value, values["signature"]))
