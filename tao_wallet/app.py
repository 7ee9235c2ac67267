"""The Textual application: wiring only. Services come in through the constructor (tests pass their own)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive
from textual.worker import get_current_worker

from screens.messages import ChainHeadChanged
from screens.wallets import WalletsScreen
from tao_wallet.config import AppConfig
from tao_wallet.paths import ASSETS
from tao_wallet.services.wallets import WalletService

if TYPE_CHECKING:
    from tao_wallet.models import ChainHeadView
    from tao_wallet.services.chain import ChainService
    from tao_wallet.services.connection import ChainConnection


class TaoWalletApp(App[None]):
    """tao-wallet's terminal UI.

    Args:
        wallets: The wallet service (the CLI builds it from the config).
        config: Settings; defaults to ``AppConfig()`` with the service's wallet path.
        connection: The network (the CLI builds it: it may start the embedded localnet). Given, the header
            follows the chain head from the first frame on and the app closes it on exit; None (tests of
            offline flows) = no header follower, and the chain screens connect to ``config.network``
            on demand without starting a localnet.
    """

    CSS_PATH = str(ASSETS / "app.tcss")
    TITLE = "tao-wallet"
    BINDINGS = [
        Binding("question_mark", "help", "Help"),
        Binding("f1", "help", "Help", show=False),
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("f4", "money", "Money"),
        Binding("f5", "network_stats", "Network"),
        Binding("f6", "pow_register", "PoW register"),
        Binding("f7", "light_node", "Node"),
    ]

    network: reactive[str] = reactive("local")
    """Network profile shown in the header."""

    connection: reactive[str] = reactive("offline")
    """Chain connection state shown in the header: connecting, online, reconnecting or offline."""

    head_interval: float = 1.0
    """Seconds between head polls (tests shorten it)."""

    head_backoff_max: float = 8.0
    """Longest wait between reconnect attempts after the node went away."""

    head: reactive[ChainHeadView | None] = reactive(None)
    """The latest head report (best/finalized block, latency) from the follower worker."""

    def __init__(self, wallets: WalletService, config: AppConfig | None = None,
                 connection: ChainConnection | None = None) -> None:
        super().__init__()
        self.config = config or AppConfig(wallet_path=wallets.root)
        self.wallets = wallets
        self.wallets_screen = WalletsScreen(wallets, self.config)
        self._connection = connection
        self._follows_head = connection is not None
        self.network = connection.profile.name if connection is not None else self.config.network

    @property
    def chain_connection(self) -> ChainConnection:
        """The app's network (built on first use, without a localnet, when none was given)."""
        if self._connection is None:
            from tao_wallet.network import resolve_network
            from tao_wallet.services.connection import ChainConnection

            self._connection = ChainConnection(resolve_network(self.config.network), embedded=False)
        return self._connection

    def on_mount(self) -> None:
        if self.config.theme in self.available_themes:
            self.theme = self.config.theme
        self._update_subtitle()
        self.push_screen(self.wallets_screen)
        if self._follows_head:
            self.connection = "connecting"
            self.call_after_refresh(self._follow_head)  # after the first frame: the node start is slow

    @work(thread=True, exclusive=True, group="chain-head", exit_on_error=False)
    def _follow_head(self) -> None:
        """Start the embedded localnet if needed, then post every head change until the app exits."""
        worker = get_current_worker()

        def report(view: ChainHeadView) -> None:
            self.post_message(ChainHeadChanged(view))

        self.chain_connection.follow(report, worker.cancelled_event, interval=self.head_interval,
                                     backoff_max=self.head_backoff_max)

    @on(ChainHeadChanged)
    def _head_changed(self, message: ChainHeadChanged) -> None:
        from tao_wallet.services.connection import next_state

        self.connection = next_state(self.connection, message.view)
        self.head = message.view

    def _update_subtitle(self) -> None:
        from tao_wallet.services.connection import status_line

        self.sub_title = status_line(self.network, self.connection, self.head)

    def watch_head(self) -> None:
        self._update_subtitle()

    def watch_network(self) -> None:
        self._update_subtitle()

    def watch_connection(self) -> None:
        self._update_subtitle()

    def action_money(self) -> None:
        """Portfolio, staking, transfers, browsers, registration, offline signing (screens/money_menu.py)."""
        from screens.money_menu import MoneyMenuScreen
        from tao_wallet.services.money_session import MoneySession

        connection, wallets = self.chain_connection, self.wallets

        def session() -> MoneySession:  # runs in the menu's worker: waits for a localnet still starting
            return MoneySession(connection.profile.name, wallets, chain=connection.new_chain())

        self.push_screen(MoneyMenuScreen(self.wallets, session))

    def action_help(self) -> None:
        from screens.help import HelpScreen  # Markdown is slow to import: only when asked for

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def _chain_service(self) -> ChainService:
        """The connection shared by the chain screens (call in a worker: it waits for a starting localnet)."""
        return self.chain_connection.chain()

    def action_network_stats(self) -> None:
        from screens.network import NetworkScreen
        from tao_wallet.services.network_stats import NetworkStatsService

        self.push_screen(NetworkScreen(lambda: NetworkStatsService(self._chain_service())))

    def action_pow_register(self) -> None:
        from screens.pow_register import PowRegisterScreen
        from tao_wallet.services.pow import PowRegisterService

        self.push_screen(PowRegisterScreen(self.wallets, lambda: PowRegisterService(self._chain_service())))

    def action_light_node(self) -> None:
        from screens.node import NodeScreen
        from tao_wallet.services.node import NodeService, default_db_path

        connection, wallets = self.chain_connection, self.wallets

        def build() -> NodeService:  # runs in the screen's worker thread (reads the wallet directory)
            connection.ensure_node()
            coldkeys = tuple(w.coldkey_address for w in wallets.list_wallets() if w.coldkey_address)
            profile = connection.profile
            return NodeService(profile.urls, default_db_path(profile.name), coldkeys)

        self.push_screen(NodeScreen(build))

    async def action_quit(self) -> None:
        self.wallets.lock_all()
        self.exit()

    def on_unmount(self) -> None:
        self.wallets.lock_all()
        self.workers.cancel_group(self, "chain-head")
        if self._connection is not None:
            self._connection.close()  # stops the embedded localnet only if this app started it
