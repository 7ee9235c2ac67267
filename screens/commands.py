"""WalletCommands: a command-palette provider with an entry for every wallet action."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from screens.actions import WALLET_ACTIONS


class WalletCommands(Provider):
    """Offers "Create wallet", "Unlock coldkey", ... and "Help" in the palette (ctrl+p)."""

    def _entries(self) -> list[tuple[str, str, str]]:
        entries = [(f"Wallet: {a.title}", a.help, a.action) for a in WALLET_ACTIONS]
        entries.append(("Help: keys and safety notes", "Show the help screen", "app.help"))
        entries.append(("Money: menu", "Portfolio, staking, transfers, registration (F4)", "app.money"))
        entries.append(("Money: Pending transactions", "What is known about transactions a lost connection left "
                        "unknown; re-check or resend", "money:pending"))
        return entries

    async def _run(self, action: str) -> None:
        if action.startswith("money:"):
            await self._open_money(action.removeprefix("money:"))
            return
        await self.screen.run_action(action)

    async def _open_money(self, key: str) -> None:
        """Open the money menu (F4), then one of its screens once the menu is laid out."""
        from screens.money_menu import MoneyMenuScreen

        def open_key() -> None:
            screen = self.app.screen
            if isinstance(screen, MoneyMenuScreen):
                screen.action_open(key)

        if not isinstance(self.app.screen, MoneyMenuScreen):
            await self.app.run_action("money")
            self.app.call_after_refresh(open_key)
        else:
            open_key()

    async def discover(self) -> Hits:
        for title, help_text, action in self._entries():
            yield DiscoveryHit(title, partial(self._run, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, action in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._run, action), text=title, help=help_text)
