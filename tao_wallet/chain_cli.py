"""`tao-wallet balance`, `transfer`, `tx build|sign|submit|pending` and `address-book`: money on the chain.

Previews, prompts and live status go to stderr; with --json, stdout carries one JSON document.
`tx sign` never opens a network connection.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from tao_wallet.cli_support import (
    chain_for,
    echo_json,
    ensure_can_sign,
    load_cli_config,
    network_option,
    report_status,
    sender_address,
    signer_for,
    status_printer,
    to_json,
    wallet_options,
    wallet_service,
)
from tao_wallet.models import TransferPreview
from tao_wallet.services.errors import WalletError

_network_option, _wallet_options, _to_json, _echo_json = network_option, wallet_options, to_json, echo_json
_config, _chain, _wallets, _sender_address = load_cli_config, chain_for, wallet_service, sender_address


def _show_preview(preview: TransferPreview) -> None:
    from tao_wallet.services.chain import format_tao

    label = f" ({preview.dest_label})" if preview.dest_label else ""
    lines = [
        f"Network:     {preview.network}",
        f"From:        {preview.sender} (free {format_tao(preview.sender_free)})",
        f"To:          {preview.dest}{label}",
        f"Amount:      {format_tao(preview.amount)}" + ("  (everything)" if preview.mode == "all" else ""),
        f"Fee:         {format_tao(preview.fee)} (from the chain)",
        f"Mode:        {preview.mode.replace('_', '-')}",
        f"Call:        {preview.call}",
    ]
    lines += [f"Warning:     {w}" for w in preview.warnings]
    click.echo("\n".join(lines), err=True)


def _mode(keep_alive: bool, allow_death: bool, send_all: bool) -> str:
    if sum((keep_alive, allow_death, send_all)) > 1:
        raise WalletError("invalid_mode", "choose one of --keep-alive, --allow-death, --all")
    return "all" if send_all else "allow_death" if allow_death else "keep_alive"


@click.command("balance")
@wallet_options
@click.option("--address", "-a", "addresses", multiple=True, help="SS58 address or address-book name (repeatable).")
@network_option
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout.")
def balance_command(wallet_path: Path | None, wallet_name: str, addresses: tuple[str, ...], network: str | None,
                    as_json: bool) -> None:
    """Free, reserved and total TAO of a wallet's coldkey or of addresses."""
    from tao_wallet.services.chain import encode_address, format_tao
    from tao_wallet.services.transfers import AddressBook

    config = load_cli_config(wallet_path, network)
    book = AddressBook()
    targets = [encode_address(book.resolve(a)[0]) for a in addresses] or [
        sender_address(wallet_service(config.wallet_path), wallet_name)
    ]
    chain = chain_for(config.network)
    views = [chain.balance(t) for t in targets]
    if as_json:
        echo_json([dict(asdict(v), total=v.total) for v in views])
        return
    for v in views:
        click.echo(f"{v.address}  free {format_tao(v.free)}  reserved {format_tao(v.reserved)}  "
                   f"total {format_tao(v.total)}  "
                   f"(block #{v.block_number}, {v.network})")


@click.command("transfer")
@wallet_options
@click.option("--dest", "--destination", required=True, help="SS58 address or address-book name.")
@click.option("--amount", default=None, help="TAO to send (up to 9 decimals).")
@click.option("--keep-alive", is_flag=True, help="Refuse to take the sender below the existential deposit (default).")
@click.option("--allow-death", is_flag=True, help="Allow the sender's account to be closed.")
@click.option("--all", "send_all", is_flag=True, help="Send the whole free balance (closes the account).")
@click.option("--dry-run", is_flag=True, help="Show the preview (with the chain's fee) and stop.")
@click.option("--no-prompt", is_flag=True, help="Do not ask for confirmation or passwords.")
@click.option("--password-file", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--wait-for", type=click.Choice(["in_pool", "in_block", "finalized"]), default="finalized",
              show_default=True, help="Return once the node accepted it, once in a block, or once final.")
