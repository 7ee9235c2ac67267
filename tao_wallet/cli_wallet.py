"""``tao-wallet wallet ...``: btcli's wallet vocabulary over WalletService.

Output shapes for ``--json`` are documented in docs/cli.md and are a stable interface. Anything the
user must read while JSON goes to stdout (prompts, warnings) is written to stderr.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from tao_wallet.cli_passwords import new_password
from tao_wallet.services.errors import WalletError
from tao_wallet.services.wallets import WalletService
from tao_wallet.wallet_models import HotkeySummary, NewKey, WalletSummary

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Common:
    """Options every wallet command accepts (btcli spelling, with underscores accepted too)."""

    service: WalletService
    name: str
    hotkey: str
    as_json: bool
    no_prompt: bool
    password_file: Path | None
    crypto_type: str
    words: int


def common_options(func: F) -> F:
    """Attach --wallet-path/--wallet-name/--hotkey/--json/--password-file/--no-prompt and friends."""
    options = [
        click.option("--wallet-path", "--wallet_path", "-p", type=click.Path(file_okay=False, path_type=Path),
                     default=None, help="Wallet directory (env: TAO_WALLET_PATH, BT_WALLET_PATH)."),
        click.option("--wallet-name", "--wallet_name", "--name", "-w", "wallet_name", default="default",
                     show_default=True, help="Wallet (coldkey) name."),
        click.option("--hotkey", "--wallet-hotkey", "--wallet_hotkey", "-H", "hotkey", default="default",
                     show_default=True, help="Hotkey name."),
        click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON on stdout (see docs/cli.md)."),
        click.option("--password-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Read the password from the first line of this file."),
        click.option("--no-prompt", is_flag=True, help="Never ask interactively; fail if input is missing."),
        click.option("--crypto-type", type=click.Choice(["sr25519", "ed25519"]), default=None,
                     help="Signature scheme for new keys (default from config: sr25519)."),
        click.option("--words", "--n-words", "--n_words", type=click.Choice(["12", "15", "18", "21", "24"]),
                     default=None, help="Mnemonic length for new keys (default 12)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def make_common(kwargs: dict[str, Any]) -> Common:
    """Pop the common options out of ``kwargs`` and build the service from config + flags."""
    from tao_wallet.cli import password_store
    from tao_wallet.config import load_config

    config = load_config({"wallet_path": kwargs.pop("wallet_path")})
    service = WalletService(
        config.wallet_path,
        unlock_cache_seconds=0,  # a CLI process ends right away: never cache keys
        password_store=password_store(config.remember_passwords),
    )
    words = kwargs.pop("words")
    return Common(
        service=service,
        name=kwargs.pop("wallet_name"),
        hotkey=kwargs.pop("hotkey"),
        as_json=kwargs.pop("as_json"),
        no_prompt=kwargs.pop("no_prompt"),
        password_file=kwargs.pop("password_file"),
        crypto_type=kwargs.pop("crypto_type") or config.crypto_type,
        words=int(words) if words else config.mnemonic_words,
    )


def out(common: Common, data: dict[str, Any], text: str) -> None:
    """Print ``data`` as JSON with --json, else the human ``text``."""
    click.echo(json.dumps(data, indent=None, sort_keys=False) if common.as_json else text)


def hotkey_json(hotkey: HotkeySummary) -> dict[str, Any]:
    """Stable JSON for a hotkey."""
    return {"name": hotkey.name, "ss58_address": hotkey.address, "encryption": hotkey.encryption}


def wallet_json(wallet: WalletSummary) -> dict[str, Any]:
    """Stable JSON for a wallet (docs/cli.md, "wallet object")."""
    return {
        "name": wallet.name,
        "path": wallet.path,
        "coldkey": {
            "ss58_address": wallet.coldkey_address,
            "encryption": wallet.coldkey_encryption,
            "crypto_type": wallet.crypto_type,
        },
        "watch_only": wallet.watch_only,
        "hotkeys": [hotkey_json(h) for h in wallet.hotkeys],
        "problems": list(wallet.problems),
    }


def wallet_text(wallet: WalletSummary) -> str:
    """Human tree for one wallet, like btcli's."""
    lines = [f"{wallet.name}  coldkey {wallet.coldkey_address or '-'}  [{wallet.coldkey_encryption}, {wallet.crypto_type}]"]
    lines += [f"  └─ {h.name}  hotkey {h.address or '-'}  [{h.encryption}]" for h in wallet.hotkeys]
    lines += [f"  ! {problem}" for problem in wallet.problems]
    return "\n".join(lines)


