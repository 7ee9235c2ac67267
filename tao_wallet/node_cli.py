"""``tao-wallet node sync|status|audit|earnings``: the embedded light node from the command line."""

from __future__ import annotations

import json
import signal
import threading
from dataclasses import asdict, is_dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from tao_wallet.services.node import NodeService, NodeStatus, default_db_path


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


def _service(network: str, urls: tuple[str, ...], db: Path | None, coldkeys: tuple[str, ...]) -> NodeService:
    from tao_wallet.network import resolve_network

    chosen = urls or resolve_network(network).urls
    return NodeService(tuple(chosen), db or default_db_path(network), coldkeys)


def _fail(message: str, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"error": {"code": "node_error", "message": message}}), err=True)
    else:
        click.echo(f"Error: {message}", err=True)
    raise SystemExit(1)


def _status_line(s: NodeStatus) -> str:
    eta = "-" if s.eta_s is None else f"{s.eta_s:.0f}s"
    return (f"#{s.synced}/{s.target} finalized #{s.finalized}  {s.blocks_per_s:.0f} blocks/s  ETA {eta}  "
            f"epochs {s.epochs} (mismatches {s.mismatches})  db {s.db_bytes / 1e6:.1f} MB  [{s.state}]")


@click.group("node")
@click.option("--network", "-n", default="local", show_default=True, help="local, test, finney or a ws:// URL.")
@click.option("--url", "urls", multiple=True, help="Endpoint URL (repeat for several; overrides --network).")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Light-node database (default: <data dir>/light/<network>.sqlite).")
@click.option("--coldkey", "coldkeys", multiple=True, help="SS58 coldkey to track earnings/alerts for.")
@click.pass_context
def node_group(ctx: click.Context, network: str, urls: tuple[str, ...], db: Path | None,
               coldkeys: tuple[str, ...]) -> None:
    """The embedded light node: verified sync, epoch audits and earnings."""
    ctx.obj = {"network": network, "urls": urls, "db": db, "coldkeys": coldkeys}


def _from(ctx: click.Context, as_json: bool) -> NodeService:
    o = ctx.obj
    try:
        return _service(o["network"], o["urls"], o["db"], o["coldkeys"])
    except Exception as exc:
        _fail(str(exc), as_json)
        raise


@node_group.command("sync")
@click.option("--follow/--once", default=False, show_default=True, help="Keep following new heads.")
@click.option("--stop-at", type=int, default=None, help="Stop after this block.")
@click.option("--backfill", type=int, default=None, help="Blocks of history on a fresh database (default: all).")
@click.option("--no-epochs", is_flag=True, help="Headers only: skip epoch snapshots and audits.")
@click.option("--json", "as_json", is_flag=True, help="One JSON status object per progress report.")
@click.pass_context
def sync_cmd(ctx: click.Context, follow: bool, stop_at: int | None, backfill: int | None, no_epochs: bool,
             as_json: bool) -> None:
    """Sync and verify headers, snapshot and audit epochs (Ctrl-C stops cleanly)."""
    from node.light import LightNodeError

    service = _from(ctx, as_json)
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, lambda *_: stop.set())

    def show(s: NodeStatus) -> None:
        click.echo(json.dumps(_jsonable(s)) if as_json else _status_line(s))

    try:
        final = service.sync(stop, show, follow=follow, stop_at=stop_at, backfill=backfill, epochs=not no_epochs)
    except LightNodeError as exc:
        _fail(str(exc), as_json)
        return
    show(final)


@node_group.command("status")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def status_cmd(ctx: click.Context, as_json: bool) -> None:
    """Synced head, finality, epochs audited, database size."""
    s = _from(ctx, as_json).status()
    if as_json:
        click.echo(json.dumps(_jsonable(s)))
    else:
        click.echo(_status_line(s))
        if s.bytes_per_epoch:
            click.echo(f"disk per synced epoch: {s.bytes_per_epoch / 1e3:.1f} kB")


@node_group.command("audit")
@click.option("--netuid", type=int, default=None)
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def audit_cmd(ctx: click.Context, netuid: int | None, limit: int, as_json: bool) -> None:
    """Local recomputation vs chain, per subnet epoch (and every mismatching uid/field)."""
    service = _from(ctx, as_json)
    rows = service.audits(netuid, limit)
    cells = {(r.netuid, r.block): service.audit_cells(r.netuid, r.block) for r in rows if r.mismatches}
    if as_json:
        click.echo(json.dumps({"epochs": _jsonable(list(rows)),
                               "mismatches": [_jsonable(c) for v in cells.values() for c in v]}))
        return
    for r in rows:
        verdict = "match" if r.mismatches == 0 else f"{r.mismatches} MISMATCH(ES)"
        click.echo(f"subnet {r.netuid:>3} epoch at #{r.block:<8} {r.uids:>4} uids x {r.fields} fields: {verdict}")
        for c in cells.get((r.netuid, r.block), ()):
            click.echo(f"    uid {c.uid} {c.field}: chain {c.chain} local {c.local}")
    if not rows:
        click.echo("no audited epochs yet (run `tao-wallet node sync`)")


@node_group.command("earnings")
@click.argument("coldkey")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def earnings_cmd(ctx: click.Context, coldkey: str, as_json: bool) -> None:
    """Earnings per position and epoch, realized returns, next-epoch projection of COLDKEY."""
    service = _from(ctx, as_json)
    try:
        report = service.earnings(coldkey)
    except Exception as exc:
        _fail(str(exc), as_json)
        return
    if as_json:
        click.echo(json.dumps(_jsonable(report)))
        return
    for r in report.rows:
        click.echo(f"#{r.block:<8} sn{r.netuid:<3} {r.hotkey[:10]}.. +{r.earned_alpha} alpha "
                   f"(incentive {r.incentive}, dividends {r.dividends}, delegation {r.delegation}) = {r.earned_tao} TAO")
    for x in report.returns:
        rate = "-" if x.per_1000_tao_per_day is None else f"{x.per_1000_tao_per_day} TAO"
        click.echo(f"{x.window}: earned {x.earned_tao} TAO, per 1000 TAO per day {rate} "
                   f"(over {x.covered_blocks} blocks)")
    for p in report.projections:
        click.echo(f"next epoch sn{p.netuid} {p.hotkey[:10]}..: ~{p.expected_alpha} alpha ({p.expected_tao} TAO)")
    if not report.rows:
        click.echo("no earnings recorded: sync with --coldkey to track this coldkey")
