"""HelpScreen: what every key does, and the safety rules worth knowing."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Markdown

from screens.actions import WALLET_ACTIONS
from tao_wallet.paths import ASSETS

_NOTES = """
## Safety
- A new wallet's **mnemonic is shown once**. Write it down: it is the only way to recover the coldkey.
- Unlocking runs argon2 (about 3 s, by design, to slow down password guessing).
- Unlocked keys are kept in memory only if you choose a time when unlocking (default: not kept);
  locking or quitting forgets them.
- Wallets live in the same directory and format as btcli's (`~/.bittensor/wallets`).

## Other keys
| key | action |
|---|---|
| `ctrl+p` | command palette: every action by name |
| `?` / `f1` | this help |
| `ctrl+q` | quit (locks every key) |
| `escape` | close a dialog |
"""


class HelpScreen(ModalScreen[None]):
    """Key bindings and short explanations."""

    CSS_PATH = str(ASSETS / "modals.tcss")
    BINDINGS = [("escape", "close", "Close"), ("q", "close", "Close"), ("question_mark", "close", "Close")]

    def compose(self) -> ComposeResult:
        rows = "\n".join(f"| `{a.key}` | **{a.title}**: {a.help} |" for a in WALLET_ACTIONS)
        text = "# tao-wallet help\n\n## Wallets screen\n| key | action |\n|---|---|\n" + rows + "\n" + _NOTES
        with VerticalScroll(classes="dialog help"):
            yield Markdown(text, id="help-text")
            yield Label("Press escape to close.", classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)
