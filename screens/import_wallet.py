"""ImportWalletModal: a wallet from a mnemonic, a seed, a polkadot-js JSON backup, or a watch-only address."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select

from screens.create_wallet import CRYPTO_CHOICES
from screens.form import SubmitOrCancel
from tao_wallet.paths import ASSETS

KINDS = [
    ("Mnemonic phrase", "mnemonic"),
    ("Seed (hex)", "seed"),
    ("polkadot-js JSON backup file", "json"),
    ("Watch-only address", "watch"),
]
_SECRET_HINT = {
    "mnemonic": "mnemonic words, separated by spaces",
    "seed": "seed: 0x + 64 hex characters",
    "json": "path of the JSON backup file",
    "watch": "SS58 address (starts with 5)",
}


@dataclass(frozen=True)
class ImportRequest:
    """One import; ``secret`` is the mnemonic, seed, file path or address depending on ``kind``."""

    kind: str
    name: str
    secret: str = field(repr=False)
    password: str | None = field(repr=False)
    backup_passphrase: str = field(default="", repr=False)
    crypto_type: str = "sr25519"
    overwrite: bool = False


class ImportWalletModal(SubmitOrCancel, ModalScreen[ImportRequest | None]):
    """Form whose fields follow the chosen kind of import."""

    CSS_PATH = str(ASSETS / "modals.tcss")
    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, kind: str = "mnemonic", crypto_type: str = "sr25519") -> None:
        super().__init__()
        self._kind = kind
        self._crypto = crypto_type

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Import wallet", classes="dialog-title")
            yield Select(KINDS, value=self._kind, allow_blank=False, id="kind")
            yield Input(placeholder="wallet name", id="name")
            yield Input(placeholder=_SECRET_HINT[self._kind], password=self._kind in ("mnemonic", "seed"), id="secret")
            yield Input(placeholder="JSON backup password", password=True, id="backup-pass")
            yield Input(placeholder="new password for the coldkey", password=True, id="password")
            yield Input(placeholder="repeat password", password=True, id="confirm")
            yield Select(CRYPTO_CHOICES, value=self._crypto, allow_blank=False, id="crypto")
            yield Checkbox("Overwrite an existing coldkey (a backup copy is kept)", id="overwrite")
            yield Label("", id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Import", id="ok", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self._show_fields(self._kind)
        self.query_one("#name", Input).focus()

    def _show_fields(self, kind: str) -> None:
        self._kind = kind
        secret = self.query_one("#secret", Input)
        secret.placeholder = _SECRET_HINT[kind]
        secret.password = kind in ("mnemonic", "seed")
        self.query_one("#backup-pass").display = kind == "json"
        self.query_one("#password").display = kind != "watch"
        self.query_one("#confirm").display = kind != "watch"
        self.query_one("#crypto").display = kind in ("mnemonic", "seed")

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "kind" and event.value is not Select.NULL:
            self._show_fields(str(event.value))

    def _value(self, selector: str) -> str:
        return self.query_one(selector, Input).value

    def _submit(self) -> None:
        name = self._value("#name").strip()
        secret = self._value("#secret").strip()
        password = self._value("#password")
        problem = None
        if not name:
            problem = "Enter a wallet name."
        elif not secret:
            problem = f"Enter the {_SECRET_HINT[self._kind].split(',')[0]}."
        elif self._kind != "watch" and not password:
            problem = "Enter a password to encrypt the imported coldkey."
        elif self._kind != "watch" and password != self._value("#confirm"):
            problem = "The two passwords differ."
        if problem:
            self.query_one("#problem", Label).update(problem)
            return
        self.dismiss(
            ImportRequest(
                kind=self._kind,
                name=name,
                secret=secret,
                password=None if self._kind == "watch" else password,
                backup_passphrase=self._value("#backup-pass"),
                crypto_type=str(self.query_one("#crypto", Select).value),
                overwrite=self.query_one("#overwrite", Checkbox).value,
            )
        )
