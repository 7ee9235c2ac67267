"""WalletService: every key-management action the CLI and the TUI offer, on top of keystore.

No Textual here. Methods block (an unlock costs ~3 s of argon2 by design): the TUI calls them from
thread workers. keystore is imported lazily so ``tao-wallet wallet list`` starts fast.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tao_wallet.services.errors import WalletError
from tao_wallet.services.keystore_bridge import (
    address_from_public_key,
    check_name,
    crypto,
    label,
    translated_errors,
)
from tao_wallet.wallet_models import (
    HotkeySummary,
    NewKey,
    SignedMessage,
    UnlockResult,
    VerifyResult,
    WalletSummary,
)

if TYPE_CHECKING:
    from keystore.keyfile import Keyfile
    from keystore.keypair import Keypair
    from keystore.passwords import PasswordStore
    from keystore.wallet import Wallet, WalletInfo
    from node.client.extrinsic import ExternalSigner

log = logging.getLogger(__name__)

@dataclass
class _CachedKey:
    keypair: Keypair
    expires_at: float


class WalletService:
    """Wallet listing, creation, import, unlock (with an optional short-lived cache) and signing.

    Args:
        root: Wallet directory (bittensor-wallet layout).
        unlock_cache_seconds: Default time an unlocked coldkey stays in memory; 0 = never kept.
        password_store: OS keyring wrapper for opt-in "remember password"; None disables it.
        clock: Monotonic clock, injectable for tests of the cache expiry.
    """

    def __init__(
        self,
        root: Path,
        *,
        unlock_cache_seconds: int = 0,
        password_store: PasswordStore | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.root = Path(root).expanduser()
        self.unlock_cache_seconds = unlock_cache_seconds
        self._store = password_store
        self._clock = clock
        self._cache: dict[str, _CachedKey] = {}
        self._lock = threading.Lock()

    # ----------------------------------------------------------------- reading (no password)

    def _wallet(self, name: str) -> Wallet:
        from keystore.wallet import Wallet

        return Wallet(name=check_name(name), path=self.root)

    def _existing(self, name: str) -> Wallet:
        wallet = self._wallet(name)
        if not (self.root / name).is_dir():
            raise WalletError("wallet_not_found", f"no wallet named {name!r} in {self.root}")
        return wallet

    def _summary(self, info: WalletInfo) -> WalletSummary:
        hotkeys = tuple(
            HotkeySummary(name=h.name, address=h.address, encryption=label(h.encryption)) for h in info.hotkeys
        )
        scheme = info.coldkey_crypto_type
        return WalletSummary(
            name=info.name,
            path=str(Path(info.path) / info.name),
            coldkey_address=info.coldkey_address,
            coldkey_encryption=label(info.coldkey_encryption),
            crypto_type=scheme.name.lower() if scheme is not None else "sr25519",
            hotkeys=hotkeys,
            unlocked=self.is_unlocked(info.name),
            problems=tuple(info.problems),
        )

    def list_wallets(self) -> list[WalletSummary]:
        """All wallets under ``root``, sorted by name. Reads public files only; never decrypts."""
        from keystore.wallet import list_wallets

        if not self.root.is_dir():
            return []
        with translated_errors():
            return [self._summary(info) for info in sorted(list_wallets(self.root), key=lambda i: i.name)]

    def get(self, name: str) -> WalletSummary:
        """One wallet's summary.

        Raises:
            WalletError: "wallet_not_found" if there is no such wallet directory.
        """
        wallet = self._existing(name)
        with translated_errors():
            return self._summary(wallet.info())

    # ----------------------------------------------------------------- creating and importing

    def generate_mnemonic(self, words: int = 12) -> str:
        """A new BIP39 mnemonic from OS randomness (shown once to the user, then written as a key)."""
        from keystore.mnemonic import generate_mnemonic

        with translated_errors():
            return generate_mnemonic(words)

    def create_coldkey(
        self,
        name: str,
        password: str | None,
        *,
        words: int = 12,
        crypto_type: str = "sr25519",
        overwrite: bool = False,
    ) -> NewKey:
        """Generate and write a new coldkey (+ coldkeypub.txt). ``password=None`` writes it unencrypted.

        Returns:
            The new key; its mnemonic is the only copy and must be shown to the user exactly once.
        """
        wallet = self._wallet(name)
        with translated_errors():
            keypair, mnemonic = wallet.create_coldkey(
                password, words=words, crypto_type=crypto(crypto_type), overwrite=overwrite
            )
        self.lock(name)
        return NewKey(name, None, keypair.ss58_address, crypto_type, mnemonic)

    def create_hotkey(
        self,
        name: str,
        hotkey: str,
        *,
        password: str | None = None,
        words: int = 12,
        crypto_type: str = "sr25519",
        overwrite: bool = False,
    ) -> NewKey:
        """Generate and write a new hotkey (plaintext unless ``password`` is given, as btcli does)."""
        wallet = self._wallet(name)
        check_name(hotkey, "hotkey")
        with translated_errors():
            keypair, mnemonic = wallet.create_hotkey(
                hotkey, password=password, words=words, crypto_type=crypto(crypto_type), overwrite=overwrite
            )
        return NewKey(name, hotkey, keypair.ss58_address, crypto_type, mnemonic)

    def keypair_from_mnemonic(self, mnemonic: str, crypto_type: str) -> Keypair:
        """Validate ``mnemonic`` (naming the bad word, or "checksum mismatch") and derive its key."""
        from keystore.keypair import Keypair
        from keystore.mnemonic import validate_mnemonic

        phrase = " ".join(mnemonic.split())
        with translated_errors():
            validate_mnemonic(phrase)
            return Keypair.from_mnemonic(phrase, crypto(crypto_type))

    def _keypair_from_seed(self, seed: str, crypto_type: str) -> Keypair:
        from keystore.keypair import Keypair

        with translated_errors():
            return Keypair.from_seed(seed.strip(), crypto(crypto_type))

    def _write_coldkey(self, name: str, keypair: Keypair, password: str | None, overwrite: bool) -> WalletSummary:
        wallet = self._wallet(name)
        with translated_errors():
            wallet.regen_coldkey(keypair, password, overwrite=overwrite)
        self.lock(name)
        return self.get(name)

    def import_mnemonic(
        self, name: str, mnemonic: str, password: str | None, *, crypto_type: str = "sr25519", overwrite: bool = False
    ) -> WalletSummary:
        """Regenerate a coldkey from its mnemonic (btcli ``regen-coldkey --mnemonic``)."""
        return self._write_coldkey(name, self.keypair_from_mnemonic(mnemonic, crypto_type), password, overwrite)

    def import_seed(
        self, name: str, seed: str, password: str | None, *, crypto_type: str = "sr25519", overwrite: bool = False
    ) -> WalletSummary:
        """Regenerate a coldkey from its 32-byte seed in hex (btcli ``regen-coldkey --seed``)."""
        return self._write_coldkey(name, self._keypair_from_seed(seed, crypto_type), password, overwrite)

    def import_json_backup(
        self,
        name: str,
        backup: str | bytes,
        backup_passphrase: str,
        password: str | None,
        *,
        overwrite: bool = False,
    ) -> WalletSummary:
        """Regenerate a coldkey from a polkadot-js JSON backup (scrypt + xsalsa20-poly1305)."""
        from keystore.polkadot_json import keypair_from_polkadot_json

        with translated_errors():
            keypair = keypair_from_polkadot_json(backup, backup_passphrase)
        return self._write_coldkey(name, keypair, password, overwrite)

    def import_json_backup_file(
        self, name: str, path: Path, backup_passphrase: str, password: str | None, *, overwrite: bool = False
    ) -> WalletSummary:
        """Like :meth:`import_json_backup`, reading the backup from ``path``."""
        try:
            data = Path(path).expanduser().read_bytes()
        except FileNotFoundError:
            raise WalletError("file_not_found", f"JSON backup file not found: {path}") from None
        except OSError as exc:
            raise WalletError("os_error", f"cannot read JSON backup {path}: {exc.strerror}") from None
        return self.import_json_backup(name, data, backup_passphrase, password, overwrite=overwrite)

    def import_watch_only(self, name: str, address: str, *, overwrite: bool = False) -> WalletSummary:
        """Write only coldkeypub.txt for ``address`` (btcli ``regen-coldkeypub``): a watch-only wallet."""
        wallet = self._wallet(name)
        with translated_errors():
            wallet.regen_coldkeypub(address.strip(), overwrite=overwrite)
        return self.get(name)

    def regen_hotkey(
        self,
        name: str,
        hotkey: str,
        *,
        mnemonic: str | None = None,
        seed: str | None = None,
        password: str | None = None,
        crypto_type: str = "sr25519",
        overwrite: bool = False,
    ) -> HotkeySummary:
        """Regenerate a hotkey from its mnemonic or seed (exactly one)."""
        if (mnemonic is None) == (seed is None):
            raise WalletError("missing_key_material", "give exactly one of a mnemonic or a seed")
        keypair = (
            self.keypair_from_mnemonic(mnemonic, crypto_type)
            if mnemonic is not None
            else self._keypair_from_seed(seed or "", crypto_type)
        )
        wallet = self._wallet(name)
        check_name(hotkey, "hotkey")
        with translated_errors():
            wallet.regen_hotkey(hotkey, keypair, password, overwrite=overwrite)
        return HotkeySummary(hotkey, keypair.ss58_address, "NaCl" if password else "none")

    # ----------------------------------------------------------------- passwords and unlocking

    def coldkey_path(self, name: str) -> Path:
        """Path of the coldkey file (for password files / BT_PW_ env lookups)."""
        return self._wallet(name).coldkey_file.path

    def _keyfile(self, name: str, hotkey: str | None) -> Keyfile:
        wallet = self._existing(name)
        if hotkey is None:
            return wallet.coldkey_file
        return wallet.hotkey_file(check_name(hotkey, "hotkey"))

    def is_encrypted(self, name: str, hotkey: str | None = None) -> bool:
        """Whether using this key needs a password (raises "keyfile_not_found" if it has no secret file)."""
        keyfile = self._keyfile(name, hotkey)
        with translated_errors():
            return keyfile.is_encrypted()

    def resolve_password(self, name: str, hotkey: str | None = None, *, password_file: Path | None = None) -> str | None:
        """A password without asking: from a file, bittensor-wallet's BT_PW_ env var, or the keyring."""
        from keystore.passwords import resolve_password

        keyfile = self._keyfile(name, hotkey)
        with translated_errors():
            return resolve_password(keyfile.path, password_file=password_file, store=self._store)

    def keyring_available(self) -> bool:
        """Whether "remember password" can work (a usable OS keyring backend exists)."""
        return self._store is not None and self._store.available()

    def unlock(
        self,
        name: str,
        password: str | None,
        *,
        cache_seconds: int | None = None,
        remember: bool = False,
    ) -> UnlockResult:
        """Decrypt the coldkey (~3 s). Keep it in memory for ``cache_seconds`` (default: the service's).

        Raises:
            WalletError: "wrong_password", "corrupt_keyfile", "keyfile_not_found", "keyring_unavailable"...
        """
        keyfile = self._keyfile(name, None)
        with translated_errors():
            keypair = keyfile.load(password if keyfile.is_encrypted() else None)
            if remember and password:
                if self._store is None:
                    raise WalletError("keyring_unavailable", "remembering passwords is disabled")
                self._store.remember(keyfile.path, password)
        seconds = self.unlock_cache_seconds if cache_seconds is None else cache_seconds
        if seconds > 0:
            with self._lock:
                self._cache[name] = _CachedKey(keypair, self._clock() + seconds)
        log.info("unlocked coldkey of wallet %s (cached for %d s)", name, seconds)
        return UnlockResult(name, keypair.ss58_address, seconds, remember and bool(password))

    def forget_password(self, name: str) -> None:
        """Remove a remembered password from the OS keyring."""
        if self._store is not None:
            with translated_errors():
                self._store.forget(self.coldkey_path(name))

    def is_unlocked(self, name: str) -> bool:
        """Whether an unlocked coldkey for ``name`` is cached and not expired."""
        return self._cached(name) is not None

    def _cached(self, name: str) -> Keypair | None:
        with self._lock:
            entry = self._cache.get(name)
            if entry is None:
                return None
            if self._clock() >= entry.expires_at:
                del self._cache[name]
                return None
            return entry.keypair

    def lock(self, name: str) -> None:
        """Drop the cached unlocked coldkey of ``name`` (Python cannot zero immutable bytes; the reference goes)."""
        with self._lock:
            self._cache.pop(name, None)

    def lock_all(self) -> None:
        """Drop every cached unlocked key (called on exit)."""
        with self._lock:
            self._cache.clear()

    def change_password(self, name: str, old: str, new: str, *, hotkey: str | None = None) -> None:
        """Re-encrypt a keyfile under a new password (old one checked first; a backup copy is kept)."""
        if not new:
            raise WalletError("empty_password", "the new password must not be empty")
        keyfile = self._keyfile(name, hotkey)
        with translated_errors():
            keyfile.change_password(old, new)
            if self._store is not None and hotkey is None and self._store.recall(keyfile.path) is not None:
                self._store.remember(keyfile.path, new)

    def upgrade_to_nacl(self, name: str, password: str) -> WalletSummary:
        """Re-encrypt a legacy (Ansible Vault / fernet) coldkey as NaCl; the old file is kept as a backup."""
        keyfile = self._keyfile(name, None)
        with translated_errors():
            keyfile.upgrade_to_nacl(password)
        return self.get(name)

    # ----------------------------------------------------------------- signing

    def _signing_key(self, name: str, hotkey: str | None, password: str | None) -> Keypair:
        if hotkey is None:
            cached = self._cached(name)
            if cached is not None:
                return cached
        keyfile = self._keyfile(name, hotkey)
        with translated_errors():
            if not keyfile.exists():
                wallet = self.get(name)
                if hotkey is None and wallet.watch_only:
                    raise WalletError("public_key_only", f"wallet {name!r} is watch-only: it cannot sign")
            if keyfile.is_encrypted():
                if password is None:
                    password = self.resolve_password(name, hotkey)
                if password is None:
                    raise WalletError("password_required", f"a password is needed to unlock {keyfile.path}")
                return keyfile.load(password)
            return keyfile.load(None)

    def signer(self, name: str, *, hotkey: str | None = None, password: str | None = None) -> ExternalSigner:
        """A transaction signer for the wallet's coldkey, or for one of its hotkeys when ``hotkey`` is given.

        The key is unlocked now (argon2, ~3 s, when its file is encrypted; a cached unlocked coldkey is
        reused) and afterwards lives only in the returned signer: drop the signer to forget the key.
        Hotkeys registering by proof of work sign their own `register` call, hence the hotkey option.

        Args:
            name: Wallet name.
            hotkey: Hotkey name; None signs with the coldkey.
            password: Password of an encrypted key; None looks it up without asking (BT_PW_ env var,
                remembered keyring entry) and fails if there is none.

        Raises:
            WalletError: "wallet_not_found", "keyfile_not_found", "public_key_only" (watch-only coldkey),
                "password_required", "wrong_password", "corrupt_keyfile".
        """
        from keystore.keypair import CryptoType
        from node.client.extrinsic import CryptoScheme, ExternalSigner

        keypair = self._signing_key(name, hotkey, password)
        scheme = CryptoScheme.ED25519 if keypair.crypto_type == CryptoType.ED25519 else CryptoScheme.SR25519
        return ExternalSigner(keypair.public_key, scheme, keypair.sign)

    def sign(self, name: str, message: str, *, hotkey: str | None = None, password: str | None = None) -> SignedMessage:
        """Sign ``message`` (utf-8, or raw bytes if it is 0x-hex, as btcli does) with the coldkey or a hotkey."""
        keypair = self._signing_key(name, hotkey, password)
        with translated_errors():
            signature = keypair.sign(message)
        return SignedMessage(keypair.ss58_address, keypair.crypto_type.name.lower(), message, "0x" + signature.hex())

    def verify(self, address: str, message: str, signature: str, *, crypto_type: str | None = None) -> VerifyResult:
        """Check a signature made by ``address`` (tries sr25519 then ed25519 unless told).

        Raises:
            WalletError: "invalid_address" for a malformed address; a bad signature is ``valid=False``.
        """
        from keystore.keypair import verify_signature

        scheme = crypto(crypto_type) if crypto_type else None
        sig = signature.strip()
        with translated_errors():
            try:
                valid = verify_signature(address.strip(), message, sig, scheme)
            except ValueError as exc:
                raise WalletError("invalid_signature", f"signature is not valid hex: {exc}") from None
        return VerifyResult(address.strip(), message, valid, crypto_type if valid else None)


__all__ = ["WalletService", "address_from_public_key", "check_name", "translated_errors"]
