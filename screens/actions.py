"""The wallet actions, in one table shared by key bindings, the command palette and the help screen."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WalletAction:
    """One user action on the Wallets screen."""

    action: str
    """Name of the ``action_<name>`` method on WalletsScreen."""
    title: str
    """Short title (footer, palette)."""
    key: str
    """Key binding."""
    help: str
    """One-line explanation (palette, help screen)."""


WALLET_ACTIONS: tuple[WalletAction, ...] = (
    WalletAction("create", "Create wallet", "c", "New coldkey from a fresh mnemonic, confirmed by re-typing words"),
    WalletAction("import", "Import wallet", "i", "From a mnemonic, a seed, a polkadot-js JSON backup or a watch-only address"),
    WalletAction("new_hotkey", "New hotkey", "n", "Create a hotkey for the selected wallet"),
    WalletAction("unlock", "Unlock coldkey", "u", "Check the password; optionally keep the key in memory for a while"),
    WalletAction("lock", "Lock coldkey", "l", "Forget the unlocked key now"),
    WalletAction("change_password", "Change password", "p", "Re-encrypt the selected wallet's coldkey"),
    WalletAction("sign", "Sign message", "s", "Sign a message with the coldkey or a hotkey"),
    WalletAction("verify", "Verify signature", "v", "Check a signature against an address"),
    WalletAction("copy_address", "Copy address", "y", "Copy the selected key's SS58 address to the clipboard"),
    WalletAction("refresh", "Refresh", "r", "Re-read the wallet directory"),
)
