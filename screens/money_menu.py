"""MoneyMenuScreen: pick a wallet, then open the portfolio, stake, transfer, browsers, registration or
offline signing; on the localnet a faucet button funds the wallet."""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Label, Select, Static

from tao_wallet.paths import ASSETS
from tao_wallet.services.errors import WalletError
from tao_wallet.services.money_session import MoneySession
from tao_wallet.services.wallets import WalletService

BUTTONS = [("portfolio", "Portfolio"), ("stake", "Stake / unstake"), ("transfer", "Transfer TAO"),
           ("validators", "Validators"), ("subnets", "Subnets"), ("register", "Register / subnet / take"),
           ("offline", "Offline sign (files)"), ("faucet", "Faucet: +100 TAO (localnet)")]


class MoneyMenuScreen(Screen[None]):
    """The money launcher. `session_factory` opens the network connection on first use (in a worker)."""

    CSS_PATH = str(ASSETS / "money_menu.tcss")
    BINDINGS = [("escape", "app.pop_screen", "Back"), ("p", "open('portfolio')", "Portfolio"),
                ("s", "open('stake')", "Stake"), ("t", "open('transfer')", "Transfer"),
                ("v", "open('validators')", "Validators"), ("n", "open('subnets')", "Subnets"),
                ("g", "open('register')", "Register"), ("o", "open('offline')", "Offline sign"),
                ("f", "open('faucet')", "Faucet")]

    def __init__(self, wallets: WalletService, session_factory: Callable[[], MoneySession]) -> None:
        super().__init__()
        self.wallets = wallets
        self._factory = session_factory
        self.session: MoneySession | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="menu"):
            names = [(w.name + (" (watch-only)" if w.watch_only else ""), w.name)
                     for w in self.wallets.list_wallets() if w.coldkey_address]
            yield Label("Wallet")
            yield Select(names, value=names[0][1] if names else Select.BLANK, id="wallet")
            with Grid(id="menu-grid"):
                for key, title in BUTTONS:
                    yield Button(title, id=key)
            yield Static("", id="error", markup=False)
        yield Footer()

    def _wallet(self) -> str | None:
        value = self.query_one("#wallet", Select).value
        return None if value is Select.BLANK else str(value)

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


def default_session_factory(wallets: WalletService, network: str) -> Callable[[], MoneySession]:
    """Open the configured network; the `local` profile starts the embedded localnet when nothing listens."""

    def make() -> MoneySession:
        from tao_wallet.network import ensure_local_node, resolve_network

        profile = resolve_network(network)
        ensure_local_node(profile)
        return MoneySession(network, wallets)

    return make
