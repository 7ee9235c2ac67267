"""CreateWalletModal: name, password (twice), mnemonic length and scheme for a new wallet."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from screens.form import SubmitOrCancel
from tao_wallet.paths import ASSETS

WORD_CHOICES = [(f"{n} words", n) for n in (12, 15, 18, 21, 24)]
CRYPTO_CHOICES = [("sr25519 (Bittensor default)", "sr25519"), ("ed25519", "ed25519")]


@dataclass(frozen=True)
class CreateWalletRequest:
    """What the user asked for; the password never leaves the app."""

    name: str
    password: str = field(repr=False)
    words: int
    crypto_type: str


class CreateWalletModal(SubmitOrCancel, ModalScreen[CreateWalletRequest | None]):
    """Collects a new wallet's settings; validates them before closing."""

    CSS_PATH = str(ASSETS / "modals.tcss")
    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, words: int = 12, crypto_type: str = "sr25519", existing: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self._words = words
        self._crypto = crypto_type
        self._existing = existing

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Create wallet", classes="dialog-title")
            yield Input(placeholder="wallet name, e.g. default", id="name")
            yield Input(placeholder="password", password=True, id="password")
            yield Input(placeholder="repeat password", password=True, id="confirm")
            with Horizontal(classes="row"):
                yield Select(WORD_CHOICES, value=self._words, allow_blank=False, id="words")
                yield Select(CRYPTO_CHOICES, value=self._crypto, allow_blank=False, id="crypto")
            yield Label("", id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Create", id="ok", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def _problem(self, name: str, password: str, confirm: str) -> str | None:
        if not name:
            return "Enter a wallet name."
        if name in self._existing:
            return f"A wallet named {name!r} already exists: pick another name (or import to overwrite)."
        if not password:
            return "Enter a password: it encrypts the coldkey on disk."
        if password != confirm:
            return "The two passwords differ."
        return None

    def _submit(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        password = self.query_one("#password", Input).value
        confirm = self.query_one("#confirm", Input).value
        problem = self._problem(name, password, confirm)
        if problem:
            self.query_one("#problem", Label).update(problem)
            return
        words = self.query_one("#words", Select).value
        crypto = self.query_one("#crypto", Select).value
        self.dismiss(CreateWalletRequest(name, password, int(str(words)), str(crypto)))
