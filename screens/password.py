"""Password dialogs: UnlockModal (with optional keep-unlocked time and keyring) and ChangePasswordModal."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select

from tao_wallet.paths import ASSETS

KEEP_CHOICES = [("Don't keep (ask every time)", 0), ("1 minute", 60), ("5 minutes", 300), ("15 minutes", 900)]


@dataclass(frozen=True)
class UnlockRequest:
    """Password plus how long to keep the unlocked key and whether to remember the password."""

    password: str = field(repr=False)
    keep_seconds: int = 0
    remember: bool = False


@dataclass(frozen=True)
class ChangePasswordRequest:
    """Old and new password for a keyfile."""

    old: str = field(repr=False)
    new: str = field(repr=False)


class _PasswordForm(ModalScreen[object]):
    """Shared cancel/submit plumbing."""

    CSS_PATH = str(ASSETS / "modals.tcss")
    BINDINGS = [("escape", "cancel", "Cancel")]

    def _submit(self) -> None:
        raise NotImplementedError

    def on_mount(self) -> None:
        self.query(Input).first().focus()

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

    def _problem(self, text: str) -> None:
        self.query_one("#problem", Label).update(text)


class UnlockModal(_PasswordForm):
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


class ChangePasswordModal(_PasswordForm):
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
