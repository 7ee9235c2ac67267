"""SignatureModal: shows a signature, with a button that copies it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from tao_wallet.paths import ASSETS
from tao_wallet.wallet_models import SignedMessage


class SignatureModal(ModalScreen[None]):
    """Shows a signature, with a button that copies it."""

    CSS_PATH = str(ASSETS / "modals.tcss")
    BINDINGS = [("escape", "close", "Close")]

    def __init__(self, signed: SignedMessage) -> None:
        super().__init__()
        self.signed = signed

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Signature", classes="dialog-title")
            yield Static(f"Signer: {self.signed.address} ({self.signed.crypto_type})", markup=False)
            yield Static(f"Message: {self.signed.message}", markup=False)
            yield Static(self.signed.signature, id="signature", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Copy signature", id="copy", variant="primary")
                yield Button("Close", id="close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "copy":
            self.app.copy_to_clipboard(self.signed.signature)
            self.notify("Signature copied to the clipboard")
        else:
            self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
