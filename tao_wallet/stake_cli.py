"""`tao-wallet stake ...`, `validators list`, `subnets ...`: staking, browsing and registration from the shell.

Every transaction command previews first (call, amounts, fee from the chain, quote), asks to confirm,
then follows the transaction; `--dry-run` stops after the preview. With --json stdout carries one
JSON document; previews, prompts and live status go to stderr. Shared plumbing (network, wallet,
signer, status printing) comes from `tao_wallet.cli_support`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import click

from tao_wallet.cli_support import (
    chain_for,
    echo_json,
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
from tao_wallet.models import TxPreviewView
from tao_wallet.services.errors import WalletError

F = TypeVar("F", bound=Callable[..., Any])


def _tx_options(func: F) -> F:
    for option in reversed([
        click.option("--dry-run", is_flag=True, help="Show the preview (with the chain's fee) and stop."),
        click.option("--no-prompt", is_flag=True, help="Do not ask for confirmation or passwords."),
        click.option("--password-file", type=click.Path(dir_okay=False, path_type=Path), default=None),
        click.option("--wait-for", type=click.Choice(["in_pool", "in_block", "finalized"]), default="finalized",
                     show_default=True),
        click.option("--json", "as_json", is_flag=True, help="JSON on stdout."),
    ]):
        func = option(func)
    return network_option(wallet_options(func))


def _limit_options(func: F) -> F:
    for option in reversed([
        click.option("--tolerance", default="0.5", show_default=True,
                     help="Slippage tolerance in percent: the limit price sent to the chain."),
        click.option("--partial", is_flag=True, help="Allow a partial fill up to the limit price."),
        click.option("--no-limit", is_flag=True, help="Market order (no limit price): not safe."),
    ]):
        func = option(func)
    return func


def _mev_option(func: F) -> F:
    return click.option(
        "--mev-protection/--no-mev-protection", "mev_protection", default=None,
        help="Encrypt the call for the next block author (MevShield) so nobody sees it before it is in a "
             "block. Default: on when the chain offers MevShield, else off.")(func)


def _tolerance(tolerance: str, no_limit: bool) -> Decimal | None:
    from tao_wallet.services.quotes import parse_tolerance

    return None if no_limit else parse_tolerance(tolerance)


def show_preview(preview: TxPreviewView) -> None:
    """The preview as aligned lines on stderr."""
    from tao_wallet.services.chain import format_tao

    lines = [f"{preview.action}", f"  Network:     {preview.network}", f"  Signer:      {preview.signer}",
             f"  Destination: {preview.destination}"]
    lines += [f"  {(label + ':').ljust(12)} {value}" for label, value in preview.details]
    lines += [f"  Fee:         {format_tao(preview.fee)} (from the chain)", f"  Call:        {preview.call}"]
    lines += [f"  Warning:     {w}" for w in preview.warnings]
    click.echo("\n".join(lines), err=True)


class _Ctx:
    """What every transaction command needs: config, wallets, sender address and the chain."""

    def __init__(self, wallet_path: Path | None, wallet_name: str, network: str | None) -> None:
        self.config = load_cli_config(wallet_path, network)
        self.wallets = wallet_service(self.config.wallet_path)
        self.wallet_name = wallet_name
        self.coldkey = sender_address(self.wallets, wallet_name)
        self.chain = chain_for(self.config.network)

    def hotkey(self, text: str) -> str:
        """SS58, address-book name, or the name of one of this wallet's hotkeys."""
        from tao_wallet.services.chain import encode_address
        from tao_wallet.services.transfers import AddressBook

        summary = self.wallets.get(self.wallet_name)
        own = summary.hotkey(text)
        if own is not None and own.address:
            return str(own.address)
        return encode_address(AddressBook().resolve(text)[0])


