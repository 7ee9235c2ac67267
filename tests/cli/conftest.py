"""CLI tests run the real entry point in a subprocess, against a private copy of prepared wallets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.app.prepared import Prepared, build, copy_to


@pytest.fixture(scope="session")
def cli_prepared_master(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    return build(tmp_path_factory.mktemp("cli-prepared") / "wallets")


@pytest.fixture
def wallets(cli_prepared_master: Prepared, isolated_dirs: Path, monkeypatch: pytest.MonkeyPatch) -> Prepared:
    target = isolated_dirs / "wallets"
    monkeypatch.setenv("TAO_WALLET_PATH", str(target))
    return copy_to(cli_prepared_master, target)


@dataclass
class Result:
    """A finished CLI run."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def error(self) -> dict[str, str]:
        """The JSON error object printed on stderr."""
        data = json.loads(self.stderr.strip().splitlines()[-1])
        assert set(data) == {"error"} and set(data["error"]) == {"code", "message"}
        return data["error"]  # type: ignore[no-any-return]


def run_cli(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    """Run ``tao-wallet <args>`` as a fresh process (like a user or script would)."""
    out = subprocess.run(
        [sys.executable, "-m", "tao_wallet", *args],
        input=input,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )
    return Result(out.returncode, out.stdout, out.stderr)


@pytest.fixture
def password_file(isolated_dirs: Path) -> Path:
    from tests.app.prepared import PASSWORD

    path = isolated_dirs / "password.txt"
    path.write_text(PASSWORD + "\n")
    return path
