"""Command-line entry point. Heavy imports (Textual, keystore crypto) stay inside commands.

``tao-wallet`` alone starts the TUI; ``tao-wallet wallet ...`` mirrors btcli's wallet commands.
Errors print a specific message (as JSON on stderr with ``--json``) and exit non-zero.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from keystore.passwords import PasswordStore
    from tao_wallet.config import AppConfig

EXIT_ERROR = 1
EXIT_USAGE = 2


class LazyRoot(click.Group):
    """Root group that imports command modules only when they are asked for: ``tao-wallet wallet list``
    loads only the wallet commands, and ``tao-wallet`` (the TUI) none. Register new root commands in
    ``_load_all``."""

    _everything_loaded = False
    _wallet_loaded = False

    def _load_wallet(self) -> None:
        if self._wallet_loaded:
            return
        self._wallet_loaded = True
        from tao_wallet.cli_keys import register_key_commands
        from tao_wallet.cli_wallet import wallet_group

        register_key_commands(wallet_group)
        self.add_command(wallet_group)

    def _load_all(self) -> None:
        self._load_wallet()
        if self._everything_loaded:
            return
        self._everything_loaded = True
        from tao_wallet.chain_cli import register_chain_commands
        from tao_wallet.localnet_cli import localnet_group

        self.add_command(localnet_group)
        register_chain_commands(self)
        from tao_wallet.stake_cli import register_stake_commands

        register_stake_commands(self)
        from tao_wallet.node_cli import node_group

        self.add_command(node_group)
        from tao_wallet.pow_cli import register_pow_commands

        register_pow_commands(self)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "wallet":
            self._load_wallet()
        else:
            self._load_all()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_all()
        return super().list_commands(ctx)


@click.group(cls=LazyRoot, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--wallet-path",
    "--wallet_path",
    "-p",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Wallet directory (default: $TAO_WALLET_PATH, $BT_WALLET_PATH or ~/.bittensor/wallets).",
)
@click.option("--network", "network", default=None,
              help="Network for the terminal UI: local (default), test, finney or a ws:// / wss:// URL.")
@click.option("--no-embedded", "no_embedded", is_flag=True, default=False,
              help="Never start the embedded localnet for `local` (also TAO_WALLET_NO_EMBEDDED=1).")
@click.version_option(package_name="tao-wallet", prog_name="tao-wallet")
@click.pass_context
def cli(ctx: click.Context, wallet_path: Path | None, network: str | None, no_embedded: bool) -> None:
    """tao-wallet: a terminal wallet and staking manager for Bittensor.

    Run without a command to start the terminal UI.
    """
    if ctx.invoked_subcommand is not None:
        return
    from tao_wallet.config import load_config

    config = load_config({"wallet_path": wallet_path, "network": network,
                          "embedded_node": False if no_embedded else None})
    run_tui(config)


def run_tui(config: AppConfig) -> None:
    """Build the real services from ``config`` and run the Textual app until the user quits."""
    import logging

    from textual.logging import TextualHandler

    from tao_wallet.app import TaoWalletApp
    from tao_wallet.network import resolve_network
    from tao_wallet.services.connection import ChainConnection
    from tao_wallet.services.wallets import WalletService

    logging.basicConfig(level=logging.INFO, handlers=[TextualHandler()])
    service = WalletService(
        config.wallet_path,
        unlock_cache_seconds=config.unlock_cache_seconds,
        password_store=password_store(config.remember_passwords),
    )
    # Resolved before the UI starts, so a bad --network is a plain error; nothing connects until the app runs.
    connection = ChainConnection(resolve_network(config.network), embedded=config.embedded_node)
    try:
        TaoWalletApp(wallets=service, config=config, connection=connection).run()
    finally:
        service.lock_all()
        connection.close()  # idempotent: the app closes it on exit; this covers a crash


def password_store(enabled: bool) -> PasswordStore | None:
    """The OS keyring wrapper when the user opted in to remembering passwords, else None."""
    if not enabled:
        return None
    from keystore.passwords import PasswordStore

    return PasswordStore()


# Subcommands are registered on demand: see LazyRoot.


def _wants_json(argv: list[str]) -> bool:
    return "--json" in argv


def emit_error(code: str, message: str, *, as_json: bool) -> None:
    """Print an error: ``{"error": {"code", "message"}}`` on stderr with --json, else plain text."""
    if as_json:
        click.echo(json.dumps({"error": {"code": code, "message": message}}), err=True)
    else:
        click.echo(f"Error: {message}", err=True)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: runs click and turns every failure into a specific exit."""
    from tao_wallet.config import ConfigError
    from tao_wallet.services.errors import WalletError

    args = sys.argv[1:] if argv is None else argv
    as_json = _wants_json(args)
    try:
        result = cli.main(args=args, prog_name="tao-wallet", standalone_mode=False)
    except WalletError as exc:
        emit_error(exc.code, exc.message, as_json=as_json)
        sys.exit(EXIT_ERROR)
    except ConfigError as exc:
        emit_error("config_error", str(exc), as_json=as_json)
        sys.exit(EXIT_ERROR)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc), err=True)
        sys.exit(EXIT_USAGE)
    except click.UsageError as exc:
        if as_json:
            emit_error("usage", exc.format_message(), as_json=True)
        else:
            exc.show()
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        emit_error("error", exc.format_message(), as_json=as_json)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except (click.Abort, KeyboardInterrupt):
        emit_error("aborted", "aborted by user", as_json=as_json)
        sys.exit(130)
    # standalone_mode=False returns ctx.exit(code) values instead of exiting (e.g. verify: invalid).
    if isinstance(result, int) and not isinstance(result, bool) and result != 0:
        sys.exit(result)
