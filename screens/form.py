"""Shared plumbing of the small form dialogs: focus the first input, enter submits, escape cancels."""

from __future__ import annotations

from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from tao_wallet.paths import ASSETS


class SubmitOrCancel:
    """Enter or OK submits, Cancel or Escape closes with None: the keys every form dialog shares.

    A mixin placed before ``ModalScreen`` (Textual dispatches handlers through the whole MRO);
    the dialog supplies ``_submit`` and ModalScreen supplies ``dismiss``.
    """

    def _submit(self) -> None:
        raise NotImplementedError

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self._submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class FormModal(SubmitOrCancel, ModalScreen[object]):
    """Subclasses implement ``_submit`` and dismiss with their request (None = cancelled)."""

    CSS_PATH = str(ASSETS / "modals.tcss")
    BINDINGS = [("escape", "cancel", "Cancel")]

    def _submit(self) -> None:
        raise NotImplementedError

    def on_mount(self) -> None:
        self.query(Input).first().focus()


    def _problem(self, text: str) -> None:
        """Explain what to fix, in the dialog's ``#problem`` label."""
        self.query_one("#problem", Label).update(text)
