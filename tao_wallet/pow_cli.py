"""`tao-wallet subnets pow-register` and `tao-wallet network stats`.

Progress and prompts go to stderr; with --json, stdout carries one JSON document. Ctrl-C during the
search stops every solver process before the command exits.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from tao_wallet.cli_support import (
    chain_for,
    load_cli_config,
    network_option,
    sender_address,
    to_json,
    wallet_options,
    wallet_service,
)
from tao_wallet.services.errors import WalletError

BAR_WIDTH = 24


def _si(value: float) -> str:
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= size:
            return f"{value / size:.2f}{unit}"
    return f"{value:.0f}"


def progress_line(hashes: int, hash_rate: float, elapsed: float, block: int, difficulty: int, processes: int) -> str:
    """One status line: a bar of the chance of having found a seal by now, rate, elapsed, block, ETA."""
    chance = 1.0 - math.exp(-hashes / max(difficulty, 1))
    filled = int(chance * BAR_WIDTH)
    eta = f"~{max(difficulty - hashes, 0) / hash_rate:.0f}s" if hash_rate > 0 else "?"
    return (f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {chance:4.0%}  {_si(hash_rate)}H/s x{processes}  "
            f"{_si(hashes)} hashes  {elapsed:5.1f}s  block #{block}  difficulty {difficulty:,}  mean {eta}")


@click.group("subnets")
def subnets_group() -> None:
    """Subnet commands."""


@click.command("pow-register")
@wallet_options
@click.option("--wallet-hotkey", "--wallet_hotkey", "--hotkey", "-H", "hotkey", default="default", show_default=True,
              help="Hotkey to register (it signs the extrinsic and pays the fee).")
@click.option("--netuid", type=int, required=True, help="Subnet to register on.")
@click.option("--processes", type=click.IntRange(min=1), default=None, help="Solver processes (default: all cores).")
@click.option("--password-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Password of an encrypted hotkey.")
@click.option("--wait-for", type=click.Choice(["in_block", "finalized"]), default="in_block", show_default=True)
@click.option("--check-only", is_flag=True, help="Report difficulty, fee and problems, then stop.")
@network_option
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout.")
def pow_register_command(wallet_path: Path | None, wallet_name: str, hotkey: str, netuid: int, processes: int | None,
                         password_file: Path | None, wait_for: str, check_only: bool, network: str | None,
                         as_json: bool) -> None:
    """Register a hotkey on a subnet by solving the proof of work (uses every core; Ctrl-C cancels)."""
    from tao_wallet.cli_passwords import read_password_file
    from tao_wallet.services.pow import PowRegisterService, hotkey_signer

    config = load_cli_config(wallet_path, network)
    wallets = wallet_service(config.wallet_path)
    coldkey = sender_address(wallets, wallet_name)
    password = read_password_file(password_file) if password_file is not None else None
    signer = hotkey_signer(wallets, wallet_name, hotkey, password)
    service = PowRegisterService(chain_for(config.network), processes=processes)
    from tao_wallet.services.chain import encode_address

    found = service.check(netuid, encode_address(signer.public_key), coldkey)
    click.echo(f"subnet {netuid}: difficulty {found.difficulty:,} at block #{found.block_number}; "
               f"fee ~{found.fee} TAO paid by the hotkey (holds {found.hotkey_free} TAO)", err=True)
    if check_only:
        if as_json:
            click.echo(json.dumps(to_json(asdict(found)), indent=2))
        if found.problems:
            raise WalletError("pow_not_possible", "; ".join(found.problems))
        return
    last = [0.0]

    def show(p: Any) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.2:
            last[0] = now
            click.echo("\r" + progress_line(p.hashes, p.hash_rate, p.elapsed, p.block_number, p.difficulty,
                                            p.processes), err=True, nl=False)

    def status(view: Any) -> None:
        click.echo(f"\n  [{view.phase}] {view.detail}", err=True, nl=False)

    result = service.register(netuid, signer, coldkey, on_progress=show, on_status=status, wait_for=wait_for)
    click.echo("", err=True)
    if result is None:
        raise click.Abort()
    sol = result.solution
    if as_json:
        click.echo(json.dumps(to_json({
            "netuid": netuid, "hotkey": result.hotkey, "uid": result.uid, "block_number": sol.block_number,
            "nonce": sol.nonce, "seal": "0x" + sol.seal.hex(), "difficulty": sol.difficulty,
            "attempts": result.attempts, "status": asdict(result.status)}), indent=2))
        return
    click.echo(f"registered {result.hotkey} on subnet {netuid} as uid {result.uid} "
               f"(block #{result.status.block_number}, nonce {sol.nonce}, {result.attempts} attempt(s))")


@click.group("network")
def network_group() -> None:
    """Network-wide facts."""


@click.command("stats")
@click.option("--wallet-path", "--wallet_path", "-p", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--wallet-name", "--wallet_name", "--name", "-w", "wallet_name", default=None,
              help="Add this wallet's stake positions and their share of the pools.")
@click.option("--coldkey", default=None, help="Or: an SS58 coldkey whose positions to show.")
@click.option("--blocks", type=click.IntRange(min=1), default=20, show_default=True,
              help="Recent blocks the block-time measurement spans.")
@click.option("--no-verify", is_flag=True, help="Skip checking storage proofs against the block's state root.")
@network_option
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout.")
def network_stats_command(wallet_path: Path | None, wallet_name: str | None, coldkey: str | None, blocks: int,
                          no_verify: bool, network: str | None, as_json: bool) -> None:
    """Issuance vs the 21M cap, emission and next halving, block time, subnets, prices, your pool shares."""
    from tao_wallet.services.network_stats import NetworkStatsService

    config = load_cli_config(wallet_path, network)
    if coldkey is None and wallet_name is not None:
        coldkey = sender_address(wallet_service(config.wallet_path), wallet_name)
    stats = NetworkStatsService(chain_for(config.network), block_time_sample=blocks, verify=not no_verify).stats(coldkey)
    if as_json:
        click.echo(json.dumps(to_json(asdict(stats)), indent=2))
        return
    click.echo(f"{stats.network} at block #{stats.block_number} (values: {stats.source})")
    click.echo(f"issuance     {stats.total_issuance} / {stats.issuance_cap} TAO ({stats.issued_fraction:.4%})")
    click.echo(f"emission     {stats.block_emission} TAO/block; halvings so far {stats.halvings_so_far}; next at "
               f"{stats.next_halving_issuance} TAO in {stats.blocks_to_halving} blocks (~{stats.halving_eta})")
    click.echo(f"block time   {stats.block_time_seconds} s (last {stats.block_time_sample} blocks)")
    click.echo(f"subnets      {stats.subnet_count}")
    for s in stats.subnets:
        click.echo(f"  {s.netuid:>3} {s.symbol:<3} price {s.price:.9f} TAO  reserves {s.tao_reserve} TAO / "
                   f"{s.alpha_reserve} alpha  emission {s.tao_emission} TAO ({s.emission_share:.2%})")
    for pos in stats.positions:
        click.echo(f"  position {pos.hotkey} on {pos.netuid}: {pos.alpha} alpha = {pos.value_tao} TAO, "
                   f"{pos.share_of_hotkey:.4%} of the hotkey's pool, {pos.share_of_subnet:.4%} of the subnet's alpha")


def register_pow_commands(root: click.Group) -> None:
    """Attach `subnets pow-register` and `network stats`, reusing `subnets`/`network` groups if present."""
    for name, fresh, command in (("subnets", subnets_group, pow_register_command),
                                 ("network", network_group, network_stats_command)):
        group = root.commands.get(name)
        if not isinstance(group, click.Group):
            group = fresh
            root.add_command(group)
        group.add_command(command)
