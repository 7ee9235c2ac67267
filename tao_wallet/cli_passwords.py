"""How the CLI obtains passwords: file, BT_PW_ env, keyring, then (unless --no-prompt) a hidden prompt.

Prompts go to stderr so ``--json`` output on stdout stays parseable. Passwords are never echoed or logged.
"""

from __future__ import annotations

from pathlib import Path

import click

from tao_wallet.services.errors import WalletError
from tao_wallet.services.wallets import WalletService, translated_errors


def read_password_file(path: Path) -> str:
    """First line of ``path`` without its newline (the keystore's rule, so CLI and keystore agree)."""
    from keystore.passwords import read_password_file as _read

    with translated_errors():
        return _read(path)


def existing_password(
    service: WalletService,
    name: str,
    hotkey: str | None,
    password_file: Path | None,
    *,
    no_prompt: bool,
) -> str | None:
    """The password of an existing key, or None if the key is not encrypted."""
    if not service.is_encrypted(name, hotkey):
        return None
    if password_file is not None:
        return read_password_file(password_file)
    found = service.resolve_password(name, hotkey)
    if found is not None:
        return found
    what = f"hotkey {hotkey!r}" if hotkey else "coldkey"
    if no_prompt:
        raise WalletError(
            "password_required", f"the {what} of wallet {name!r} is encrypted: pass --password-file (or BT_PW_ env)"
        )
    return str(click.prompt(f"Password for the {what} of {name!r}", hide_input=True, err=True))


def new_password(password_file: Path | None, *, no_prompt: bool, what: str, flag: str = "--password-file") -> str:
    """A password for a key being written: from the file, else asked twice."""
    if password_file is not None:
        password = read_password_file(password_file)
    elif no_prompt:
        raise WalletError("password_required", f"a password for the new {what} is needed: pass {flag} or --no-password")
    else:
        password = str(
            click.prompt(f"New password for the {what}", hide_input=True, confirmation_prompt=True, err=True)
        )
    if not password:
        raise WalletError("empty_password", f"the password for the {what} must not be empty")
    return password
