"""As a person would, in tmux: start the app on a localnet started by the test, create a wallet, fund it from
the localnet faucet, stake to a validator, and see the position appear in the portfolio."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.staking.conftest import validator

TMUX = shutil.which("tmux")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(TMUX is None, reason="tmux is not installed"),
]


class Tmux:
    """A private tmux server running one command in a 180x45 window."""

    def __init__(self, command: str) -> None:
        self.socket = f"tao-wallet-money-{uuid.uuid4().hex[:8]}"
        self.run("new-session", "-d", "-s", "main", "-x", "180", "-y", "45", command)

    def run(self, *args: str) -> str:
        return subprocess.run([str(TMUX), "-L", self.socket, *args], capture_output=True, text=True,
                              timeout=30).stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "main")

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "main", *keys)
        time.sleep(0.4)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", "main", "-l", text)
        time.sleep(0.4)

    def wait_for(self, needle: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if needle in shown:
                return shown
            time.sleep(0.25)
        raise AssertionError(f"{needle!r} never appeared; screen was:\n{self.screen()}")

    def close(self) -> None:
        self.run("kill-server")


def test_person_creates_funds_and_stakes_in_tmux(isolated_dirs: Path, tmp_path: Path) -> None:
    from tests.app.money_harness import start_chain

    handle = start_chain(tmp_path)
    env = {
        "HOME": os.environ["HOME"], "XDG_CONFIG_HOME": os.environ["XDG_CONFIG_HOME"],
        "XDG_DATA_HOME": os.environ["XDG_DATA_HOME"], "TAO_WALLET_PATH": str(isolated_dirs / "wallets"),
        "TAO_WALLET_NETWORK": handle.url, "TERM": "xterm-256color", "COLUMNS": "180", "LINES": "45",
    }
    command = "env " + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    tmux = Tmux(command + f" {shlex.quote(sys.executable)} -m tao_wallet")
    try:
        # create a wallet, as in the wallet tmux test
        tmux.wait_for("Press c to create")
        tmux.keys("c")
        tmux.wait_for("wallet name, e.g. default")
        tmux.type("person")
        tmux.keys("Tab")
        tmux.type("person-pass")
        tmux.keys("Tab")
        tmux.type("person-pass")
        tmux.keys("Enter")
        shown = tmux.wait_for("Write these words down")
        words = dict((int(n), w) for n, w in re.findall(r"\b(\d{1,2})\. ([a-z]+)\b", shown))
        tmux.keys("Enter")
        shown = tmux.wait_for("Confirm your mnemonic")
        for position in [int(p) for p in re.findall(r"word #(\d+)", shown)]:
            tmux.type(words[position])
            tmux.keys("Enter")
        tmux.wait_for("Created wallet 'person'", timeout=90)
        # money menu: faucet, then validators -> stake to the first one
        tmux.keys("F4")
        tmux.wait_for("Faucet")
        tmux.keys("f")
        tmux.wait_for("Funded person with 100 TAO", timeout=90)
        tmux.keys("v")
        tmux.wait_for(validator(1)[:20], timeout=60)
        tmux.keys("Tab")  # from the filter to the table
        tmux.keys("Enter")
        tmux.wait_for("Stake TAO")
        tmux.type("1")
        tmux.keys("Enter")  # to the tolerance (0.5 % by default): make it 5 %
        tmux.keys("C-u")
        tmux.type("5")
        tmux.keys("Enter")  # to the password
        tmux.type("person-pass")
        tmux.keys("Enter")  # preview
        tmux.wait_for("Confirm and sign", timeout=60)
        assert "from the chain" in tmux.screen() and "Price impact" in tmux.screen()
        tmux.keys("Tab")  # from Cancel (focused: the safe choice) to Confirm
        tmux.keys("Enter")
        status = tmux.wait_for("Finalized", timeout=90)
        assert "call failed" not in status and "Failed" not in status, status
        tmux.keys("Escape")  # close the status
        tmux.keys("Escape")  # back to validators
        tmux.keys("Escape")  # back to the menu
        tmux.keys("p")
        shown = tmux.wait_for("Value (spot)", timeout=60)
        deadline = time.monotonic() + 60
        while "alpha" not in shown and time.monotonic() < deadline:  # positions appear with the next reload
            shown = tmux.screen()
            if re.search(r"\b[12]\s+(Alpha|Beta)\s+5", shown):
                break
            time.sleep(0.5)
        assert re.search(r"\b[12]\s+(Alpha|Beta)\s+5", shown), shown  # the position: subnet, name, hotkey
        assert "Stake 0.0000 TAO" not in shown
    finally:
        tmux.close()
        handle.stop()
