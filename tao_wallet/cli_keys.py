"""``tao-wallet wallet regen-* | change-password | sign | verify``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from tao_wallet.cli_passwords import existing_password, new_password
from tao_wallet.cli_wallet import (
    Common,
    common_options,
    hotkey_json,
    make_common,
    out,
    wallet_json,
    wallet_text,
)
from tao_wallet.services.errors import WalletError
from tao_wallet.services.wallets import address_from_public_key


def _ask(value: str | None, prompt: str, c: Common, flag: str, *, hide: bool = False) -> str:
    if value:
        return value
    if c.no_prompt:
        raise WalletError("missing_input", f"{prompt.lower()} is required: pass {flag}")
    return str(click.prompt(prompt, hide_input=hide, err=True))


def _key_material(c: Common, mnemonic: str | None, seed: str | None) -> tuple[str | None, str | None]:
    if mnemonic and seed:
        raise WalletError("conflicting_options", "give either --mnemonic or --seed, not both")
    if not mnemonic and not seed:
        mnemonic = _ask(None, "Mnemonic", c, "--mnemonic or --seed", hide=True)
    return mnemonic, seed


def regen_coldkey_cmd(
    mnemonic: str | None,
    seed: str | None,
    json_backup: Path | None,
    json_password_file: Path | None,
    no_password: bool,
    overwrite: bool,
    **kwargs: Any,
) -> None:
    """Recreate a coldkey from its mnemonic, seed or a polkadot-js JSON backup."""
    c = make_common(kwargs)
    if json_backup is not None:
        if mnemonic or seed:
            raise WalletError("conflicting_options", "give only one of --mnemonic, --seed or --json-backup")
        if json_password_file is not None:
            from tao_wallet.cli_passwords import read_password_file

            backup_pass = read_password_file(json_password_file)
        else:
            backup_pass = _ask(None, "JSON backup password", c, "--json-password-file", hide=True)
    else:
        mnemonic, seed = _key_material(c, mnemonic, seed)
    # Validate the key material before asking for a new password, so typos fail fast.
    if mnemonic:
        c.service.keypair_from_mnemonic(mnemonic, c.crypto_type)
    password = None if no_password else new_password(c.password_file, no_prompt=c.no_prompt, what="coldkey")
    if json_backup is not None:
        wallet = c.service.import_json_backup_file(c.name, json_backup, backup_pass, password, overwrite=overwrite)
    elif mnemonic:
        wallet = c.service.import_mnemonic(c.name, mnemonic, password, crypto_type=c.crypto_type, overwrite=overwrite)
    else:
        wallet = c.service.import_seed(c.name, seed or "", password, crypto_type=c.crypto_type, overwrite=overwrite)
    out(c, wallet_json(wallet), "Coldkey regenerated:\n" + wallet_text(wallet))


def regen_coldkeypub_cmd(ss58_address: str | None, public_key: str | None, overwrite: bool, **kwargs: Any) -> None:
    """Write a watch-only coldkeypub.txt from an SS58 address or a public key."""
    c = make_common(kwargs)
    if ss58_address and public_key:
        raise WalletError("conflicting_options", "give either --ss58-address or --public-key, not both")
    address = address_from_public_key(public_key) if public_key else _ask(ss58_address, "SS58 address", c, "--ss58-address")
    wallet = c.service.import_watch_only(c.name, address, overwrite=overwrite)
    out(c, wallet_json(wallet), "Watch-only coldkeypub written:\n" + wallet_text(wallet))


def regen_hotkey_cmd(mnemonic: str | None, seed: str | None, use_password: bool, overwrite: bool, **kwargs: Any) -> None:
    """Recreate a hotkey from its mnemonic or seed."""
    c = make_common(kwargs)
    mnemonic, seed = _key_material(c, mnemonic, seed)
    if mnemonic:
        c.service.keypair_from_mnemonic(mnemonic, c.crypto_type)
    password = new_password(c.password_file, no_prompt=c.no_prompt, what="hotkey") if use_password else None
    hotkey = c.service.regen_hotkey(
        c.name, c.hotkey, mnemonic=mnemonic, seed=seed, password=password, crypto_type=c.crypto_type, overwrite=overwrite
    )
    out(c, {"wallet": c.name, "hotkey": hotkey_json(hotkey)}, f"Hotkey {hotkey.name!r} regenerated: {hotkey.address}")


def change_password_cmd(use_hotkey: bool, new_password_file: Path | None, **kwargs: Any) -> None:
    """Re-encrypt the coldkey (or, with --use-hotkey, the hotkey) under a new password."""
    c = make_common(kwargs)
    hotkey = c.hotkey if use_hotkey else None
    what = f"hotkey {hotkey!r}" if hotkey else "coldkey"
    if not c.service.is_encrypted(c.name, hotkey):
        raise WalletError("not_encrypted", f"the {what} of wallet {c.name!r} is not encrypted")
    old = existing_password(c.service, c.name, hotkey, c.password_file, no_prompt=c.no_prompt)
    new = new_password(new_password_file, no_prompt=c.no_prompt, what=what, flag="--new-password-file")
    c.service.change_password(c.name, old or "", new, hotkey=hotkey)
    key = f"hotkey:{hotkey}" if hotkey else "coldkey"
    out(c, {"wallet": c.name, "key": key, "changed": True}, f"Password of the {what} of {c.name!r} changed.")


def sign_cmd(message: str | None, use_hotkey: bool, **kwargs: Any) -> None:
    """Sign a message with the coldkey (or --use-hotkey); prints the 0x-hex signature."""
    c = make_common(kwargs)
    text = message if message is not None else _ask(None, "Message", c, "--message")
    hotkey = c.hotkey if use_hotkey else None
    password = existing_password(c.service, c.name, hotkey, c.password_file, no_prompt=c.no_prompt)
    signed = c.service.sign(c.name, text, hotkey=hotkey, password=password)
    data = {"ss58_address": signed.address, "crypto_type": signed.crypto_type, "message": signed.message,
            "signature": signed.signature}
    out(c, data, f"Signed by {signed.address}\nSignature: {signed.signature}")


def verify_cmd(
    message: str | None, signature: str | None, address: str | None, public_key: str | None, **kwargs: Any
) -> None:
    """Verify a signature; exit status 0 if valid, 1 if not."""
    explicit_crypto = kwargs.get("crypto_type")  # only restrict the scheme when the user asked
    c = make_common(kwargs)
    if address and public_key:
        raise WalletError("conflicting_options", "give either --address or --public-key, not both")
    who = address_from_public_key(public_key) if public_key else _ask(address, "SS58 address", c, "--address")
    text = message if message is not None else _ask(None, "Message", c, "--message")
    sig = _ask(signature, "Signature", c, "--signature")
    result = c.service.verify(who, text, sig, crypto_type=explicit_crypto)
    data = {"ss58_address": result.address, "message": result.message, "valid": result.valid}
    out(c, data, f"Signature is {'VALID' if result.valid else 'INVALID'} for {result.address}")
    if not result.valid:
        click.get_current_context().exit(1)


_mnemonic = click.option("--mnemonic", default=None, help="Mnemonic words (quote them; prompted if omitted).")
_seed = click.option("--seed", default=None, help="32-byte seed in hex (0x optional).")
_overwrite = click.option("--overwrite", is_flag=True, help="Replace existing keys (a backup copy is kept).")


def register_key_commands(group: click.Group) -> None:
    """Add the key-material commands to the ``wallet`` group."""
    group.command("regen-coldkey")(
        common_options(_mnemonic(_seed(
            click.option("--json-backup", "--json-path", type=click.Path(dir_okay=False, path_type=Path),
                         default=None, help="polkadot-js JSON backup file.")(
                click.option("--json-password-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                             help="File holding the JSON backup's password.")(
                    click.option("--no-password", "--no-use-password", is_flag=True,
                                 help="Write the coldkey unencrypted (unsafe).")(
                        _overwrite(regen_coldkey_cmd)))))))
    )
    group.command("regen-coldkeypub")(
        common_options(
            click.option("--ss58-address", "--ss58", "--address", "ss58_address", default=None, help="SS58 address.")(
                click.option("--public-key", "--public-key-hex", "--pubkey", "public_key", default=None,
                             help="Public key in hex.")(_overwrite(regen_coldkeypub_cmd))))
    )
    group.command("regen-hotkey")(
        common_options(_mnemonic(_seed(
            click.option("--use-password", is_flag=True, help="Encrypt the hotkey.")(_overwrite(regen_hotkey_cmd)))))
    )
    group.command("change-password")(
        common_options(
            click.option("--use-hotkey", is_flag=True, help="Change the hotkey's password instead of the coldkey's.")(
                click.option("--new-password-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                             help="Read the new password from this file.")(change_password_cmd)))
    )
    group.command("sign")(
        common_options(
            click.option("--message", default=None, help="Message to sign (0x-hex is signed as raw bytes).")(
                click.option("--use-hotkey", is_flag=True, help="Sign with the hotkey instead of the coldkey.")(
                    sign_cmd)))
    )
    group.command("verify")(
        common_options(
            click.option("--message", default=None, help="The signed message.")(
                click.option("--signature", default=None, help="0x-hex signature.")(
                    click.option("--address", "--ss58", "address", default=None, help="Signer's SS58 address.")(
                        click.option("--public-key", "--pubkey", "public_key", default=None,
                                     help="Signer's public key in hex.")(verify_cmd)))))
    )