def _execute(ctx: _Ctx, service: Any, prepared: Any, *, dry_run: bool, no_prompt: bool,
             password_file: Path | None, wait_for: str, as_json: bool) -> None:
    if dry_run:
        if as_json:
            echo_json({"dry_run": True, "preview": asdict(prepared.preview),
                       "mev_protection": bool(getattr(prepared, "mev_shield", False))})
        else:
            show_preview(prepared.preview)
            click.echo("Dry run: nothing was signed or sent.", err=True)
        return
    show_preview(prepared.preview)
    if not no_prompt and not click.confirm("Sign and send?", err=True, default=False):
        raise click.Abort()
    signer = signer_for(ctx.wallets, ctx.wallet_name, password_file, no_prompt)
    click.get_current_context().call_on_close(service.runner.close)
    view = service.send(prepared, signer, on_status=status_printer(as_json), wait_for=wait_for)
    if getattr(prepared, "mev_shield", False) and not as_json:  # JSON carries it in "detail"
        click.echo(f"MEV protection: {view.detail}", err=True)
    report_status(view, as_json)


# --- stake ---------------------------------------------------------------------------------------------


@click.group("stake")
def stake_group() -> None:
    """Stake, unstake, move, swap and transfer stake (limit orders by default)."""


def _staking(ctx: _Ctx) -> Any:
    from tao_wallet.services.staking import StakingService

    return StakingService(ctx.chain)


def _execute_staking(ctx: _Ctx, service: Any, prepare: Callable[[], Any], kw: dict[str, Any]) -> None:
    """Decide MEV protection first (an explicit request the chain cannot honour fails before anything
    else), then preview (with the protection line) and send as `_execute` does."""
    on = service.mev_protection(kw.pop("mev_protection"))
    _execute(ctx, service, service.with_mev_protection(prepare(), on), **kw)


@stake_group.command("add")
@click.option("--hotkey", "--include-hotkeys", required=True, help="Validator hotkey (SS58, address-book or hotkey name).")
@click.option("--netuid", type=int, required=True)
@click.option("--amount", required=True, help="TAO to stake (up to 9 decimals).")
@_limit_options
@_mev_option
@_tx_options
def stake_add(hotkey: str, netuid: int, amount: str, tolerance: str, partial: bool, no_limit: bool, **kw: Any) -> None:
    """Stake TAO on (hotkey, netuid) with a live quote and a limit price."""
    ctx = _Ctx(kw.pop("wallet_path"), kw.pop("wallet_name"), kw.pop("network"))
    service = _staking(ctx)
    _execute_staking(ctx, service, lambda: service.prepare_stake(
        ctx.coldkey, ctx.hotkey(hotkey), netuid, amount, tolerance_pct=_tolerance(tolerance, no_limit),
        allow_partial=partial), kw)


@stake_group.command("remove")
@click.option("--hotkey", required=True)
@click.option("--netuid", type=int, required=True)
@click.option("--amount", default=None, help="Alpha to unstake (default with --all: the whole position).")
@click.option("--all", "unstake_all", is_flag=True, help="Unstake the whole position.")
@_limit_options
@_mev_option
@_tx_options
def stake_remove(hotkey: str, netuid: int, amount: str | None, unstake_all: bool, tolerance: str, partial: bool,
                 no_limit: bool, **kw: Any) -> None:
    """Unstake alpha from (hotkey, netuid) back to TAO, with a quote and a limit price."""
    if (amount is None) == (not unstake_all):
        raise WalletError("invalid_amount", "give --amount (alpha) or --all")
    ctx = _Ctx(kw.pop("wallet_path"), kw.pop("wallet_name"), kw.pop("network"))
    service = _staking(ctx)
    _execute_staking(ctx, service, lambda: service.prepare_unstake(
        ctx.coldkey, ctx.hotkey(hotkey), netuid, amount, tolerance_pct=_tolerance(tolerance, no_limit),
        allow_partial=partial), kw)


