"""MoneyMenuScreen: pick a wallet, then open the portfolio, stake, transfer, browsers, registration,
offline signing or the pending transactions; on the localnet a faucet button funds the wallet.

While it is open it owns the money session, so it is also where a lost connection's pending transactions
are re-checked: when the app's connection state (the header) comes back online, every pending transaction
of the network is re-checked and the outcome is announced (and shown on the Pending screen)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual import on, work
from textual.app import ComposeResult
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Label, Select, Static

from tao_wallet.paths import ASSETS
from tao_wallet.services.errors import WalletError
from tao_wallet.services.money_session import MoneySession
from tao_wallet.services.pending import PendingTxView
from tao_wallet.services.wallets import WalletService

BUTTONS = [("portfolio", "Portfolio"), ("stake", "Stake / unstake"), ("transfer", "Transfer TAO"),
           ("validators", "Validators"), ("subnets", "Subnets"), ("register", "Register / subnet / take"),
           ("offline", "Offline sign (files)"), ("pending", "Pending transactions"),
           ("faucet", "Faucet: +100 TAO (localnet)")]


class MoneyCommands(Provider):
    """Command-palette entries for every money screen ("Money: Pending transactions", ...)."""

    async def _open(self, key: str) -> None:
        screen = self.screen
        if isinstance(screen, MoneyMenuScreen):
            screen.action_open(key)

    def _entries(self) -> list[tuple[str, str]]:
        return [(f"Money: {title}", key) for key, title in BUTTONS]

    async def discover(self) -> Hits:
        for title, key in self._entries():
            yield DiscoveryHit(title, partial(self._open, key), help=f"Open {title.removeprefix('Money: ')}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, key in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._open, key), text=title)


class MoneyMenuScreen(Screen[None]):
    """The money launcher. `session_factory` opens the network connection on first use (in a worker)."""

    CSS_PATH = str(ASSETS / "money_menu.tcss")
    BINDINGS = [("escape", "app.pop_screen", "Back"), ("p", "open('portfolio')", "Portfolio"),
                ("s", "open('stake')", "Stake"), ("t", "open('transfer')", "Transfer"),
                ("v", "open('validators')", "Validators"), ("n", "open('subnets')", "Subnets"),
                ("g", "open('register')", "Register"), ("o", "open('offline')", "Offline sign"),
                ("x", "open('pending')", "Pending"), ("f", "open('faucet')", "Faucet")]
    COMMANDS = {MoneyCommands}

    def __init__(self, wallets: WalletService, session_factory: Callable[[], MoneySession]) -> None:
        super().__init__()
        self.wallets = wallets
        self._factory = session_factory
        self.session: MoneySession | None = None
        self._online = True

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="menu"):
            names = [(w.name + (" (watch-only)" if w.watch_only else ""), w.name)
                     for w in self.wallets.list_wallets() if w.coldkey_address]
            yield Label("Wallet")
            yield Select(names, value=names[0][1] if names else Select.NULL, id="wallet")
            with Grid(id="menu-grid"):
                for key, title in BUTTONS:
                    yield Button(title, id=key)
            yield Static("", id="error", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        state = getattr(self.app, "connection", None)  # the app's header state (absent in test harnesses)
        if isinstance(state, str):
            self._online = state == "online"
            self.watch(self.app, "connection", self._connection_changed, init=False)

    def _connection_changed(self, state: str) -> None:
        back = state == "online" and not self._online
        self._online = state == "online"
        if back and self.session is not None:
            self._recheck_after_reconnect()

    @work(thread=True, group="pending-reconnect", exit_on_error=False)
    def _recheck_after_reconnect(self) -> None:
        """The connection came back (or a session opened with transactions left pending by an earlier run):
        re-check every pending transaction and say what is now known."""
        session = self.session
        if session is None or not session.has_pending():
            return
        try:
            views = session.recheck_pending()
        except WalletError as exc:
            self.app.call_from_thread(self.notify, f"Re-check after reconnecting failed: {exc.message}",
                                      severity="warning")
            return
        lines = [f"{v.tx_hash[:10]}…: {v.state_text()}" for v in views]
        self.app.call_from_thread(self._rechecked, "Pending transactions re-checked:\n" + "\n".join(lines), views)

    def _rechecked(self, text: str, views: list[PendingTxView]) -> None:
        """Announce the outcome; refresh the Pending screen, and a still-open status dialog (and its form)
        that was left at "unknown" by the lost connection."""
        from screens.pending import PendingScreen
        from screens.tx_status import TxStatusModal
        from screens.widgets.tx_flow import TxFlow

        self.notify(text, timeout=10)
        known = {v.tx_hash: v.status_view() for v in views}
        for screen in self.app.screen_stack:
            if isinstance(screen, PendingScreen):
                screen.reload()
            elif isinstance(screen, TxStatusModal) and screen.status is not None and screen.status.tx_hash in known:
                screen.show(known[screen.status.tx_hash], True)
            elif isinstance(screen, TxFlow) and screen.last_status is not None and screen.last_status.tx_hash in known:
                screen.last_status = known[screen.last_status.tx_hash]

    def _wallet(self) -> str | None:
        value = self.query_one("#wallet", Select).value
        return None if value is Select.NULL else str(value)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_open(str(event.button.id))

    def action_open(self, key: str) -> None:
        """Open one of the money screens (or run the faucet)."""
        self.query_one("#error", Static).update("Connecting..." if self.session is None else "")
        self._open(key)

    @work(thread=True, exclusive=True, group="money-open", exit_on_error=False)
    def _open(self, key: str) -> None:
        try:
            if self.session is None:
                self.session = self._factory()
                self.session.chain.head()
                if self.session.has_pending():  # left by an earlier run: re-check now that we are connected
                    self.app.call_from_thread(self._recheck_after_reconnect)
            wallet = self._wallet()
            if key == "faucet":
                if wallet is None:
                    raise WalletError("no_wallet", "create or pick a wallet first")
                self.session.faucet(self.session.coldkey_address(wallet))
                self.app.call_from_thread(self.query_one("#error", Static).update, f"Funded {wallet} with 100 TAO")
                return
        except WalletError as exc:
            self.app.call_from_thread(self.query_one("#error", Static).update, exc.message)
            return
        self.app.call_from_thread(self._push, key, wallet)

    def _push(self, key: str, wallet: str | None) -> None:
        from screens.offline_sign import OfflineSignScreen
        from screens.pending import PendingScreen
        from screens.portfolio import PortfolioScreen
        from screens.register import RegisterScreen
        from screens.stake import StakeScreen
        from screens.subnets import SubnetsScreen
        from screens.transfer import TransferScreen
        from screens.validators import ValidatorsScreen

        session = self.session
        assert session is not None
        self.query_one("#error", Static).update("")
        if key == "validators":
            self.app.push_screen(ValidatorsScreen(session, wallet))
            return
        if key == "subnets":
            self.app.push_screen(SubnetsScreen(session, wallet))
            return
        if key == "pending":
            self.app.push_screen(PendingScreen(session))
            return
        if wallet is None:
            self.query_one("#error", Static).update("Create or pick a wallet first.")
            return
        if key == "portfolio":
            summary = self.wallets.get(wallet)
            watched = [str(summary.coldkey_address)] if summary.watch_only else []
            self.app.push_screen(PortfolioScreen(session, [] if watched else [wallet], watched))
        elif key == "stake":
            self.app.push_screen(StakeScreen(session, wallet))
        elif key == "transfer":
            self.app.push_screen(TransferScreen(session, wallet))
        elif key == "register":
            self.app.push_screen(RegisterScreen(session, wallet))
        elif key == "offline":
            self.app.push_screen(OfflineSignScreen(session, wallet))

    def on_unmount(self) -> None:
        if self.session is not None:
            self.session.close()

