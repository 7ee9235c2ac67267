"""The Textual application: wiring only. Services come in through the constructor (tests pass their own)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive

from screens.wallets import WalletsScreen
from tao_wallet.config import AppConfig
from tao_wallet.paths import ASSETS
from tao_wallet.services.wallets import WalletService

if TYPE_CHECKING:
    from tao_wallet.services.chain import ChainService


class TaoWalletApp(App[None]):
    """tao-wallet's terminal UI.

    Args:
        wallets: The wallet service (the CLI builds it from the config).
        config: Settings; defaults to ``AppConfig()`` with the service's wallet path.
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
    """Chain connection state shown in the header; the future node service sets it ("syncing", "online")."""

    def __init__(self, wallets: WalletService, config: AppConfig | None = None) -> None:
        super().__init__()
        self.config = config or AppConfig(wallet_path=wallets.root)
        self.wallets = wallets
        self.wallets_screen = WalletsScreen(wallets, self.config)
        self.network = self.config.network

    def on_mount(self) -> None:
        if self.config.theme in self.available_themes:
            self.theme = self.config.theme
        self._update_subtitle()
        self.push_screen(self.wallets_screen)

    def _update_subtitle(self) -> None:
        self.sub_title = f"{self.network} · {self.connection}"

    def watch_network(self) -> None:
        self._update_subtitle()

    def watch_connection(self) -> None:
        self._update_subtitle()

    def action_money(self) -> None:
        """Portfolio, staking, transfers, browsers, registration, offline signing (screens/money_menu.py)."""
        from screens.money_menu import MoneyMenuScreen, default_session_factory

        self.push_screen(MoneyMenuScreen(self.wallets, default_session_factory(self.wallets, self.config.network)))

    def action_help(self) -> None:
        from screens.help import HelpScreen  # Markdown is slow to import: only when asked for

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def _chain_service(self) -> ChainService:
        """One lazily opened connection to the configured network, shared by the chain screens."""
        from tao_wallet.services.chain import ChainService

        service: ChainService | None = getattr(self, "_chain_for_screens", None)
        if service is None:
            service = self._chain_for_screens = ChainService(self.config.network)
        return service

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
        from tao_wallet.network import resolve_network
        from tao_wallet.services.node import NodeService, default_db_path

        network, wallets = self.config.network, self.wallets

        def build() -> NodeService:  # runs in the screen's worker thread (reads the wallet directory)
            coldkeys = tuple(w.coldkey_address for w in wallets.list_wallets() if w.coldkey_address)
            return NodeService(resolve_network(network).urls, default_db_path(network), coldkeys)

        self.push_screen(NodeScreen(build))

    async def action_quit(self) -> None:
        self.wallets.lock_all()
        self.exit()

    def on_unmount(self) -> None:
        self.wallets.lock_all()
