"""One keyfile on disk: detect its format, load it with a password, save it atomically.

Nothing here prompts, caches a password, or keeps a decrypted key beyond the call.
"""

from __future__ import annotations

import logging
import stat
from dataclasses import dataclass
from pathlib import Path

from keystore import keyfile_crypto as crypto
from keystore.atomic import atomic_write
from keystore.errors import (
    CorruptKeyfileError,
    KeyfileNotFoundError,
    KeystoreError,
    PasswordRequiredError,
    UnsupportedKeyfileError,
)
from keystore.keyfile_crypto import Encryption
from keystore.keyfile_data import (
    deserialize_keypair,
    parse_json_object,
    public_keypair_from_fields,
    serialize_keypair,
)
from keystore.keypair import Keypair

log = logging.getLogger(__name__)

__all__ = ["Encryption", "Keyfile"]


@dataclass(frozen=True)
class Keyfile:
    """A keyfile path (``coldkey``, ``coldkeypub.txt``, ``hotkeys/<name>``...)."""

    path: Path

    def exists(self) -> bool:
        """True if the file exists."""
        return self.path.is_file()

    def read_bytes(self) -> bytes:
        """Raw contents.

        Raises:
            KeyfileNotFoundError: missing.
            KeystoreError: unreadable (permissions, a directory...).
        """
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            raise KeyfileNotFoundError(f"keyfile {self.path} does not exist") from None
        except IsADirectoryError:
            raise KeystoreError(f"{self.path} is a directory, not a keyfile") from None
        except PermissionError:
            raise KeystoreError(f"cannot read {self.path}: permission denied") from None

    def encryption(self) -> Encryption:
        """Format by prefix.

        Raises:
            KeyfileNotFoundError: missing.
            CorruptKeyfileError: empty or unrecognised header.
        """
        return crypto.detect_encryption(self.read_bytes())

    def is_encrypted(self) -> bool:
        """True for NaCl, Ansible Vault and legacy Fernet files."""
        return self.encryption() is not Encryption.NONE

    def decrypt_bytes(self, password: str | None) -> bytes:
        """The plaintext JSON bytes (for plaintext files, the file itself).

        Raises:
            PasswordRequiredError: encrypted and ``password`` is None.
            WrongPasswordError, CorruptKeyfileError, KeyfileNotFoundError.
        """
        data = self.read_bytes()
        kind = crypto.detect_encryption(data)
        if kind is Encryption.NONE:
            return data
        if password is None:
            raise PasswordRequiredError(f"{self.path} is encrypted ({kind.value}); a password is required")
        return crypto.decrypt(data, password)

    def load(self, password: str | None = None) -> Keypair:
        """Decrypt (if needed) and parse the keypair. Costs ~3 s for NaCl files.

        Raises:
            KeyfileNotFoundError, PasswordRequiredError, WrongPasswordError, CorruptKeyfileError,
            UnsupportedKeyfileError.
        """
        plaintext = self.decrypt_bytes(password)
        try:
            keypair = deserialize_keypair(plaintext)
        except CorruptKeyfileError as exc:
            raise CorruptKeyfileError(f"{self.path}: {exc}") from None
        if not keypair.is_public_only:
            self._warn_if_shared()
        return keypair

    def _warn_if_shared(self) -> None:
        """bittensor-wallet never checks this; a secret keyfile others can read deserves a warning."""
        try:
            mode = stat.S_IMODE(self.path.stat().st_mode)
        except OSError:
            return
        if mode & 0o077:
            log.warning(
                "secret keyfile %s is accessible to other users (mode %o); run chmod 600", self.path, mode
            )

    def load_public(self) -> Keypair:
        """Public-only keypair from a plaintext file; never derives or keeps a secret.

        Raises:
            PasswordRequiredError: the file is encrypted (use load()).
            KeyfileNotFoundError, CorruptKeyfileError.
        """
        data = self.read_bytes()
        kind = crypto.detect_encryption(data)
        if kind is not Encryption.NONE:
            raise PasswordRequiredError(
                f"{self.path} is encrypted ({kind.value}); its address needs the password"
            )
        try:
            return public_keypair_from_fields(parse_json_object(data))
        except CorruptKeyfileError as exc:
            raise CorruptKeyfileError(f"{self.path}: {exc}") from None

    def save(
        self,
        keypair: Keypair,
        password: str | None = None,
        *,
        overwrite: bool = False,
        public_only: bool = False,
    ) -> Path | None:
        """Write the keypair atomically (0600 file, 0700 new dirs); NaCl-encrypt if ``password``.

        Returns:
            The backup path when an existing file was replaced, else None.

        Raises:
            KeyfileExistsError: exists and not ``overwrite``.
            ValueError: a password was given for a public keyfile (they are never encrypted).
        """
        if public_only and password is not None:
            raise ValueError("public keyfiles are never encrypted")
        data = serialize_keypair(keypair, public_only=public_only)
        if password is not None:
            data = crypto.nacl_encrypt(data, password)
        backup = atomic_write(self.path, data, overwrite=overwrite)
        log.info("wrote keyfile %s (%s)", self.path, "NaCl" if password is not None else "plaintext")
        return backup

    def _rewrite_encrypted(self, plaintext: bytes, password: str, keep_backup: bool) -> Path | None:
        deserialize_keypair(plaintext)  # never write something we could not read back
        backup = atomic_write(self.path, crypto.nacl_encrypt(plaintext, password), overwrite=True)
        if backup is not None and not keep_backup:
            backup.unlink()
            backup = None
        return backup

    def change_password(self, old: str, new: str, *, keep_backup: bool = True) -> Path | None:
        """Re-encrypt with ``new`` as NaCl (the JSON is kept byte for byte). Costs two unlocks.

        Args:
            old: current password.
            new: new password.
            keep_backup: keep the previous file (still readable with ``old``) as a backup.

        Raises:
            UnsupportedKeyfileError: the file is not encrypted (use encrypt()).
            WrongPasswordError, CorruptKeyfileError, KeyfileNotFoundError: nothing is changed.
        """
        if not self.is_encrypted():
            raise UnsupportedKeyfileError(f"{self.path} is not encrypted; use encrypt to add a password")
        return self._rewrite_encrypted(self.decrypt_bytes(old), new, keep_backup)

    def encrypt(self, password: str) -> Path | None:
        """Encrypt a plaintext keyfile with NaCl (a plaintext backup is NOT kept).

        Raises:
            UnsupportedKeyfileError: already encrypted.
        """
        if self.is_encrypted():
            raise UnsupportedKeyfileError(f"{self.path} is already encrypted")
        return self._rewrite_encrypted(self.read_bytes(), password, keep_backup=False)

    def upgrade_to_nacl(self, password: str) -> Path | None:
        """Convert a legacy Ansible Vault / Fernet keyfile to NaCl, keeping a backup.

        Returns:
            The backup path, or None when the file already was NaCl (nothing done).

        Raises:
            UnsupportedKeyfileError: the file is plaintext.
            WrongPasswordError, CorruptKeyfileError: nothing is changed.
        """
        kind = self.encryption()
        if kind is Encryption.NACL:
            return None
        if kind is Encryption.NONE:
            raise UnsupportedKeyfileError(f"{self.path} is not encrypted; use encrypt to add a password")
        return self._rewrite_encrypted(self.decrypt_bytes(password), password, keep_backup=True)