@network_option
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout.")
def transfer_command(wallet_path: Path | None, wallet_name: str, dest: str, amount: str | None, keep_alive: bool,
                     allow_death: bool, send_all: bool, dry_run: bool, no_prompt: bool, password_file: Path | None,
                     wait_for: str, network: str | None, as_json: bool) -> None:
    """Send TAO: preview with the chain's fee, confirm, sign, then follow it to finality."""
    from tao_wallet.services.transfers import TransferService

    mode = _mode(keep_alive, allow_death, send_all)
    config = load_cli_config(wallet_path, network)
    wallets = wallet_service(config.wallet_path)
    sender = sender_address(wallets, wallet_name)
    if not dry_run:
        ensure_can_sign(wallets, wallet_name)
    service = TransferService(chain_for(config.network))
    click.get_current_context().call_on_close(service.runner.close)
    prepared = service.prepare(sender, dest, amount, mode)
    if dry_run:
        if as_json:
            echo_json({"dry_run": True, "preview": asdict(prepared.preview)})
        else:
            _show_preview(prepared.preview)
            click.echo("Dry run: nothing was signed or sent.", err=True)
        return
    _show_preview(prepared.preview)
    if not no_prompt and not click.confirm("Send this transfer?", err=True, default=False):
        raise click.Abort()
    signer = signer_for(wallets, wallet_name, password_file, no_prompt)
    view = service.send(prepared, signer, on_status=status_printer(as_json), wait_for=wait_for)
    report_status(view, as_json)


@click.group("tx")
def tx_group() -> None:
    """Offline (air-gapped) signing: build online, sign offline, submit online."""


@tx_group.group("build")
def tx_build() -> None:
    """Build an unsigned transaction file (online) and print it to stdout."""


@tx_build.command("transfer")
@wallet_options
@click.option("--from", "sender", default=None, help="Sender address (default: the wallet's coldkey address).")
@click.option("--dest", "--destination", required=True, help="SS58 address or address-book name.")
@click.option("--amount", default=None, help="TAO to send (up to 9 decimals).")
@click.option("--keep-alive", is_flag=True)
@click.option("--allow-death", is_flag=True)
@click.option("--all", "send_all", is_flag=True)
@click.option("--nonce", type=int, default=None, help="Nonce to use (default: the account's next).")
@click.option("--no-metadata-hash", is_flag=True,
              help="Sign with CheckMetadataHash disabled (mode 0) and ship no metadata; default: the chain's "
                   "metadata digest is signed and its V15 metadata goes into the file.")
@network_option
@click.option("--json", "as_json", is_flag=True, help="Errors as JSON (the file is JSON anyway).")
def tx_build_transfer(wallet_path: Path | None, wallet_name: str, sender: str | None, dest: str, amount: str | None,
                      keep_alive: bool, allow_death: bool, send_all: bool, nonce: int | None,
                      no_metadata_hash: bool, network: str | None, as_json: bool) -> None:
    """unsigned.json for a transfer (same checks and fee as `transfer`)."""
    from tao_wallet.services.transfers import TransferService
    from tao_wallet.services.tx import build_unsigned

    mode = _mode(keep_alive, allow_death, send_all)
    config = load_cli_config(wallet_path, network)
    sender = sender or sender_address(wallet_service(config.wallet_path), wallet_name)
    chain = chain_for(config.network)
    prepared = TransferService(chain).prepare(sender, dest, amount, mode)
    p = prepared.preview
    summary = (f"Send {to_json(p.amount)} TAO from {p.sender} to {p.dest} ({p.mode.replace('_', '-')}) on "
               f"{p.network}; fee about {to_json(p.fee)} TAO")
    doc = build_unsigned(chain, sender, prepared.call, summary, nonce, metadata_hash=not no_metadata_hash)
    if doc["era"] is not None:
        doc["summary"] += f"; valid until block #{doc['era']['valid_until']}"
    doc["warnings"] = list(p.warnings)
    echo_json(doc)


