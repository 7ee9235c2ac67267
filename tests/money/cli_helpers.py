"""Run the real CLI entry point in-process (the decoded runtime stays cached between runs)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner


@dataclass
class Run:
    """A finished CLI run."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def error(self) -> dict[str, str]:
        """The JSON error object the CLI printed on stderr."""
        data = json.loads(self.stderr.strip().splitlines()[-1])
        return data["error"]  # type: ignore[no-any-return]


def run(*args: str, input: str | None = None) -> Run:
    """`tao-wallet <args>` through tao_wallet.cli.main, with stdin/stdout/stderr captured."""
    from tao_wallet.cli import main

    runner = CliRunner()
    with runner.isolation(input=input) as (out, err, _):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        return Run(code, out.getvalue().decode(), err.getvalue().decode())


def make_wallet(name: str, keypair: object, wallets_dir: Path, password: str | None = None) -> None:
    """Write a coldkey (and coldkeypub.txt) the way `wallet regen` would."""
    from keystore.wallet import Wallet

    Wallet(name, wallets_dir).regen_coldkey(keypair, password)  # type: ignore[arg-type]
