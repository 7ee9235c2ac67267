"""App-wide messages posted by background workers (see STYLE.md: high-rate ones collapse with can_replace)."""

from __future__ import annotations

from textual.message import Message

from tao_wallet.models import ChainHeadView


class ChainHeadChanged(Message, bubble=False):
    """The head follower saw a new best/finalized block, a latency change, or a lost/regained connection.

    Only the latest report matters, so a backlog (a busy UI, a fast chain) collapses to it.
    """

    def __init__(self, view: ChainHeadView) -> None:
        super().__init__()
        self.view = view

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ChainHeadChanged)
