"""TxPreviewModal: what a transaction will do (call, amounts, fee from the chain, quote, destination); confirm or not."""

from __future__ import annotations

from decimal import Decimal

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from tao_wallet.models import TransferPreview, TxPreviewView
from tao_wallet.paths import ASSETS


def _tao(value: Decimal) -> str:
    text = f"{value:.9f}".rstrip("0").rstrip(".")
    return f"{text} TAO"


def preview_lines(preview: TxPreviewView | TransferPreview) -> list[str]:
    """The rows shown for a staking/registration preview or a transfer preview."""
    if isinstance(preview, TransferPreview):
        rows = [f"Transfer {_tao(preview.amount)}", f"Network:     {preview.network}", f"From:        {preview.sender}",
                f"To:          {preview.dest}" + (f" ({preview.dest_label})" if preview.dest_label else ""),
                f"Mode:        {preview.mode.replace('_', '-')}"]
    else:
        rows = [preview.action, f"Network:     {preview.network}", f"Signer:      {preview.signer}",
                f"Destination: {preview.destination}"]
        rows += [f"{(label + ':').ljust(12)} {value}" for label, value in preview.details]
    rows += [f"Fee:         {_tao(preview.fee)} (from the chain)", f"Call:        {preview.call}"]
    rows += [f"Warning:     {w}" for w in preview.warnings]
    return rows


class TxPreviewModal(ModalScreen[bool]):
    """Shows the preview; returns True only when the user presses Confirm."""

    CSS_PATH = [str(ASSETS / "modals.tcss"), str(ASSETS / "tx_preview.tcss")]
    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, preview: TxPreviewView | TransferPreview) -> None:
        super().__init__()
        self.preview = preview

    def compose(self) -> ComposeResult:
        lines = preview_lines(self.preview)
        with Vertical(classes="dialog"):
            yield Label(lines[0], classes="dialog-title")
            yield Static("\n".join(lines[1:]), id="preview-body", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Confirm and sign", id="confirm", variant="warning")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()  # the safe choice has the focus

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm")

    def action_cancel(self) -> None:
        self.dismiss(False)
