"""TxFlow: the one way screens run a transaction: prepare (worker) -> preview -> confirm -> sign+submit (worker)
-> live status. Screens mix it in and pass two callables that call services; nothing here knows the chain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import work
from textual.screen import Screen
from textual.widgets import Static

from screens.tx_preview import TxPreviewModal
from screens.tx_status import TxStatusModal
from tao_wallet.models import TxStatusView
from tao_wallet.services.errors import WalletError

Prepare = Callable[[], Any]
Send = Callable[[Any, Callable[[TxStatusView], None]], TxStatusView]

_FINAL = ("finalized", "failed", "rejected", "dropped", "unknown")


def _unexpected(exc: Exception) -> str:
    return (f"Unexpected error ({type(exc).__name__}): {exc}. If it was sent, check the account's history "
            "before retrying.")


class TxFlow(Screen[None]):
    """Base for money screens: `start_tx(title, prepare, send)`; errors go to a `#error` Static if present."""

    last_status: TxStatusView | None = None
    """The final status of the last transaction (tests read it)."""
    last_prepared: Any = None

    def show_error(self, message: str) -> None:
        """Show a refusal in plain words on the screen."""
        for widget in self.query("#error").results(Static):
            widget.update(message)
            widget.display = bool(message)

    def start_tx(self, title: str, prepare: Prepare, send: Send) -> None:
        """Prepare in a worker, then ask for confirmation."""
        self.show_error("")
        self._prepare_worker(title, prepare, send)

    @work(thread=True, group="tx-prepare", exit_on_error=False)
    def _prepare_worker(self, title: str, prepare: Prepare, send: Send) -> None:
        try:
            prepared = prepare()
        except WalletError as exc:
            self.app.call_from_thread(self.show_error, exc.message)
            return
        except Exception as exc:  # a bug must show on screen, not leave the form silently idle
            self.app.call_from_thread(self.show_error, _unexpected(exc))
            return
        self.app.call_from_thread(self._ask, title, prepared, send)

    def _ask(self, title: str, prepared: Any, send: Send) -> None:
        self.last_prepared = prepared

        def confirmed(ok: bool | None) -> None:
            if ok:
                modal = TxStatusModal(title)
                self.app.push_screen(modal)
                self._send_worker(modal, prepared, send)
            else:
                self.show_error("Cancelled: nothing was signed.")

        self.app.push_screen(TxPreviewModal(prepared.preview), confirmed)

    @work(thread=True, group="tx-send", exit_on_error=False)  # never exclusive: a signed tx is never replaced
    def _send_worker(self, modal: TxStatusModal, prepared: Any, send: Send) -> None:
        def on_status(view: TxStatusView) -> None:
            self.app.call_from_thread(modal.show, view, False)

        try:
            final = send(prepared, on_status)
        except WalletError as exc:
            self.app.call_from_thread(modal.show_error, exc.message)
            self.app.call_from_thread(self.show_error, exc.message)
            return
        except Exception as exc:  # never leave the status modal waiting forever
            message = _unexpected(exc)
            self.app.call_from_thread(modal.show_error, message, "")
            self.app.call_from_thread(self.show_error, message)
            return
        self.last_status = final
        self.app.call_from_thread(modal.show, final, True)
        self.app.call_from_thread(self.tx_done, final)

    def tx_done(self, view: TxStatusView) -> None:
        """Hook: a transaction reached its final state (screens refresh their data here)."""