def new_key_json(key: NewKey, encrypted: bool | None) -> dict[str, Any]:
    """Stable JSON for a freshly generated key; includes the mnemonic (its only copy)."""
    data: dict[str, Any] = {"ss58_address": key.address, "crypto_type": key.crypto_type, "mnemonic": key.mnemonic}
    if key.hotkey is not None:
        data = {"name": key.hotkey, **data}
    if encrypted is not None:
        data["encrypted"] = encrypted
    return data


def new_key_text(key: NewKey, what: str) -> str:
    """Human text for a new key, with the mnemonic warning btcli gives."""
    return (
        f"{what} created: {key.address} ({key.crypto_type})\n"
        "IMPORTANT: store this mnemonic in a secure place. It is the only way to recover the key, "
        "and it will not be shown again:\n"
        f"    {key.mnemonic}"
    )


@click.group("wallet")
def wallet_group() -> None:
    """Create, import and inspect wallets (btcli-compatible layout and names)."""


@wallet_group.command("list")
@common_options
def list_cmd(**kwargs: Any) -> None:
    """List wallets with their coldkey and hotkey addresses (reads public files only)."""
    c = make_common(kwargs)
    wallets = c.service.list_wallets()
    text = "\n".join(wallet_text(w) for w in wallets) or f"No wallets in {c.service.root}"
    out(c, {"wallet_path": str(c.service.root), "wallets": [wallet_json(w) for w in wallets]}, text)


@wallet_group.command("show")
@common_options
def show_cmd(**kwargs: Any) -> None:
    """Show one wallet: coldkey (address, encryption, scheme) and its hotkeys."""
    c = make_common(kwargs)
    wallet = c.service.get(c.name)
    out(c, wallet_json(wallet), wallet_text(wallet))


def _create_coldkey(c: Common, no_password: bool, overwrite: bool) -> tuple[NewKey, bool]:
    password = None if no_password else new_password(c.password_file, no_prompt=c.no_prompt, what="coldkey")
    key = c.service.create_coldkey(
        c.name, password, words=c.words, crypto_type=c.crypto_type, overwrite=overwrite
    )
    return key, password is not None


@wallet_group.command("create")
@common_options
@click.option("--no-password", "--no-use-password", is_flag=True, help="Write the coldkey unencrypted (unsafe).")
@click.option("--overwrite", is_flag=True, help="Replace existing keys (a backup copy is kept).")
def create_cmd(no_password: bool, overwrite: bool, **kwargs: Any) -> None:
    """Create a wallet: a new coldkey and a new hotkey."""
    c = make_common(kwargs)
    cold, encrypted = _create_coldkey(c, no_password, overwrite)
    hot = c.service.create_hotkey(c.name, c.hotkey, words=c.words, crypto_type=c.crypto_type, overwrite=overwrite)
    data = {"wallet": c.name, "coldkey": new_key_json(cold, encrypted), "hotkey": new_key_json(hot, False)}
    out(c, data, new_key_text(cold, "Coldkey") + "\n" + new_key_text(hot, f"Hotkey {c.hotkey!r}"))


@wallet_group.command("new-coldkey")
@common_options
@click.option("--no-password", "--no-use-password", is_flag=True, help="Write the coldkey unencrypted (unsafe).")
@click.option("--overwrite", is_flag=True, help="Replace an existing coldkey (a backup copy is kept).")
def new_coldkey_cmd(no_password: bool, overwrite: bool, **kwargs: Any) -> None:
    """Create a new coldkey for a wallet."""
    c = make_common(kwargs)
    cold, encrypted = _create_coldkey(c, no_password, overwrite)
    out(c, {"wallet": c.name, "coldkey": new_key_json(cold, encrypted)}, new_key_text(cold, "Coldkey"))


@wallet_group.command("new-hotkey")
@common_options
@click.option("--use-password", is_flag=True, help="Encrypt the hotkey too (btcli leaves hotkeys unencrypted).")
@click.option("--overwrite", is_flag=True, help="Replace an existing hotkey (a backup copy is kept).")
def new_hotkey_cmd(use_password: bool, overwrite: bool, **kwargs: Any) -> None:
    """Create a new hotkey for a wallet."""
    c = make_common(kwargs)
    password = new_password(c.password_file, no_prompt=c.no_prompt, what="hotkey") if use_password else None
    hot = c.service.create_hotkey(
        c.name, c.hotkey, password=password, words=c.words, crypto_type=c.crypto_type, overwrite=overwrite
    )
    out(c, {"wallet": c.name, "hotkey": new_key_json(hot, password is not None)}, new_key_text(hot, "Hotkey"))


__all__ = ["Common", "WalletError", "common_options", "make_common", "out", "wallet_group"]
