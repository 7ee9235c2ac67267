"""A bittensor-wallet directory: ``<path>/<name>/{coldkey, coldkeypub.txt, hotkeys/<hk>, hotkeys/<hk>pub.txt}``.

Listing reads public files only and never decrypts; secrets are loaded per call and not kept.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from keystore.atomic import BACKUP_MARK
from keystore.errors import (
    InvalidWalletNameError,
    KeyfileExistsError,
    KeyfileNotFoundError,
    KeystoreError,
    PublicKeyOnlyError,
)
from keystore.keyfile import Encryption, Keyfile
from keystore.keyfile_data import crypto_type_of, parse_json_object, public_keypair_from_fields
from keystore.keypair import CryptoType, Keypair
from keystore.mnemonic import generate_mnemonic

log = logging.getLogger(__name__)
PUB_SUFFIX = "pub.txt"


def default_wallet_path() -> Path:
    """``TAO_WALLET_PATH`` or ``BT_WALLET_PATH`` if set, else bittensor's ``~/.bittensor/wallets``."""
    for var in ("TAO_WALLET_PATH", "BT_WALLET_PATH"):
        value = os.environ.get(var)
        if value:
            return Path(value).expanduser()
    return Path("~/.bittensor/wallets").expanduser()


def check_name(name: str, what: str = "wallet") -> str:
    """Reject names that are not one safe path component.

    Raises:
        InvalidWalletNameError: empty, dot-leading, path separators, or a reserved suffix.
    """
    bad = (
        not name
        or name.startswith(".")
        or any(c in name for c in "/\\\0")
        or name != name.strip()
        or (what == "hotkey" and (name.endswith(PUB_SUFFIX) or BACKUP_MARK in name))
    )
    if bad:
        raise InvalidWalletNameError(f"invalid {what} name {name!r}: use letters, digits, '-' or '_'")
    return name


def _require_secret(keypair: Keypair, what: str, alternative: str | None) -> None:
    if keypair.is_public_only:
        hint = f"; use {alternative} for a watch-only wallet" if alternative else ""
        raise PublicKeyOnlyError(f"a {what} needs a secret key, got a public key only{hint}")


def _valid_hotkey_name(name: str) -> bool:
    try:
        check_name(name, "hotkey")
    except InvalidWalletNameError:
        return False
    return True


@dataclass(frozen=True)
class HotkeyInfo:
    """One hotkey as listed: address from its pub file (or plaintext keyfile), None if unknown."""

    name: str
    address: str | None
    encryption: Encryption | None


@dataclass(frozen=True)
class WalletInfo:
    """A wallet as listed, from public files only. ``problems`` describes unreadable files."""

    name: str
    path: Path
    coldkey_address: str | None
    coldkey_encryption: Encryption | None
    coldkey_crypto_type: CryptoType | None
    hotkeys: tuple[HotkeyInfo, ...]
    problems: tuple[str, ...] = ()


def _public_info(keyfile: Keyfile) -> tuple[str | None, CryptoType | None]:
    """Address and crypto type from a plaintext file's public fields, without touching secrets."""
    fields = parse_json_object(keyfile.read_bytes())
    return public_keypair_from_fields(fields).ss58_address, crypto_type_of(fields)


