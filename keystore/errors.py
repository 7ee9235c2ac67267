"""Keystore exceptions: one class per failure a user must be able to tell apart.

Messages are written for people and never contain secrets (passwords, phrases, seeds, keys).
"""

from __future__ import annotations


class KeystoreError(Exception):
    """Base class of every keystore failure."""


class InvalidMnemonicError(KeystoreError):
    """A mnemonic has the wrong length, an unknown word, or a bad checksum."""


class InvalidAddressError(KeystoreError):
    """An SS58 address is malformed, has a bad checksum, or the wrong network prefix."""


class InvalidKeyMaterialError(KeystoreError):
    """A seed, private key, public key, secret URI or derivation path is unusable."""


class KeyfileNotFoundError(KeystoreError):
    """The keyfile does not exist."""


class KeyfileExistsError(KeystoreError):
    """The keyfile exists and the caller did not ask to overwrite it."""


class WrongPasswordError(KeystoreError):
    """Authentication failed on a structurally sound encrypted keyfile."""


class CorruptKeyfileError(KeystoreError):
    """The keyfile is truncated, has a damaged header, or holds invalid JSON or fields."""


class UnsupportedKeyfileError(KeystoreError):
    """The keyfile uses a format or feature this keystore cannot handle."""


class KeyringUnavailableError(KeystoreError):
    """No usable OS keyring backend; passwords are never stored in plaintext instead."""


class PublicKeyOnlyError(KeystoreError):
    """A secret-key operation (signing) was attempted with a public-only keypair."""


class PasswordRequiredError(WrongPasswordError):
    """The keyfile is encrypted and no password was given."""


class InvalidWalletNameError(KeystoreError):
    """A wallet or hotkey name cannot be used as a single, safe path component."""


class PasswordFileError(KeystoreError):
    """A password file is missing, unreadable or empty."""
