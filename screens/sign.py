"""SignModal: which key signs which message."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select

from screens.form import FormModal

COLDKEY = "__coldkey__"


@dataclass(frozen=True)
class SignRequest:
    """Which key signs which message; ``password`` is None when the key needs none (or is unlocked)."""

    message: str
    hotkey: str | None
    password: str | None = field(repr=False)


class SignModal(FormModal):
    """Message, signing key (coldkey or a hotkey) and, if needed, its password."""

    def __init__(
        self, wallet: str, hotkeys: list[str], *, coldkey_unlocked: bool, watch_only: bool, selected: str | None = None
    ) -> None:
        super().__init__()
        self._selected = selected if selected in hotkeys else None
        self._wallet = wallet
        self._hotkeys = hotkeys
        self._unlocked = coldkey_unlocked
        self._watch_only = watch_only

    def compose(self) -> ComposeResult:
        keys = [] if self._watch_only else [("coldkey" + (" (unlocked)" if self._unlocked else ""), COLDKEY)]
        keys += [(f"hotkey {name}", name) for name in self._hotkeys]
        with Vertical(classes="dialog"):
            yield Label(f"Sign a message with wallet {self._wallet!r}", classes="dialog-title")
            yield Input(placeholder="message (0x-hex is signed as raw bytes)", id="message")
            first = self._selected or (keys[0][1] if keys else Select.NULL)
            yield Select(keys, value=first, allow_blank=not keys, id="key")
            yield Input(placeholder="password (leave empty if unlocked or unencrypted)", password=True, id="password")
            yield Label("", id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Sign", id="ok", variant="primary")
                yield Button("Cancel", id="cancel")

    def _submit(self) -> None:
        message = self.query_one("#message", Input).value
        key = self.query_one("#key", Select).value
        if not message:
            self.query_one("#problem", Label).update("Enter a message.")
            return
        if key is Select.NULL:
            self.query_one("#problem", Label).update("This wallet has no key that can sign.")
            return
        password = self.query_one("#password", Input).value or None
        self.dismiss(SignRequest(message, None if key == COLDKEY else str(key), password))
