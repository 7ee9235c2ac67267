"""PowRegisterScreen: register a hotkey by proof of work, with live progress and a Cancel that stops
every solver process."""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, ProgressBar, Static

from tao_wallet.paths import ASSETS
from tao_wallet.services.errors import WalletError
from tao_wallet.services.pow import PowRegisterService, SolverProgress, hotkey_signer
from tao_wallet.services.wallets import WalletService

logger = logging.getLogger(__name__)


def progress_text(p: SolverProgress) -> str:
    """`123.4k H/s x2 · 1.2M hashes · 12.3 s · block #42 · difficulty 10,000,000`."""
    rate = f"{p.hash_rate / 1000:.1f}k" if p.hash_rate >= 1000 else f"{p.hash_rate:.0f}"
    return (f"{rate} H/s x{p.processes} · {p.hashes:,} hashes · {p.elapsed:.1f} s · block #{p.block_number} · "
            f"difficulty {p.difficulty:,}")


class PowRegisterScreen(Screen[None]):
    """Solve and submit a PoW registration.

    Args:
        wallets: for the hotkey signer and the coldkey address.
        service: builds the `PowRegisterService` for the app's network (called in the worker thread).
        wallet: preselected wallet name.
    """

    CSS_PATH = str(ASSETS / "pow_register.tcss")
    BINDINGS = [Binding("escape", "leave", "Back")]

    class Progress(Message):
        """A solver progress report (only the newest one matters)."""

        def __init__(self, progress: SolverProgress) -> None:
            super().__init__()
            self.progress = progress

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, PowRegisterScreen.Progress)

    class Finished(Message):
        """The attempt ended: `text` says how; `ok` when the hotkey got a uid."""

        def __init__(self, text: str, ok: bool) -> None:
            super().__init__()
            self.text = text
            self.ok = ok

    def __init__(self, wallets: WalletService, service: Callable[[], PowRegisterService],
                 wallet: str = "default") -> None:
        super().__init__()
        self._wallets = wallets
        self._service = service
        self._wallet = wallet
        self._cancel = threading.Event()

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="pow-form"):
            yield Label("Register a hotkey by proof of work (uses every core; the hotkey pays the fee)")
            yield Input(placeholder="netuid", id="pow-netuid", type="integer")
            yield Input(value=self._wallet, placeholder="wallet", id="pow-wallet")
            yield Input(value="default", placeholder="hotkey", id="pow-hotkey")
            with Horizontal():
                yield Button("Start", id="pow-start", variant="primary")
                yield Button("Cancel", id="pow-cancel", variant="error", disabled=True)
            yield ProgressBar(total=100, show_eta=False, id="pow-bar")
            yield Static("", id="pow-rate")
            yield Static("", id="pow-result")
        yield Footer()

    @on(Button.Pressed, "#pow-start")
    def _start(self) -> None:
        text = self.query_one("#pow-netuid", Input).value.strip()
        if not text.isdigit():
            self.query_one("#pow-result", Static).update("Enter the subnet's netuid (a whole number).")
            return
        self._cancel = threading.Event()
        self.query_one("#pow-start", Button).disabled = True
        self.query_one("#pow-cancel", Button).disabled = False
        self.query_one("#pow-result", Static).update("Checking the subnet and the hotkey…")
        self._run(int(text), self.query_one("#pow-wallet", Input).value.strip(),
                  self.query_one("#pow-hotkey", Input).value.strip(), self._cancel)

    @on(Button.Pressed, "#pow-cancel")
    def action_cancel(self) -> None:
        self._cancel.set()

    def action_leave(self) -> None:
        self._cancel.set()
        self.app.pop_screen()

    def on_unmount(self) -> None:
        self._cancel.set()  # leaving the screen must not leave solver processes running

    @work(thread=True, exclusive=True, group="pow", exit_on_error=False)
    def _run(self, netuid: int, wallet: str, hotkey: str, cancel: threading.Event) -> None:
        try:
            coldkey = self._wallets.get(wallet).coldkey_address
            if coldkey is None:
                raise WalletError("no_coldkey", f"wallet {wallet!r} has no coldkey")
            signer = hotkey_signer(self._wallets, wallet, hotkey)

            def report(progress: SolverProgress) -> None:
                self.post_message(self.Progress(progress))

            result = self._service().register(netuid, signer, coldkey, cancel=cancel, on_progress=report)
        except WalletError as exc:
            self.post_message(self.Finished(exc.message, False))
            return
        except Exception as exc:  # show anything unexpected instead of failing silently in the worker
            logger.exception("PoW registration failed")
            self.post_message(self.Finished(f"Registration failed: {exc}", False))
            return
        if result is None:
            self.post_message(self.Finished("Cancelled: every solver process has stopped.", False))
        else:
            self.post_message(self.Finished(
                f"Registered {result.hotkey} on subnet {netuid} as uid {result.uid} "
                f"(block #{result.status.block_number}, {result.attempts} attempt(s)).", True))

    @on(Progress)
    def _progress(self, message: Progress) -> None:
        p = message.progress
        chance = 1.0 - math.exp(-p.hashes / max(p.difficulty, 1))
        self.query_one("#pow-bar", ProgressBar).update(progress=round(chance * 100))
        self.query_one("#pow-rate", Static).update(progress_text(p))

    @on(Finished)
    def _finished(self, message: Finished) -> None:
        self.query_one("#pow-start", Button).disabled = False
        self.query_one("#pow-cancel", Button).disabled = True
        if message.ok:
            self.query_one("#pow-bar", ProgressBar).update(progress=100)
        self.query_one("#pow-result", Static).update(message.text)