@dataclass(frozen=True)
class Wallet:
    """One wallet directory. ``path`` is the wallets root (leading ``~`` expanded)."""

    name: str = "default"
    path: Path = field(default_factory=default_wallet_path)

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path).expanduser())
        check_name(self.name)

    @property
    def directory(self) -> Path:
        """``<path>/<name>``."""
        return self.path / self.name

    @property
    def coldkey_file(self) -> Keyfile:
        """The secret coldkey keyfile."""
        return Keyfile(self.directory / "coldkey")

    @property
    def coldkeypub_file(self) -> Keyfile:
        """``coldkeypub.txt``."""
        return Keyfile(self.directory / "coldkeypub.txt")

    def hotkey_file(self, name: str) -> Keyfile:
        """``hotkeys/<name>``."""
        return Keyfile(self.directory / "hotkeys" / check_name(name, "hotkey"))

    def hotkeypub_file(self, name: str) -> Keyfile:
        """``hotkeys/<name>pub.txt``."""
        return Keyfile(self.directory / "hotkeys" / (check_name(name, "hotkey") + PUB_SUFFIX))

    def exists(self) -> bool:
        """True if the wallet directory exists."""
        return self.directory.is_dir()

    def hotkey_names(self) -> list[str]:
        """Hotkeys with a keyfile or a pub file (backups and temp files excluded), sorted."""
        directory = self.directory / "hotkeys"
        if not directory.is_dir():
            return []
        names: set[str] = set()
        for entry in directory.iterdir():
            if entry.name.startswith(".") or BACKUP_MARK in entry.name or not entry.is_file():
                continue
            name = entry.name
            # hotkey names may not end in "pub.txt", so "<x>pub.txt" is always x's public file
            names.add(name[: -len(PUB_SUFFIX)] if name.endswith(PUB_SUFFIX) else name)
        return sorted(n for n in names if _valid_hotkey_name(n))

    # -- listing ------------------------------------------------------------------------------

    def _hotkey_info(self, name: str, problems: list[str]) -> HotkeyInfo:
        keyfile, pubfile = self.hotkey_file(name), self.hotkeypub_file(name)
        encryption: Encryption | None = None
        address: str | None = None
        try:
            if keyfile.exists():
                encryption = keyfile.encryption()
            if pubfile.exists():
                address = _public_info(pubfile)[0]
            elif encryption is Encryption.NONE:
                address = _public_info(keyfile)[0]
        except KeystoreError as exc:
            problems.append(f"hotkey {name}: {exc}")
        return HotkeyInfo(name, address, encryption)

    def info(self) -> WalletInfo:
        """Addresses and encryption state from public files; damaged files become ``problems``."""
        problems: list[str] = []
        address: str | None = None
        crypto: CryptoType | None = None
        encryption: Encryption | None = None
        try:
            if self.coldkeypub_file.exists():
                address, crypto = _public_info(self.coldkeypub_file)
        except KeystoreError as exc:
            problems.append(f"coldkeypub: {exc}")
        try:
            if self.coldkey_file.exists():
                encryption = self.coldkey_file.encryption()
                if address is None and encryption is Encryption.NONE:
                    address, crypto = _public_info(self.coldkey_file)
        except KeystoreError as exc:
            problems.append(f"coldkey: {exc}")
        hotkeys = tuple(self._hotkey_info(n, problems) for n in self.hotkey_names())
        return WalletInfo(self.name, self.path, address, encryption, crypto, hotkeys, tuple(problems))

    def coldkey_address(self) -> str:
        """The coldkey's SS58 address from ``coldkeypub.txt`` (no password).

        Raises:
            KeyfileNotFoundError, CorruptKeyfileError.
        """
        return self.coldkeypub_file.load_public().ss58_address

    # -- creating -----------------------------------------------------------------------------

    @staticmethod
    def _check_free(files: tuple[Keyfile, ...], overwrite: bool) -> None:
        if overwrite:
            return
        for keyfile in files:
            if keyfile.path.exists():
                raise KeyfileExistsError(
                    f"{keyfile.path} already exists; pass overwrite to replace it (a backup is kept)"
                )

    def regen_coldkey(self, keypair: Keypair, password: str | None, *, overwrite: bool = False) -> None:
        """Write ``coldkey`` (NaCl if ``password``) and ``coldkeypub.txt``.

        Raises:
            PublicKeyOnlyError: no secret (use regen_coldkeypub for a watch-only wallet).
            KeyfileExistsError: either file exists and not ``overwrite`` (nothing written).
        """
        _require_secret(keypair, "coldkey", "regen_coldkeypub")
        self._check_free((self.coldkey_file, self.coldkeypub_file), overwrite)
        self.coldkey_file.save(keypair, password, overwrite=overwrite)
        self.coldkeypub_file.save(keypair, overwrite=overwrite, public_only=True)

    def regen_coldkeypub(
        self, address: str, *, overwrite: bool = False, crypto_type: CryptoType = CryptoType.SR25519
    ) -> None:
        """Watch-only wallet: write ``coldkeypub.txt`` from an SS58 address.

        Raises:
            InvalidAddressError, KeyfileExistsError.
        """
        keypair = Keypair.from_ss58(address, crypto_type)
        self._check_free((self.coldkeypub_file,), overwrite)
        self.coldkeypub_file.save(keypair, overwrite=overwrite, public_only=True)

    def regen_hotkey(
        self, name: str, keypair: Keypair, password: str | None = None, *, overwrite: bool = False
    ) -> None:
        """Write ``hotkeys/<name>`` (plaintext unless ``password``) and ``hotkeys/<name>pub.txt``.

        Raises:
            PublicKeyOnlyError: no secret. KeyfileExistsError: exists and not ``overwrite``.
        """
        _require_secret(keypair, "hotkey", None)
        files = (self.hotkey_file(name), self.hotkeypub_file(name))
        self._check_free(files, overwrite)
        files[0].save(keypair, password, overwrite=overwrite)
        files[1].save(keypair, overwrite=overwrite, public_only=True)

    def create_coldkey(
        self,
        password: str | None,
        *,
        words: int = 12,
        crypto_type: CryptoType = CryptoType.SR25519,
        overwrite: bool = False,
    ) -> tuple[Keypair, str]:
        """New random coldkey. Returns (keypair, mnemonic); show the mnemonic to the user once."""
        self._check_free((self.coldkey_file, self.coldkeypub_file), overwrite)
        phrase = generate_mnemonic(words)
        keypair = Keypair.from_mnemonic(phrase, crypto_type)
        self.regen_coldkey(keypair, password, overwrite=overwrite)
        return keypair, phrase

    def create_hotkey(
        self,
        name: str,
        *,
        password: str | None = None,
        words: int = 12,
        crypto_type: CryptoType = CryptoType.SR25519,
        overwrite: bool = False,
    ) -> tuple[Keypair, str]:
        """New random hotkey. Returns (keypair, mnemonic)."""
        self._check_free((self.hotkey_file(name), self.hotkeypub_file(name)), overwrite)
        phrase = generate_mnemonic(words)
        keypair = Keypair.from_mnemonic(phrase, crypto_type)
        self.regen_hotkey(name, keypair, password, overwrite=overwrite)
        return keypair, phrase

    # -- unlocking ----------------------------------------------------------------------------

    def unlock_coldkey(self, password: str) -> Keypair:
        """Decrypt the coldkey (~3 s for NaCl). The caller should drop it after use.

        Raises:
            KeyfileNotFoundError, WrongPasswordError, CorruptKeyfileError.
        """
        if not self.coldkey_file.exists() and self.coldkeypub_file.exists():
            raise KeyfileNotFoundError(f"wallet {self.name!r} is watch-only (no coldkey file)")
        return self.coldkey_file.load(password)

    def load_hotkey(self, name: str, password: str | None = None) -> Keypair:
        """Load ``hotkeys/<name>`` (password only if it is encrypted)."""
        return self.hotkey_file(name).load(password)


def list_wallets(path: Path | None = None) -> list[WalletInfo]:
    """Every wallet directory under ``path`` (default wallet path), sorted by name; never decrypts."""
    root = Path(path).expanduser() if path is not None else default_wallet_path()
    if not root.is_dir():
        return []
    infos = []
    for entry in sorted(root.iterdir()):
        if entry.is_dir() and not entry.name.startswith("."):
            try:
                infos.append(Wallet(entry.name, root).info())
            except InvalidWalletNameError:
                log.warning("skipping directory with an unusable wallet name: %r", entry.name)
    return infos
