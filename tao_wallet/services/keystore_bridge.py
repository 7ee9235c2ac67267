"""Glue between WalletService and keystore: error translation, labels, names, key parsing.

keystore is imported lazily so the CLI's fast path (``wallet list``) only loads what it uses.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from tao_wallet.services.errors import WalletError, code_for_exception

if TYPE_CHECKING:
    from keystore.keyfile import Encryption
    from keystore.keypair import CryptoType

_ENCRYPTION_LABELS = {
    "NACL": "NaCl",
    "ANSIBLE_VAULT": "Ansible Vault",
    "FERNET_LEGACY": "legacy fernet",
    "NONE": "none",
}
_FORBIDDEN_NAME_CHARS = set('/\\\0:*?"<>|')


@contextlib.contextmanager
def translated_errors() -> Iterator[None]:
    """Turn keystore errors (and OS errors) into WalletError with the same specific message."""
    from keystore.errors import KeystoreError

    try:
        yield
    except WalletError:
        raise
    except KeystoreError as exc:
        raise WalletError(code_for_exception(exc), str(exc)) from None
    except PermissionError as exc:
        raise WalletError("permission_denied", f"permission denied: {exc.filename}") from None
    except OSError as exc:
        raise WalletError("os_error", f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")) from None


def label(encryption: Encryption | None) -> str:
    return "missing" if encryption is None else _ENCRYPTION_LABELS.get(encryption.name, encryption.name.lower())


def crypto(name: str) -> CryptoType:
    from keystore.keypair import CryptoType

    try:
        return CryptoType[name.upper()]
    except KeyError:
        raise WalletError("invalid_crypto_type", f"unknown crypto type {name!r}: use sr25519 or ed25519") from None


def check_name(name: str, what: str = "wallet") -> str:
    """Reject names that are not a single safe path component (bittensor-wallet does not check).

    Raises:
        WalletError: code "invalid_name".
    """
    if not name or name in (".", "..") or name.startswith(".") or _FORBIDDEN_NAME_CHARS & set(name):
        raise WalletError("invalid_name", f"invalid {what} name {name!r}: use letters, digits, '-' or '_'")
    if name != name.strip():
        raise WalletError("invalid_name", f"invalid {what} name {name!r}: no leading or trailing spaces")
    return name


def address_from_public_key(public_key_hex: str) -> str:
    """SS58 (format 42) address of a 32-byte public key given in hex (0x optional).

    Raises:
        WalletError: "invalid_public_key" if it is not 32 bytes of hex.
    """
    from keystore.ss58 import ss58_encode

    text = public_key_hex.strip().removeprefix("0x")
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise WalletError("invalid_public_key", "public key is not valid hex") from None
    if len(raw) != 32:
        raise WalletError("invalid_public_key", f"public key must be 32 bytes, got {len(raw)}")
    with translated_errors():
        return ss58_encode(raw)
