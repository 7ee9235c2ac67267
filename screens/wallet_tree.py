"""WalletTree: wallets -> coldkey and hotkeys, with lock state, scheme and addresses."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from tao_wallet.wallet_models import WalletSummary


@dataclass(frozen=True)
class KeyRef:
    """What a tree node stands for: a wallet, its coldkey, or one of its hotkeys."""

    wallet: str
    kind: str
    """"wallet", "coldkey" or "hotkey"."""
    hotkey: str | None = None


def lock_state(wallet: WalletSummary) -> str:
    """Short human lock state of a wallet's coldkey."""
    if wallet.watch_only:
        return "watch-only"
    if wallet.coldkey_address is None:
        return "no coldkey"
    if wallet.coldkey_encryption == "none":
        return "unencrypted"
    return "unlocked" if wallet.unlocked else "locked"


def short(address: str | None) -> str:
    """First and last characters of an address, enough to recognise it."""
    if not address:
        return "-"
    return f"{address[:6]}…{address[-6:]}"


class WalletTree(Tree[KeyRef]):
    """Tree of wallets; keeps the cursor on the same key across reloads."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("wallets", id=id)
        self.show_root = False
        self.guide_depth = 3

    def show(self, wallets: list[WalletSummary]) -> None:
        """Rebuild the tree from ``wallets``, preserving the highlighted key if it still exists."""
        keep = self.cursor_node.data if self.cursor_node is not None else None
        self.clear()
        target: TreeNode[KeyRef] | None = None
        for wallet in wallets:
            state = lock_state(wallet)
            style = {"locked": "bold", "unlocked": "bold green", "watch-only": "italic", "unencrypted": "yellow"}
            label = Text.assemble((wallet.name, "bold"), "  ", (f"[{state}]", style.get(state, "dim")))
            node = self.root.add(label, data=KeyRef(wallet.name, "wallet"), expand=True)
            scheme = "pub only" if wallet.watch_only else wallet.coldkey_encryption
            cold = node.add_leaf(
                Text.assemble("coldkey  ", (short(wallet.coldkey_address), "cyan"), f"  {scheme}"),
                data=KeyRef(wallet.name, "coldkey"),
            )
            found = [n for n in (node, cold) if n.data == keep]
            for hotkey in wallet.hotkeys:
                leaf = node.add_leaf(
                    Text.assemble(f"hotkey {hotkey.name}  ", (short(hotkey.address), "cyan")),
                    data=KeyRef(wallet.name, "hotkey", hotkey.name),
                )
                if leaf.data == keep:
                    found.append(leaf)
            if found:
                target = found[0]
        if target is not None:
            self.move_cursor(target)
        elif wallets:
            self.cursor_line = 0