@stake_group.command("unstake-all")
@click.option("--hotkey", required=True)
@_mev_option
@_tx_options
def stake_unstake_all(hotkey: str, **kw: Any) -> None:
    """Unstake everything from a hotkey on every subnet."""
    ctx = _Ctx(kw.pop("wallet_path"), kw.pop("wallet_name"), kw.pop("network"))
    service = _staking(ctx)
    _execute_staking(ctx, service, lambda: service.prepare_unstake_all(ctx.coldkey, ctx.hotkey(hotkey)), kw)


@stake_group.command("remove-full")
@click.option("--hotkey", required=True)
@click.option("--netuid", type=int, required=True)
@click.option("--tolerance", default="0.5", show_default=True,
              help="Slippage tolerance in percent: the limit price sent to the chain (all or nothing).")
@click.option("--no-limit", is_flag=True, help="Market order (no limit price): not safe.")
@_mev_option
@_tx_options
def stake_remove_full(hotkey: str, netuid: int, tolerance: str, no_limit: bool, **kw: Any) -> None:
    """Unstake a whole position (remove_stake_full_limit): everything held when it executes, with a limit price."""
    ctx = _Ctx(kw.pop("wallet_path"), kw.pop("wallet_name"), kw.pop("network"))
    service = _staking(ctx)
    _execute_staking(ctx, service, lambda: service.prepare_unstake_full(
        ctx.coldkey, ctx.hotkey(hotkey), netuid, tolerance_pct=_tolerance(tolerance, no_limit)), kw)


@stake_group.command("unstake-all-alpha")
@click.option("--hotkey", required=True)
@_mev_option
@_tx_options
def stake_unstake_all_alpha(hotkey: str, **kw: Any) -> None:
    """Sell a hotkey's alpha on every subnet and restake the TAO on root (subnet 0)."""
    ctx = _Ctx(kw.pop("wallet_path"), kw.pop("wallet_name"), kw.pop("network"))
    service = _staking(ctx)
    _execute_staking(ctx, service, lambda: service.prepare_unstake_all_alpha(ctx.coldkey, ctx.hotkey(hotkey)), kw)


@stake_group.command("move")
@click.option("--origin-hotkey", required=True)
@click.option("--dest-hotkey", required=True)
@click.option("--origin-netuid", type=int, required=True)
@click.option("--dest-netuid", type=int, required=True)
@click.option("--amount", default=None, help="Alpha to move (default: the whole position).")
@_mev_option
@_tx_options
def stake_move(origin_hotkey: str, dest_hotkey: str, origin_netuid: int, dest_netuid: int, amount: str | None,
               **kw: Any) -> None:
    """Move stake to another hotkey (and subnet), same coldkey."""
    ctx = _Ctx(kw.pop("wallet_path"), kw.pop("wallet_name"), kw.pop("network"))
    service = _staking(ctx)
    _execute_staking(ctx, service, lambda: service.prepare_move(
        ctx.coldkey, ctx.hotkey(origin_hotkey), ctx.hotkey(dest_hotkey), origin_netuid, dest_netuid, amount), kw)


@stake_group.command("swap")
@click.option("--hotkey", required=True)
@click.option("--origin-netuid", type=int, required=True)
@click.option("--dest-netuid", type=int, required=True)
@click.option("--amount", default=None, help="Alpha to swap (default: the whole position).")
@_limit_options
@_mev_option
@_tx_options
def stake_swap(hotkey: str, origin_netuid: int, dest_netuid: int, amount: str | None, tolerance: str, partial: bool,
               no_limit: bool, **kw: Any) -> None:
    """Swap stake between subnets on the same hotkey."""
    ctx = _Ctx(kw.pop("wallet_path"), kw.pop("wallet_name"), kw.pop("network"))
    service = _staking(ctx)
    _execute_staking(ctx, service, lambda: service.prepare_swap(
        ctx.coldkey, ctx.hotkey(hotkey), origin_netuid, dest_netuid, amount,
        tolerance_pct=_tolerance(tolerance, no_limit), allow_partial=partial), kw)


