"""Frozen wallet/key objects (re-exported by tao_wallet.models).

Kept in their own module so ``tao-wallet wallet list`` does not pay for every model's class creation.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class HotkeySummary:
    """One hotkey of a wallet, as far as it can be known without a password."""

    name: str
    """File name under ``hotkeys/``."""
    address: str | None
    """SS58 address, or None when neither the pub file nor a plaintext key is readable."""
    encryption: str
    """"NaCl", "Ansible Vault", "legacy fernet", "none" (plaintext) or "missing" (pub file only)."""


@dataclass(frozen=True)
class WalletSummary:
    """A wallet directory: its coldkey (lock state, encryption) and hotkeys."""

    name: str
    path: str
    """Absolute path of the wallet directory."""
    coldkey_address: str | None
    """SS58 address from coldkeypub.txt (no password needed); None if there is no coldkey yet."""
    coldkey_encryption: str
    """Same vocabulary as ``HotkeySummary.encryption``; "missing" for watch-only wallets."""
    crypto_type: str
    """"sr25519" or "ed25519"."""
    hotkeys: tuple[HotkeySummary, ...] = ()
    unlocked: bool = False
    """True while an unlocked coldkey is held in the in-memory cache (see unlock_cache_seconds)."""
    problems: tuple[str, ...] = ()
    """Damaged or unreadable files found while listing (e.g. "coldkeypub: ... corrupt")."""

    @property
    def watch_only(self) -> bool:
        """The wallet has a public coldkey only: it can receive and be watched, never sign."""
        return self.coldkey_encryption == "missing" and self.coldkey_address is not None

    @property
    def locked(self) -> bool:
        """Signing with the coldkey needs a password now."""
        return not self.unlocked and self.coldkey_encryption not in ("none",)

    def hotkey(self, name: str) -> HotkeySummary | None:
        """The hotkey called ``name``, if the wallet has one."""
        return next((h for h in self.hotkeys if h.name == name), None)


@dataclass(frozen=True)
class NewKey:
    """A freshly generated key. ``mnemonic`` is the only copy the user will ever be shown."""

    wallet: str
    hotkey: str | None
    """None for a coldkey."""
    address: str
    crypto_type: str
    mnemonic: str = field(repr=False)


@dataclass(frozen=True)
class UnlockResult:
    """Outcome of a successful unlock."""

    wallet: str
    address: str
    cached_for_seconds: int
    """0 when the key was verified but not kept in memory."""
    remembered: bool
    """The password was stored in the OS keyring at the user's request."""


@dataclass(frozen=True)
class SignedMessage:
    """A signature over ``message`` by ``address``; hex strings are 0x-prefixed."""

    address: str
    crypto_type: str
    message: str
    signature: str


@dataclass(frozen=True)
class VerifyResult:
    """Whether ``signature`` over ``message`` is valid for ``address``."""

    address: str
    message: str
    valid: bool
    crypto_type: str | None = None
    """The scheme that verified it, when valid."""


# --- money: balances, transfers, transactions (chain-client helper) -------------------------------
