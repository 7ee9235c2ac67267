"""Plumbing shared by the money commands (`chain_cli`, `stake_cli`, `pow_cli`): options, config, chain,
wallets, signer and how results are printed.

Previews, prompts and live status go to stderr; with --json, stdout carries one JSON document.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import click

from tao_wallet.models import TxStatusView
from tao_wallet.services.errors import WalletError

F = TypeVar("F", bound=Callable[..., Any])


def network_option(func: F) -> F:
    """`--network/-n`: a profile name or a ws/wss URL."""
    return click.option(
        "--network", "--subtensor.network", "-n", "network", default=None,
        help="local (default), test, finney, or a ws:// / wss:// URL (env: TAO_WALLET_NETWORK).",
    )(func)


def wallet_options(func: F) -> F:
    """`--wallet-path` and `--wallet-name` (btcli spellings accepted)."""
    for option in reversed([
        click.option("--wallet-path", "--wallet_path", "-p", type=click.Path(file_okay=False, path_type=Path),
                     default=None, help="Wallet directory (env: TAO_WALLET_PATH, BT_WALLET_PATH)."),
        click.option("--wallet-name", "--wallet_name", "--name", "-w", "wallet_name", default="default",
                     show_default=True, help="Wallet (coldkey) name."),
    ]):
        func = option(func)
    return func


def to_json(value: Any) -> Any:
    """A JSON-ready copy of `value`: Decimal amounts become exact strings (never floats)."""
    if isinstance(value, Decimal):
        from tao_wallet.services.chain import tao_str

        return tao_str(value)
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


def echo_json(data: Any) -> None:
    """Print one JSON document on stdout."""
    click.echo(json.dumps(to_json(data), indent=2))


def load_cli_config(wallet_path: Path | None, network: str | None) -> Any:
    """The app config with the command line's overrides."""
    from tao_wallet.config import load_config

    return load_config({"wallet_path": wallet_path, "network": network})


def chain_for(network: str) -> Any:
    """A ChainService for the network, starting the embedded localnet when the local profile needs it
    (unless TAO_WALLET_NO_EMBEDDED=1); both are closed when the command ends."""
    from tao_wallet.network import ensure_local_node, resolve_network
    from tao_wallet.services.chain import ChainService

    profile = resolve_network(network)
    handle = ensure_local_node(profile) if os.environ.get("TAO_WALLET_NO_EMBEDDED") != "1" else None
    if handle is not None:
        click.get_current_context().call_on_close(handle.stop)
        click.echo(f"started the embedded localnet on {handle.url}", err=True)
    service = ChainService(profile)
    click.get_current_context().call_on_close(service.close)
    return service


def wallet_service(wallet_path: Path) -> Any:
    """The WalletService of a wallet directory."""
    from tao_wallet.services.wallets import WalletService

    return WalletService(wallet_path)


def sender_address(wallets: Any, name: str) -> str:
    """SS58 of a wallet's coldkey.

    Raises:
        WalletError: "no_coldkey".
    """
    summary = wallets.get(name)
    if summary.coldkey_address is None:
        raise WalletError("no_coldkey", f"wallet {name!r} has no coldkey (create or import one first)")
    return str(summary.coldkey_address)


def ensure_can_sign(wallets: Any, name: str) -> None:
    """Refuse watch-only wallets before anything is prepared, pointing at offline signing."""
    if wallets.get(name).watch_only:
        raise WalletError("public_key_only", f"wallet {name!r} is watch-only: it cannot sign. Build the "
                          "transaction with `tao-wallet tx build` and sign it where the coldkey is.")


def signer_for(wallets: Any, name: str, password_file: Path | None, no_prompt: bool) -> Any:
    """Unlock the wallet's coldkey for one command (asks for the password unless `no_prompt`)."""
    from tao_wallet.cli_passwords import existing_password
    from tao_wallet.services.tx import wallet_signer

    ensure_can_sign(wallets, name)
    password = existing_password(wallets, name, None, password_file, no_prompt=no_prompt)
    return wallet_signer(wallets, name, password)


def status_printer(as_json: bool) -> Callable[[TxStatusView], None]:
    """Live status lines on stderr (stdout stays clean for --json)."""

    def show(view: TxStatusView) -> None:
        where = f" #{view.block_number}" if view.block_number is not None else ""
        click.echo(f"  [{view.phase}{where}] {view.detail}", err=True)

    return show


def report_status(view: TxStatusView, as_json: bool) -> None:
    """The final outcome; exits 1 when the transaction failed or its fate is unknown."""
    if as_json:
        echo_json(asdict(view))
    else:
        if view.success is False:
            click.echo(f"Failed in block #{view.block_number}: {view.error}", err=True)
            if view.hint:
                click.echo(f"What to do: {view.hint}", err=True)
        elif view.phase in ("finalized", "in_block"):
            click.echo(f"Success: {view.phase.replace('_', ' ')} in block #{view.block_number} "
                       f"(tx {view.tx_hash})" + (f", fee {to_json(view.fee)} TAO" if view.fee is not None else ""))
        else:
            click.echo(f"Status {view.phase}: {view.detail} (tx {view.tx_hash})")
        for event in view.events:
            click.echo(f"  event {event.pallet}.{event.name}({event.fields})", err=True)
    if view.success is False or view.phase in ("rejected", "dropped", "unknown", "failed"):
        click.get_current_context().exit(1)