@stake_group.command("transfer")
@click.option("--dest-coldkey", required=True, help="Receiving coldkey (SS58 or address-book name).")
@click.option("--hotkey", required=True)
@click.option("--origin-netuid", type=int, required=True)
@click.option("--dest-netuid", type=int, default=None, help="Default: the origin subnet.")
@click.option("--amount", default=None, help="Alpha to transfer (default: the whole position).")
@_mev_option
@_tx_options
def stake_transfer(dest_coldkey: str, hotkey: str, origin_netuid: int, dest_netuid: int | None, amount: str | None,
                   **kw: Any) -> None:
    """Give stake to another coldkey."""
    from tao_wallet.services.chain import encode_address
    from tao_wallet.services.transfers import AddressBook

    ctx = _Ctx(kw.pop("wallet_path"), kw.pop("wallet_name"), kw.pop("network"))
    service = _staking(ctx)
    dest = encode_address(AddressBook().resolve(dest_coldkey)[0])
    _execute_staking(ctx, service, lambda: service.prepare_transfer(
        ctx.coldkey, dest, ctx.hotkey(hotkey), origin_netuid,
        origin_netuid if dest_netuid is None else dest_netuid, amount), kw)


@stake_group.command("list")
@wallet_options
@click.option("--watch", "watch", multiple=True, help="Also show this address (watch-only; repeatable).")
@network_option
@click.option("--json", "as_json", is_flag=True)
def stake_list(wallet_path: Path | None, wallet_name: str, watch: tuple[str, ...], network: str | None,
               as_json: bool) -> None:
    """Portfolio: balances and every stake position, valued at spot and after slippage."""
    from tao_wallet.services.chain import format_tao
    from tao_wallet.services.portfolio import PortfolioService

    config = load_cli_config(wallet_path, network)
    coldkeys = [sender_address(wallet_service(config.wallet_path), wallet_name)] if wallet_name else []
    view = PortfolioService(chain_for(config.network)).load(coldkeys, list(watch))
    if as_json:
        echo_json(dict(asdict(view), total_spot=view.total_spot))
        return
    click.echo(f"{view.network} block #{view.block_number}: free {format_tao(view.free)}, "
               f"reserved {format_tao(view.reserved)}, stake {format_tao(view.stake_spot)} at spot "
               f"({format_tao(view.stake_after_slippage)} after slippage), total {format_tao(view.total_spot)}")
    for p in view.positions:
        click.echo(f"  subnet {p.netuid:>3} {p.subnet_name[:12]:<12} {p.hotkey}  {p.alpha} alpha @ {p.price}  "
                   f"= {format_tao(p.value_spot)} (after slippage {format_tao(p.value_after_slippage)})")


# --- validators and subnets ----------------------------------------------------------------------------


@click.group("validators")
def validators_group() -> None:
    """Browse validators (delegates)."""


@validators_group.command("list")
@click.option("--netuid", type=int, default=None, help="Only validators on this subnet.")
@click.option("--sort", type=click.Choice(["stake", "take", "return", "nominators", "trust", "dividends", "name"]),
              default="stake", show_default=True)
@click.option("--filter", "filter_text", default="", help="Substring of the hotkey or identity name.")
@network_option
@click.option("--json", "as_json", is_flag=True)
def validators_list(netuid: int | None, sort: str, filter_text: str, network: str | None, as_json: bool) -> None:
    """Identity, take, stake, nominators, trust, dividends and estimated return per 1000 TAO/day."""
    from tao_wallet.services.validators import ValidatorService

    config = load_cli_config(None, network)
    views = ValidatorService(chain_for(config.network)).list(netuid, sort=sort, filter_text=filter_text)
    if as_json:
        echo_json([asdict(v) for v in views])
        return
    for v in views:
        click.echo(f"{v.hotkey} {v.name[:16]:<16} take {v.take_pct}%  stake {v.total_stake_tao} TAO  "
                   f"nominators {v.nominators}  vtrust {v.validator_trust}  dividends {v.dividends_last_epoch_tao}  "
                   f"~{v.return_per_1000_tao_day} TAO/day per 1000")


