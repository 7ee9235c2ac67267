"""SignModal, SignatureModal and VerifyModal: message signing and checking."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from tao_wallet.models import SignedMessage
from tao_wallet.paths import ASSETS

COLDKEY = "__coldkey__"


@dataclass(frozen=True)
class SignRequest:
    """Which key signs which message; ``password`` is None when the key needs none (or is unlocked)."""

    message: str
    hotkey: str | None
    password: str | None = field(repr=False)


@dataclass(frozen=True)
class VerifyRequest:
    """A signature to check."""

    address: str
    message: str
    signature: str


class _Form(ModalScreen[object]):
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


class SignModal(_Form):
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


class SignatureModal(ModalScreen[None]):
    """Shows a signature, with a button that copies it."""

    CSS_PATH = str(ASSETS / "modals.tcss")
    BINDINGS = [("escape", "close", "Close")]

    def __init__(self, signed: SignedMessage) -> None:
        super().__init__()
        self.signed = signed

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Signature", classes="dialog-title")
            yield Static(f"Signer: {self.signed.address} ({self.signed.crypto_type})", markup=False)
            yield Static(f"Message: {self.signed.message}", markup=False)
            yield Static(self.signed.signature, id="signature", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Copy signature", id="copy", variant="primary")
                yield Button("Close", id="close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "copy":
            self.app.copy_to_clipboard(self.signed.signature)
            self.notify("Signature copied to the clipboard")
        else:
            self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)


class VerifyModal(_Form):
    """Address (pre-filled with the selection), message and signature."""

    def __init__(self, address: str = "") -> None:
        super().__init__()
        self._address = address

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Verify a signature", classes="dialog-title")
            yield Input(value=self._address, placeholder="signer's SS58 address", id="address")
            yield Input(placeholder="message", id="message")
            yield Input(placeholder="signature (0x + 128 hex characters)", id="signature")
            yield Label("", id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Verify", id="ok", variant="primary")
                yield Button("Cancel", id="cancel")

    def _submit(self) -> None:
        values = {k: self.query_one(f"#{k}", Input).value.strip() for k in ("address", "message", "signature")}
        missing = [k for k, v in values.items() if not v]
        if missing:
            self.query_one("#problem", Label).update(f"Enter the {missing[0]}.")
            return
        self.dismiss(VerifyRequest(values["address"], self.query_one("#message", Input).value, values["signature"]))
