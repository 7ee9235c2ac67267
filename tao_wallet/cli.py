"""Command-line entry point. Heavy imports (Textual, substrate-interface) stay inside commands."""

from __future__ import annotations

import click

from tao_wallet.localnet_cli import localnet_group


@click.group(invoke_without_command=True)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """tao-wallet: a terminal wallet and staking manager for Bittensor."""
    if ctx.invoked_subcommand is None:
        from tao_wallet.app import TaoWalletApp

        TaoWalletApp().run()


cli.add_command(localnet_group)


def main() -> None:
    """Console-script entry point."""
    cli()
