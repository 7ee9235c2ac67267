"""TxStatusModal: a transaction's live progress (ready -> in block -> finalized) or its error in plain words."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from tao_wallet.models import TxStatusView
from tao_wallet.paths import ASSETS

PHASE_WORDS = {
    "signed": "Signed", "submitting": "Sending to the node", "in_pool": "Ready (in the node's pool)",
    "in_block": "In block", "finalized": "Finalized", "rejected": "Rejected by the node",
    "failed": "Failed on chain", "dropped": "Dropped", "unknown": "Outcome unknown",
}


def status_text(view: TxStatusView) -> str:
    """Multi-line text for a status: phase, block, fee, error with what to do next, events."""
    where = f" in block #{view.block_number}" if view.block_number is not None else ""
    phase = PHASE_WORDS.get(view.phase, view.phase)
    if view.success is False:
        phase = f"Failed ({phase.lower()}; only the fee was charged)"
    lines = [f"{phase}{where}", view.detail, f"tx {view.tx_hash}"]
    if view.fee is not None:
        lines.append(f"fee paid: {view.fee} TAO")
    if view.error:
        lines.append(f"Error: {view.error}")
    if view.hint:
        lines.append(f"What to do: {view.hint}")
    if view.phase == "unknown":
        lines.append("It is kept under Pending transactions (money menu, x) and re-checked when the connection "
                     "comes back; do not sign it again before that.")
    lines += [f"event {e.pallet}.{e.name}({e.fields})" for e in view.events]
    return "\n".join(lines)


class TxStatusModal(ModalScreen[TxStatusView | None]):
    """Follows one transaction; `show()` is called for each status update (from the UI thread)."""

    CSS_PATH = [str(ASSETS / "modals.tcss"), str(ASSETS / "tx_preview.tcss")]
    BINDINGS = [("escape", "close", "Close")]

    status: reactive[TxStatusView | None] = reactive(None)
    """Latest status; rendered by watch_status."""
    final: reactive[bool] = reactive(False)
    """True once nothing more will happen (the Close button is enabled)."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title")
            yield Static("Signing...", id="status-body", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Close", id="close", disabled=True)

    def show(self, view: TxStatusView, final: bool = False) -> None:
        """Display a new status."""
        self.status = view
        self.final = final

    def show_error(self, message: str, prefix: str = "Not sent: ") -> None:
        """Display a failure (by default one before anything reached the chain, e.g. wrong password)."""
        self.query_one("#status-body", Static).update(f"{prefix}{message}")
        self.final = True

    def watch_status(self, view: TxStatusView | None) -> None:
        if view is not None and self.is_mounted:
            body = self.query_one("#status-body", Static)
            body.update(status_text(view))
            body.set_class(view.success is False or view.phase in ("rejected", "dropped", "failed"), "error")

    def watch_final(self, final: bool) -> None:
        if self.is_mounted:
            self.query_one("#close", Button).disabled = not final

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(self.status)

    def action_close(self) -> None:
        if self.final:
            self.dismiss(self.status)