@tx_build.command("call")
@wallet_options
@click.option("--from", "sender", default=None, help="Signer address (default: the wallet's coldkey address).")
@click.option("--pallet", required=True, help="Pallet name as in the runtime metadata, e.g. SubtensorModule.")
@click.option("--function", "function", required=True, help="Call name, e.g. add_stake.")
@click.option("--args", "args_json", default="{}", show_default=True,
              help='Arguments as a JSON object, e.g. \'{"netuid": 1}\'; account ids as SS58 or 0x-hex.')
@click.option("--nonce", type=int, default=None, help="Nonce to use (default: the account's next).")
@click.option("--no-metadata-hash", is_flag=True,
              help="Sign with CheckMetadataHash disabled (mode 0) and ship no metadata; default: the chain's "
                   "metadata digest is signed and its V15 metadata goes into the file.")
@network_option
@click.option("--json", "as_json", is_flag=True, help="Errors as JSON (the file is JSON anyway).")
def tx_build_call(wallet_path: Path | None, wallet_name: str, sender: str | None, pallet: str, function: str,
                  args_json: str, nonce: int | None, no_metadata_hash: bool, network: str | None,
                  as_json: bool) -> None:
    """unsigned.json for any runtime call, composed from the chain's metadata."""
    from node.client.runtime import RuntimeMetadataError
    from tao_wallet.services.chain import chain_errors, encode_address
    from tao_wallet.services.tx import build_unsigned

    try:
        args = json.loads(args_json)
    except ValueError as exc:
        raise WalletError("invalid_arguments", f"--args is not JSON: {exc}") from None
    if not isinstance(args, dict):
        raise WalletError("invalid_arguments", "--args must be a JSON object of argument names to values")
    config = load_cli_config(wallet_path, network)
    sender = sender or sender_address(wallet_service(config.wallet_path), wallet_name)
    chain = chain_for(config.network)
    runtime = chain.runtime()
    try:
        call = runtime.compose_call(pallet, function, args)
    except RuntimeMetadataError as exc:
        raise WalletError("invalid_call", str(exc)) from None
    with chain_errors():
        summary = runtime.decode_call(call).summary(encode_address)
    echo_json(build_unsigned(chain, sender, call, f"{summary} signed by {sender} on {chain.profile.name}", nonce,
                             metadata_hash=not no_metadata_hash))


