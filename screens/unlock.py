"""UnlockModal: the coldkey password, how long to keep the key unlocked, and opt-in keyring."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Select

from screens.form import FormModal

KEEP_CHOICES = [("Don't keep (ask every time)", 0), ("1 minute", 60), ("5 minutes", 300), ("15 minutes", 900)]


@dataclass(frozen=True)
class UnlockRequest:
    """Password plus how long to keep the unlocked key and whether to remember the password."""

    password: str = field(repr=False)
    keep_seconds: int = 0
    remember: bool = False


class UnlockModal(FormModal):
    """Asks for the coldkey password of ``wallet``."""

    def __init__(self, wallet: str, *, keep_seconds: int = 0, keyring: bool = False) -> None:
        super().__init__()
        self._wallet = wallet
        self._keep = keep_seconds if keep_seconds in dict((v, k) for k, v in KEEP_CHOICES) else 0
        self._keyring = keyring

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Unlock coldkey of {self._wallet!r}", classes="dialog-title")
            yield Input(placeholder="password", password=True, id="password")
            yield Label("Keep the unlocked key in memory:")
            yield Select(KEEP_CHOICES, value=self._keep, allow_blank=False, id="keep")
            if self._keyring:
                yield Checkbox("Remember the password in the OS keyring", id="remember")
            yield Label("Unlocking takes about 3 seconds (argon2).", classes="hint")
            yield Label("", id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Unlock", id="ok", variant="primary")
                yield Button("Cancel", id="cancel")

    def _submit(self) -> None:
        password = self.query_one("#password", Input).value
        if not password:
            self._problem("Enter the password.")
            return
        remember = self._keyring and self.query_one("#remember", Checkbox).value
        keep = int(str(self.query_one("#keep", Select).value))
        self.dismiss(UnlockRequest(password, keep, remember))
