"""WalletsScreen: the wallet tree, key details, and every key-management action.

All keystore work (argon2 takes ~3 s) runs in thread workers; this screen only calls WalletService.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, LoadingIndicator, Static, Tree
from textual.worker import Worker, WorkerState

from screens.actions import WALLET_ACTIONS
from screens.commands import WalletCommands
from screens.error import ErrorModal
from screens.wallet_tree import KeyRef, WalletTree, lock_state
from tao_wallet.config import AppConfig
from tao_wallet.paths import ASSETS
from tao_wallet.services.errors import WalletError
from tao_wallet.services.wallets import WalletService
from tao_wallet.wallet_models import WalletSummary

log = logging.getLogger(__name__)


def tilde(path: str | Path) -> str:
    """``path`` with the home directory shown as ``~`` (shorter, and the same on every machine)."""
    resolved, home = Path(path), Path.home()
    return "~/" + str(resolved.relative_to(home)) if resolved.is_relative_to(home) else str(resolved)


class WalletsScreen(Screen[None]):
    """Wallets -> coldkey (lock state, encryption) and hotkeys, with actions bound to keys."""

    CSS_PATH = str(ASSETS / "wallets.tcss")
    COMMANDS = {WalletCommands}
    BINDINGS = [Binding(a.key, a.action, a.title, show=a.key in "ciusvy") for a in WALLET_ACTIONS]

    busy: reactive[str] = reactive("")
    """What the running key operation is doing ("" = idle); shown with a spinner."""

    status: reactive[str] = reactive("")
    """Outcome of the last action, shown under the tree."""

    class Loaded(Message):
        """The wallet directory was (re)read."""

        def __init__(self, wallets: list[WalletSummary], keyring: bool) -> None:
            super().__init__()
            self.wallets = wallets
            self.keyring = keyring

    def __init__(self, service: WalletService, config: AppConfig) -> None:
        super().__init__()
        self.service = service
        self.config = config
        self.wallets: list[WalletSummary] = []
        self.keyring = False
        self.rng = random.SystemRandom()
        """Picks which mnemonic words to ask for; tests may replace it."""
        self._pending: dict[Worker[Any], tuple[str, Callable[[Any], None]]] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            yield WalletTree(id="wallet-tree")
            with Vertical(id="detail-pane"):
                yield Static("", id="details")
        with Horizontal(id="busy"):
            yield LoadingIndicator()
            yield Label("", id="busy-label")
        yield Label("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#busy").display = False
        self.query_one(WalletTree).focus()
        # Load after the first frame is on screen: the keystore import must not delay it.
        self.call_after_refresh(self.reload)

    # ------------------------------------------------------------------ loading and display

    def reload(self) -> None:
        """Re-read the wallet directory in a worker."""
        self._load()

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load(self) -> None:
        keyring = self.config.remember_passwords and self.service.keyring_available()
        self.post_message(self.Loaded(self.service.list_wallets(), keyring))

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        self.wallets = message.wallets
        self.keyring = message.keyring
        self.query_one(WalletTree).show(self.wallets)
        self._show_details()

    def selection(self) -> tuple[WalletSummary | None, KeyRef | None]:
        """The highlighted wallet and key (None when the tree is empty)."""
        node = self.query_one(WalletTree).cursor_node
        ref = node.data if node is not None else None
        wallet = next((w for w in self.wallets if ref is not None and w.name == ref.wallet), None)
        return wallet, ref

    def selected_address(self) -> str | None:
        """SS58 address of the highlighted key (a wallet row means its coldkey)."""
        wallet, ref = self.selection()
        if wallet is None or ref is None:
            return None
        if ref.kind == "hotkey" and ref.hotkey is not None:
            hotkey = wallet.hotkey(ref.hotkey)
            return hotkey.address if hotkey else None
        return wallet.coldkey_address

    @on(Tree.NodeHighlighted)
    def _highlighted(self) -> None:
        self._show_details()

    def _show_details(self) -> None:
        details = self.query_one("#details", Static)
        wallet, ref = self.selection()
        if wallet is None or ref is None:
            details.update(
                Text(f"No wallets in {tilde(self.service.root)}.\n\nPress c to create one or i to import one.\n"
                     "Press ? for help, ctrl+p for every command.")
            )
            return
        text = Text.assemble(("Wallet ", "dim"), (wallet.name, "bold"), "\n", ("Path ", "dim"), tilde(wallet.path), "\n\n")
        text.append_text(Text.assemble(
            ("Coldkey ", "bold"), f"[{lock_state(wallet)}]\n",
            ("  addr   ", "dim"), wallet.coldkey_address or "-", "\n",
            ("  enc    ", "dim"), "public key only" if wallet.watch_only else wallet.coldkey_encryption, "\n",
            ("  scheme ", "dim"), wallet.crypto_type, "\n",
        ))
        for hotkey in wallet.hotkeys:
            marker = "▶ " if ref.hotkey == hotkey.name else "  "
            text.append_text(Text.assemble(
                "\n", (f"{marker}Hotkey {hotkey.name}\n", "bold"),
                ("  addr   ", "dim"), hotkey.address or "-", "\n",
                ("  enc    ", "dim"), hotkey.encryption, "\n",
            ))
        for problem in wallet.problems:
            text.append_text(Text.assemble("\n", ("! ", "bold red"), (problem, "red")))
        details.update(text)

    def watch_busy(self, busy: str) -> None:
        if not self.is_mounted:
            return
        self.query_one("#busy").display = bool(busy)
        self.query_one("#busy-label", Label).update(busy)

    def watch_status(self, status: str) -> None:
        if self.is_mounted:
            self.query_one("#status", Label).update(Text(status))

    # ------------------------------------------------------------------ running operations

    def start(self, label: str, busy_text: str, task: Callable[[], Any], on_done: Callable[[Any], None]) -> bool:
        """Run blocking ``task`` in a thread worker; ``on_done(result)`` on success, ErrorModal on failure.

        Returns False (and runs nothing) while another key operation is still running.
        """
        if self.busy:
            self.notify(f"Please wait: {self.busy}", severity="warning")
            return False
        self.busy = busy_text
        worker: Worker[Any] = self.run_worker(task, name=label, group="key-op", thread=True, exit_on_error=False)
        self._pending[worker] = (label, on_done)
        return True

    def show_error(self, title: str, error: BaseException | None) -> None:
        """Show a failure with its specific message (WalletError messages never hold secrets)."""
        if isinstance(error, WalletError):
            message = error.message
        else:
            log.error("unexpected failure in %s: %s", title, type(error).__name__)
            message = f"unexpected {type(error).__name__}: {error}"
        self.status = f"{title}: {message}"
        self.app.push_screen(ErrorModal(title, message))

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker in self._pending:
            label, on_done = self._pending[worker]
            if event.state == WorkerState.SUCCESS:
                del self._pending[worker]
                self.busy = ""
                on_done(worker.result)
                self.reload()
            elif event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
                del self._pending[worker]
                self.busy = ""
                if event.state == WorkerState.ERROR:
                    self.show_error(f"{label} failed", worker.error)
        elif event.state == WorkerState.ERROR:
            self.show_error(f"{worker.name or 'Task'} failed", worker.error)

    def done(self, message: str) -> None:
        """Report a finished action in the status line and as a notification."""
        self.status = message
        self.notify(message)

    def need_wallet(self) -> WalletSummary | None:
        """The selected wallet, or None after telling the user to select one."""
        wallet, _ = self.selection()
        if wallet is None:
            self.notify("Select a wallet first (or press c to create one).", severity="warning")
        return wallet

    # ------------------------------------------------------------------ actions (flows in flows.py)

    def action_refresh(self) -> None:
        self.reload()
        self.status = "Reloaded wallets."

    def action_copy_address(self) -> None:
        address = self.selected_address()
        if address is None:
            self.notify("No address selected.", severity="warning")
            return
        self.app.copy_to_clipboard(address)
        self.done(f"Copied {address} to the clipboard.")

    def action_lock(self) -> None:
        wallet = self.need_wallet()
        if wallet is None:
            return
        self.service.lock(wallet.name)
        self.done(f"Locked the coldkey of {wallet.name!r}.")
        self.reload()

    def action_create(self) -> None:
        from screens.flows import create_flow  # dialogs load on first use: faster start-up

        self.run_worker(create_flow(self), group="flow", exit_on_error=False, name="Create wallet")

    def action_import(self) -> None:
        from screens.flows import import_flow  # dialogs load on first use: faster start-up

        self.run_worker(import_flow(self), group="flow", exit_on_error=False, name="Import wallet")

    def action_new_hotkey(self) -> None:
        from screens.flows import new_hotkey_flow  # dialogs load on first use: faster start-up

        self.run_worker(new_hotkey_flow(self), group="flow", exit_on_error=False, name="New hotkey")

    def action_unlock(self) -> None:
        from screens.flows import unlock_flow  # dialogs load on first use: faster start-up

        self.run_worker(unlock_flow(self), group="flow", exit_on_error=False, name="Unlock")

    def action_change_password(self) -> None:
        from screens.flows import change_password_flow  # dialogs load on first use: faster start-up

        self.run_worker(change_password_flow(self), group="flow", exit_on_error=False, name="Change password")

    def action_sign(self) -> None:
        from screens.flows import sign_flow  # dialogs load on first use: faster start-up

        self.run_worker(sign_flow(self), group="flow", exit_on_error=False, name="Sign")

    def action_verify(self) -> None:
        from screens.flows import verify_flow  # dialogs load on first use: faster start-up

        self.run_worker(verify_flow(self), group="flow", exit_on_error=False, name="Verify")
