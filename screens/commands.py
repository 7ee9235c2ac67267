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
        return entries

    async def _run(self, action: str) -> None:
        await self.screen.run_action(action)

    async def discover(self) -> Hits:
        for title, help_text, action in self._entries():
            yield DiscoveryHit(title, partial(self._run, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, action in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._run, action), text=title, help=help_text)