@click.group("subnets")
def subnets_group() -> None:
    """Browse subnets, register hotkeys, create subnets, set validator take."""


@subnets_group.command("list")
@network_option
@click.option("--json", "as_json", is_flag=True)
def subnets_list(network: str | None, as_json: bool) -> None:
    """Price, reserves, emission share, tempo, next epoch, registration cost and owner of every subnet."""
    from tao_wallet.services.subnets import SubnetService

    config = load_cli_config(None, network)
    views = SubnetService(chain_for(config.network)).list()
    if as_json:
        echo_json([asdict(v) for v in views])
        return
    for s in views:
        click.echo(f"{s.netuid:>3} {s.name[:14]:<14} {s.symbol:<2} price {s.price}  tao_in {s.tao_in}  "
                   f"alpha_in {s.alpha_in}  emission {s.emission_share_pct}%  tempo {s.tempo} "
                   f"(next epoch in {s.blocks_to_next_epoch})  burn {s.registration_cost}  uids {s.uids}/{s.max_uids}")


@subnets_group.command("show")
@click.argument("netuid", type=int)
@network_option
@click.option("--json", "as_json", is_flag=True)
def subnets_show(netuid: int, network: str | None, as_json: bool) -> None:
    """A subnet and its metagraph (every uid)."""
    from tao_wallet.services.subnets import SubnetService

    config = load_cli_config(None, network)
    graph = SubnetService(chain_for(config.network)).metagraph(netuid)
    if as_json:
        from tao_wallet.services.chain import tao_str

        # built by hand: dataclasses.asdict + a generic walk over 4096 x 10 values costs ~0.3 s
        neurons = [{"uid": n.uid, "hotkey": n.hotkey, "coldkey": n.coldkey, "stake": tao_str(n.stake),
                    "incentive": tao_str(n.incentive), "dividends": tao_str(n.dividends), "trust": tao_str(n.trust),
                    "validator_permit": n.validator_permit, "emission": tao_str(n.emission)} for n in graph.neurons]
        click.echo(json.dumps({"subnet": to_json(asdict(graph.subnet)), "block_number": graph.block_number,
                               "neurons": neurons}, indent=1))
        return
    s = graph.subnet
    click.echo(f"subnet {s.netuid} {s.name} ({s.symbol}) owner {s.owner_coldkey} {s.identity}\n"
               f"price {s.price} TAO, uids {s.uids}/{s.max_uids}, block #{graph.block_number}")
    click.echo("  uid  stake            incentive  dividends  vtrust    permit  hotkey")
    for n in graph.neurons:
        click.echo(f"  {n.uid:>4} {n.stake!s:<16} {n.incentive!s:<10} {n.dividends!s:<10} {n.trust!s:<9} "
                   f"{'yes' if n.validator_permit else 'no':<7} {n.hotkey}")


def _registration(ctx: _Ctx) -> Any:
    from tao_wallet.services.registration import RegistrationService

    return RegistrationService(ctx.chain)


@subnets_group.command("register")
@click.option("--netuid", type=int, required=True)
@click.option("--hotkey", required=True, help="Hotkey to register (SS58 or this wallet's hotkey name).")
@_tx_options
def subnets_register(netuid: int, hotkey: str, **kw: Any) -> None:
    """burned_register a hotkey (shows cost, immunity and pruning risk)."""
    ctx = _Ctx(kw.pop("wallet_path"), kw.pop("wallet_name"), kw.pop("network"))
    service = _registration(ctx)
    _execute(ctx, service, service.prepare_register(ctx.coldkey, ctx.hotkey(hotkey), netuid), **kw)


