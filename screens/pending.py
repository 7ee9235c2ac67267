"""PendingScreen: transactions whose outcome a lost connection left unknown -- what is known, Re-check, Resend.

Each row shows the call, the hash and the last known state (submitted / in block #N / finalized / dropped
/ unknown). Re-check asks the chain (blocks since sending, the pool, the signer's nonce); Resend sends
the identical signed bytes again, offered only when the nonce is still unused, and only after a confirm.
The money menu re-checks by itself when the connection comes back and refreshes this screen.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header, Static

from screens.confirm import ConfirmModal
from tao_wallet.paths import ASSETS
from tao_wallet.services.errors import WalletError
from tao_wallet.services.money_session import MoneySession
from tao_wallet.services.pending import PendingTxView


def _short(tx_hash: str) -> str:
    return f"{tx_hash[:10]}…{tx_hash[-6:]}"


class PendingScreen(Screen[None]):
    """The pending transactions of the session's network."""

    CSS_PATH = str(ASSETS / "pending.tcss")
    BINDINGS = [("escape", "app.pop_screen", "Back"), ("r", "recheck", "Re-check"), ("s", "resend", "Resend")]

    views: reactive[tuple[PendingTxView, ...]] = reactive(())
    """What is known about each pending transaction (rendered by watch_views)."""
    busy: reactive[bool] = reactive(False)
    """True while a re-check or resend runs (the buttons are disabled)."""

    def __init__(self, session: MoneySession) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="pending"):
            yield Static("Transactions whose outcome was not known when the connection was lost.", id="intro")
            yield DataTable(id="pending-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="detail", markup=False)
            with Horizontal(id="pending-buttons"):
                yield Button("Re-check", id="recheck", variant="primary")
                yield Button("Resend", id="resend", disabled=True)
            yield Static("", id="status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#pending-table", DataTable)
        table.add_columns("State", "Hash", "Signer / nonce", "Call")
        self.reload()

    # --- data -----------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="pending-load", exit_on_error=False)
    def reload(self) -> None:
        """Read what is known from disk and this session (no network)."""
        views = tuple(self.session.pending())
        self.app.call_from_thread(self._set_views, views)

    def _set_views(self, views: tuple[PendingTxView, ...]) -> None:
        self.views = views

    def watch_views(self, views: tuple[PendingTxView, ...]) -> None:
        table = self.query_one("#pending-table", DataTable)
        row = table.cursor_row
        table.clear()
        for v in views:
            who = f"{v.signer[:8]}… / {v.nonce}" if v.signer else "?"
            call = v.summary or "(call not recorded)"
            call = call if len(call) <= 60 else call[:59] + "…"  # the whole call is in the detail box
            table.add_row(v.state_text(), _short(v.tx_hash), who, call, key=v.tx_hash)
        if views:
            table.move_cursor(row=min(max(row, 0), len(views) - 1))
        else:
            self.query_one("#detail", Static).update("No pending transactions: every transaction's outcome is known.")
        self._show_selected()

    def selected(self) -> PendingTxView | None:
        """The transaction under the cursor."""
        table = self.query_one("#pending-table", DataTable)
        if not self.views or table.cursor_row < 0 or table.cursor_row >= len(self.views):
            return None
        return self.views[table.cursor_row]

    @on(DataTable.RowHighlighted)
    def _show_selected(self) -> None:
        view = self.selected()
        resend = self.query_one("#resend", Button)
        resend.disabled = self.busy or view is None or view.resend_safe is not True
        if view is None:
            return
        lines = [f"{view.state_text()}: {view.detail}", f"tx {view.tx_hash}"]
        if view.summary:
            lines.insert(0, view.summary)
        if view.error:
            lines.append(f"Error: {view.error}")
        if view.hint:
            lines.append(f"What to do: {view.hint}")
        if view.resend_safe:
            lines.append("Its nonce is unused: re-sending the identical signed bytes is safe (executes at most once).")
        elif view.phase == "unknown" and view.resend_safe is False:
            lines.append("Not re-sendable: the signer's nonce is already used (this or another transaction went in).")
        self.query_one("#detail", Static).update("\n".join(lines))

    def watch_busy(self, busy: bool) -> None:
        self.query_one("#recheck", Button).disabled = busy
        self._show_selected()

    # --- actions --------------------------------------------------------------------------------------

    @on(Button.Pressed, "#recheck")
    def action_recheck(self) -> None:
        """Ask the chain about every pending transaction."""
        if not self.busy:
            self.busy = True
            self.query_one("#status", Static).update("Re-checking against the chain…")
            self._recheck(None, False)

    @on(Button.Pressed, "#resend")
    def action_resend(self) -> None:
        """Re-send the selected transaction after a confirm (only offered when its nonce is unused)."""
        view = self.selected()
        if self.busy or view is None or view.resend_safe is not True:
            return
        question = (f"Send again the identical signed transaction {_short(view.tx_hash)}?\n{view.summary}\n"
                    "It uses the same nonce, so it can execute at most once.")

        def answered(yes: bool | None) -> None:
            if yes:
                self.busy = True
                self.query_one("#status", Static).update("Re-sending…")
                self._recheck(view.tx_hash, True)
            else:
                self.query_one("#status", Static).update("Not re-sent.")

        self.app.push_screen(ConfirmModal("Resend transaction", question, yes="Resend", no="Cancel"), answered)

    @work(thread=True, group="pending-recheck", exit_on_error=False)  # never exclusive: may re-send
    def _recheck(self, tx_hash: str | None, resend: bool) -> None:
        try:
            done = self.session.recheck_pending(tx_hash, resend=resend)
            text = (f"Re-checked {len(done)} transaction(s)." if done else "Nothing left to re-check.")
        except WalletError as exc:
            text = f"Re-check failed: {exc.message} (the transactions stay pending)"
        except Exception as exc:  # a bug must show, not leave the screen busy
            text = f"Unexpected error ({type(exc).__name__}): {exc}"
        self.app.call_from_thread(self._rechecked, text)

    def _rechecked(self, text: str) -> None:
        self.busy = False
        self.query_one("#status", Static).update(text)
        self.reload()
