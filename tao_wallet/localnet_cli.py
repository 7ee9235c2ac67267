"""`tao-wallet localnet`: run the local development chain, and `localnet fund` to top up an account.

The server and chain live in node/localnet; this module only parses options and prints. Heavy imports
stay inside the commands so `tao-wallet --help` stays fast.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click

from tao_wallet.paths import data_dir

RAO_PER_TAO = 10**9
DEFAULT_URL = "ws://127.0.0.1:9944"


def default_db_path(scenario_file: Path | None = None, empty: bool = False) -> Path:
    """Where `tao-wallet localnet` keeps its chain unless --db or --tmp is given.

    The demo network uses `chain.sqlite` (the app's embedded localnet uses the same file); a bare chain and
    each scenario file get their own database, since a chain keeps the genesis it was built with.
    """
    base = data_dir() / "localnet"
    if empty:
        return base / "empty.sqlite"
    if scenario_file is not None:
        return base / f"scenario-{scenario_file.stem}.sqlite"
    return base / "chain.sqlite"


def load_scenario_option(path: Path) -> Any:
    """Parse a --scenario file up front so a bad file is a usage error, not a server crash."""
    from node.localnet.subtensor.scenario import load_scenario

    try:
        return load_scenario(path)
    except (ValueError, TypeError, OSError) as exc:
        raise click.BadParameter(f"{path}: {exc}", param_hint="--scenario") from None


def tao_to_rao(amount: str) -> int:
    """Parse a positive TAO amount (at most 9 decimals) into integer rao; never via float."""
    try:
        value = Decimal(amount)
    except InvalidOperation:
        raise click.BadParameter(f"{amount!r} is not a number", param_hint="AMOUNT") from None
    if not value.is_finite() or value <= 0:
        raise click.BadParameter("amount must be a positive number of TAO", param_hint="AMOUNT")
    rao = value * RAO_PER_TAO
    if rao != rao.to_integral_value():
        raise click.BadParameter("TAO has at most 9 decimal places", param_hint="AMOUNT")
    if rao >= 2**64:
        raise click.BadParameter("amount exceeds the chain's u64 balance range", param_hint="AMOUNT")
    return int(rao)


@click.group("localnet", invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=9944, show_default=True, type=click.IntRange(0, 65535), help="TCP port (0 = any free).")
@click.option("--block-time", type=click.FloatRange(min=0.001), default=None,
              help="Seal a block every S seconds (default: instant seal, a block right after each extrinsic).")
@click.option("--manual", is_flag=True, help="Seal only on dev_newBlock requests.")
@click.option("--tmp", is_flag=True, help="Throwaway chain: nothing is written to disk.")
@click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Chain database (default: <data dir>/localnet/chain.sqlite).")
@click.option("--finality-lag", type=click.IntRange(min=0), default=0, show_default=True,
              help="Finalized head trails the best head by N blocks.")
@click.option("--max-message-size", type=click.IntRange(min=1024), default=15 * 1024 * 1024, show_default=True,
              help="Largest accepted JSON-RPC request in bytes.")
@click.option("--empty", is_flag=True, help="A bare chain: root network only, no demo subnets.")
@click.option("--scenario", "scenario_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Genesis scenario file (TOML/JSON, like assets/localnet/demo.toml) "
                                 "instead of the demo network.")
@click.pass_context
def localnet_group(
    ctx: click.Context,
    host: str,
    port: int,
    block_time: float | None,
    manual: bool,
    tmp: bool,
    db: Path | None,
    finality_lag: int,
    max_message_size: int,
    empty: bool,
    scenario_file: Path | None,
) -> None:
    """Run a local Substrate-compatible subtensor chain (JSON-RPC over WebSocket) until Ctrl-C.

    By default the chain is the living demo network: root plus four subnets whose simulated validators
    set weights every tempo (20 blocks), so epochs, emissions and prices move.
    """
    if ctx.invoked_subcommand is not None:
        return
    if empty and scenario_file is not None:
        raise click.UsageError("--empty and --scenario exclude each other")
    if tmp and db is not None:
        raise click.UsageError("--tmp and --db exclude each other")
    if manual and block_time is not None:
        raise click.UsageError("--manual and --block-time exclude each other")
    from node.localnet.rpc.embedded import DEMO, DEMO_HEARTBEAT, ScenarioSource, run_foreground
    from node.localnet.rpc.producer import SealMode
    from node.localnet.rpc.server import LocalnetServer, ServerConfig

    mode = SealMode.MANUAL if manual else SealMode.INTERVAL if block_time is not None else SealMode.INSTANT
    config = ServerConfig(host=host, port=port, mode=mode, block_time=block_time, max_message_size=max_message_size)
    db_path = None if tmp else (db or default_db_path(scenario_file, empty))
    scenario: ScenarioSource = None if empty else scenario_file or DEMO
    if scenario_file is not None:
        scenario = load_scenario_option(scenario_file)
    label = "bare chain" if empty else f"scenario {scenario_file.name}" if scenario_file else "demo network"
    is_new = db_path is None or not db_path.exists()
    if is_new:
        click.echo(f"building genesis ({label})...")

    def ready(server: LocalnetServer) -> None:
        where = "in memory (--tmp)" if db_path is None else str(db_path)
        sealing = f"{mode.value} sealing"
        if not empty and mode is SealMode.INSTANT:
            sealing += f", an empty block after {DEMO_HEARTBEAT:g} s idle"
        click.echo(f"localnet listening on {server.url} ({sealing}, {label}), chain: {where}")
        click.echo("Press Ctrl-C to stop.")

    try:
        run_foreground(db_path, config=config, finality_lag=finality_lag, scenario=scenario, on_ready=ready)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    click.echo("localnet stopped")


@localnet_group.command("fund")
@click.argument("address")
@click.argument("amount")
@click.option("--url", default=DEFAULT_URL, show_default=True, help="The running localnet.")
@click.option("--from", "from_uri", default=None,
              help="Send a signed transfer from this dev account (e.g. //Alice) instead of minting.")
def fund_command(address: str, amount: str, url: str, from_uri: str | None) -> None:
    """Give ADDRESS (SS58) AMOUNT TAO on a running localnet.

    By default the localnet mints the TAO (dev_fund, a dev-only RPC method); with --from it is a real
    Balances.transfer_keep_alive signed by that dev account, fee included.
    """
    from scalecodec.utils.ss58 import ss58_decode

    try:
        ss58_decode(address)
    except Exception:
        raise click.BadParameter(f"{address!r} is not a valid SS58 address", param_hint="ADDRESS") from None
    rao = tao_to_rao(amount)
    result = fund(url, address, rao, from_uri)
    fee = f" (fee {Decimal(result['fee']) / RAO_PER_TAO} TAO)" if from_uri else ""
    click.echo(
        f"funded {address} with {amount} TAO in block {result['block_hash']}{fee}; "
        f"free balance now {Decimal(result['free']) / RAO_PER_TAO} TAO"
    )


def fund(url: str, address: str, rao: int, from_uri: str | None = None) -> dict[str, Any]:
    """Mint (dev_fund) or transfer (signed by `from_uri`) `rao` to `address` and wait for inclusion.

    Raises:
        click.ClickException: the localnet is unreachable or refused (with the chain's error).
    """
    from substrateinterface import Keypair, SubstrateInterface
    from substrateinterface.exceptions import SubstrateRequestException

    try:
        substrate = SubstrateInterface(url=url)
    except (OSError, ConnectionError) as exc:
        raise click.ClickException(f"no localnet at {url}: {exc}") from None
    try:
        fee = 0
        if from_uri is None:
            block_hash = substrate.rpc_request("dev_fund", [address, str(rao)])["result"]
        else:
            try:
                keypair = Keypair.create_from_uri(from_uri, ss58_format=42)
            except ValueError:  # never echo the URI: it is a secret
                raise click.BadParameter("not a valid secret URI (e.g. //Alice)", param_hint="--from") from None
            call = substrate.compose_call("Balances", "transfer_keep_alive", {"dest": address, "value": rao})
            extrinsic = substrate.create_signed_extrinsic(call=call, keypair=keypair)
            receipt = substrate.submit_extrinsic(extrinsic, wait_for_inclusion=True)
            if not receipt.is_success:
                raise click.ClickException(f"transfer failed: {receipt.error_message or 'dispatch error'}")
            block_hash, fee = receipt.block_hash, receipt.total_fee_amount or 0
        account = substrate.query("System", "Account", [address], block_hash=block_hash)
        return {"block_hash": block_hash, "fee": fee, "free": account.value["data"]["free"]}
    except SubstrateRequestException as exc:
        raise click.ClickException(f"localnet refused: {exc}") from None
    finally:
        substrate.close()