@subnets_group.command("create")
@click.option("--hotkey", required=True, help="Owner hotkey of the new subnet.")
@click.option("--subnet-name", "subnet_name", default="", help="Subnet identity: name (sets the identity in the same call).")
@click.option("--github", "github_repo", default="", help="Identity: GitHub repository URL.")
@click.option("--contact", "subnet_contact", default="", help="Identity: contact.")
@click.option("--url", "subnet_url", default="", help="Identity: website.")
@click.option("--discord", default="", help="Identity: Discord handle.")
@click.option("--description", default="", help="Identity: description.")
@click.option("--logo-url", default="", help="Identity: logo URL.")
@click.option("--additional", default="", help="Identity: anything else.")
@_tx_options
def subnets_create(hotkey: str, **kw: Any) -> None:
    """Create a subnet (shows the lock cost), optionally with its identity (register_network_with_identity)."""
    from tao_wallet.services.registration import IDENTITY_FIELDS

    identity = {name: kw.pop(name) for name in IDENTITY_FIELDS}
    ctx = _Ctx(kw.pop("wallet_path"), kw.pop("wallet_name"), kw.pop("network"))
    service = _registration(ctx)
    prepared = service.prepare_create_subnet(ctx.coldkey, ctx.hotkey(hotkey), identity)
    _execute(ctx, service, prepared, **kw)


@subnets_group.command("pruning")
@click.option("--netuid", type=int, required=True)
@wallet_options
@network_option
@click.option("--json", "as_json", is_flag=True)
def subnets_pruning(netuid: int, wallet_path: Path | None, wallet_name: str, network: str | None,
                    as_json: bool) -> None:
    """Which uid registering now would replace, and immunity and pruning rank of this wallet's hotkeys."""
    from tao_wallet.services.registration import RegistrationService, own_text, replaced_text

    config = load_cli_config(wallet_path, network)
    wallets = wallet_service(config.wallet_path)
    own = [str(h.address) for h in wallets.get(wallet_name).hotkeys if h.address] if wallet_name else []
    view = RegistrationService(chain_for(config.network)).pruning(netuid, own)
    if as_json:
        echo_json(asdict(view))
        return
    click.echo(f"subnet {netuid} at block #{view.block}: {view.uids}/{view.max_uids} uids, immunity "
               f"{view.immunity_period} blocks, min non-immune {view.min_non_immune}")
    if not view.full:
        click.echo("  not full: registering now takes a free uid, no one is replaced")
    elif view.next_pruned is None:
        click.echo("  full and every uid is protected: registering now would fail (NoNeuronIdAvailable)")
    else:
        click.echo(f"  registering now replaces {replaced_text(view.next_pruned)}")
    for u in view.own:
        click.echo(f"  your hotkey {u.hotkey}: {own_text(u, view.candidates)}")
    if own and not view.own:
        click.echo(f"  none of wallet {wallet_name!r}'s hotkeys is registered on subnet {netuid}")


@subnets_group.command("set-take")
@click.option("--hotkey", required=True)
@click.option("--take", required=True, help="New validator take in percent, e.g. 9.")
@_tx_options
def subnets_set_take(hotkey: str, take: str, **kw: Any) -> None:
    """Set a validator's take (increase_take / decrease_take)."""
    ctx = _Ctx(kw.pop("wallet_path"), kw.pop("wallet_name"), kw.pop("network"))
    service = _registration(ctx)
    _execute(ctx, service, service.prepare_set_take(ctx.coldkey, ctx.hotkey(hotkey), take), **kw)


def register_stake_commands(group: click.Group) -> None:
    """Attach `stake`, `validators` and `subnets` to the root CLI (adds to an existing `subnets` group)."""
    group.add_command(stake_group)
    group.add_command(validators_group)
    existing = group.commands.get("subnets")
    if isinstance(existing, click.Group) and existing is not subnets_group:
        for name, command in subnets_group.commands.items():
            existing.commands.setdefault(name, command)
    else:
        group.add_command(subnets_group)