def _load_doc(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except OSError as exc:
        raise WalletError("file_unreadable", f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise WalletError("invalid_document", f"{path} is not JSON: {exc}") from None


@tx_group.command("sign")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@wallet_options
@click.option("--metadata", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Runtime metadata hex to decode with: V15 for files that sign the metadata hash (default: "
                   "the metadata in the file), V14 otherwise (default: the bundled one).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the signed file here (default: stdout).")
@click.option("--no-prompt", is_flag=True, help="Sign without asking (the call is still shown).")
@click.option("--password-file", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--json", "as_json", is_flag=True, help="Errors as JSON (the signed file is JSON anyway).")
def tx_sign(file: Path, wallet_path: Path | None, wallet_name: str, metadata: Path | None, output: Path | None,
            no_prompt: bool, password_file: Path | None, as_json: bool) -> None:
    """Sign unsigned.json with no network: decode and show the call, confirm, sign."""
    from tao_wallet.services.chain import encode_address
    from tao_wallet.services.tx import check_unsigned, sign_unsigned

    config = load_cli_config(wallet_path, None)
    checked = check_unsigned(_load_doc(file), metadata_path=metadata)
    doc = checked.doc
    era = doc.get("era")
    click.echo("\n".join([
        f"Summary (from the file): {doc.get('summary', '')}",
        f"Decoded call:   {checked.call.summary(encode_address)}",
        f"Signer:         {doc['signer']}",
        f"Nonce:          {doc['nonce']}   tip: {doc.get('tip', 0)} rao",
        f"Runtime:        {doc.get('spec_name', '')} spec {doc['spec_version']}, tx version {doc['transaction_version']}",
        "Valid until:    " + (f"block #{era['valid_until']}" if era else "forever (immortal)"),
        f"Genesis:        {doc['genesis_hash']}",
        "Payload:        verified against the call and parameters above",
        _metadata_hash_line(checked),
    ]), err=True)
    if not no_prompt and not click.confirm("Sign this transaction?", err=True, default=False):
        raise click.Abort()
    signer = signer_for(wallet_service(config.wallet_path), wallet_name, password_file, no_prompt)
    signed = sign_unsigned(checked, signer)
    text = json.dumps(signed, indent=2)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text + "\n")
        click.echo(f"signed transaction written to {output}", err=True)


def _metadata_hash_line(checked: Any) -> str:
    digest = checked.context.metadata_hash
    if digest is None:
        return ("Metadata hash:  not signed (mode 0): the call was decoded with local metadata the chain does "
                "not check")
    return (f"Metadata hash:  0x{digest.hex()} recomputed from the metadata in {checked.metadata_source} "
            "and signed (mode 1): the chain rejects the signature if that metadata is not its own")


@tx_group.command("submit")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--wait-for", type=click.Choice(["in_pool", "in_block", "finalized"]), default="finalized",
              show_default=True, help="Return once the node accepted it, once in a block, or once final.")
@network_option
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout.")
def tx_submit(file: Path, wait_for: str, network: str | None, as_json: bool) -> None:
    """Submit signed.json and follow it to finality."""
    from tao_wallet.services.tx import TxRunner, submit_signed

    doc = _load_doc(file)
    config = load_cli_config(None, network or (doc.get("network") if isinstance(doc, dict) else None))
    runner = TxRunner(chain_for(config.network))
    click.get_current_context().call_on_close(runner.close)
    view = submit_signed(runner, doc, on_status=status_printer(as_json), wait_for=wait_for)
    report_status(view, as_json)


@tx_group.command("pending")
@network_option
@click.option("--resend", is_flag=True,
              help="Re-send the identical signed bytes of those the node never received (safe: same nonce).")
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout.")
def tx_pending(network: str | None, resend: bool, as_json: bool) -> None:
    """Re-check transactions whose outcome was unknown (e.g. after a dropped connection)."""
    from tao_wallet.services.tx import TxRunner

    config = load_cli_config(None, network)
    runner = TxRunner(chain_for(config.network))
    click.get_current_context().call_on_close(runner.close)
    views = runner.recheck_pending(on_status=status_printer(as_json), resend=resend)
    if as_json:
        echo_json([asdict(v) for v in views])
        return
    if not views:
        click.echo("no pending transactions")
    for v in views:
        click.echo(f"{v.tx_hash}: {v.phase} - {v.detail}")


@click.group("address-book")
def address_book_group() -> None:
    """Named addresses usable as --dest."""


@address_book_group.command("add")
@click.argument("name")
@click.argument("address")
def address_book_add(name: str, address: str) -> None:
    """Add or replace NAME -> ADDRESS (checksum verified)."""
    from tao_wallet.services.transfers import AddressBook

    AddressBook().add(name, address)
    click.echo(f"{name} -> {address}")


@address_book_group.command("remove")
@click.argument("name")
def address_book_remove(name: str) -> None:
    """Remove NAME."""
    from tao_wallet.services.transfers import AddressBook

    AddressBook().remove(name)


@address_book_group.command("list")
@click.option("--json", "as_json", is_flag=True)
def address_book_list(as_json: bool) -> None:
    """All names."""
    from tao_wallet.services.transfers import AddressBook

    entries = AddressBook().entries()
    if as_json:
        echo_json(entries)
    for name, address in sorted(entries.items()):
        if not as_json:
            click.echo(f"{name}\t{address}")


def register_chain_commands(group: click.Group) -> None:
    """Attach the money commands to the root CLI."""
    for command in (balance_command, transfer_command, tx_group, address_book_group):
        group.add_command(command)


