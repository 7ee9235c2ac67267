"""Drive the real `tao-wallet` in tmux, as a person would, and create a wallet end to end."""

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

from tests.app.prepared import address_of

TMUX = shutil.which("tmux")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(TMUX is None, reason="tmux is not installed (.ci/run installs it: apt-get install -y tmux)"),
]


class Tmux:
    """A private tmux server running one command in a 100x32 window."""

    def __init__(self, command: str) -> None:
        self.socket = f"tao-wallet-test-{uuid.uuid4().hex[:8]}"
        self.run("new-session", "-d", "-s", "main", "-x", "100", "-y", "32", command)

    def run(self, *args: str) -> str:
        out = subprocess.run([str(TMUX), "-L", self.socket, *args], capture_output=True, text=True, timeout=30)
        return out.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "main")

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "main", *keys)
        time.sleep(0.3)  # a person's pace: keys glued to typed text in one read can be misparsed

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", "main", "-l", text)
        time.sleep(0.3)

    def wait_for(self, needle: str, timeout: float = 60.0, count: int = 1) -> str:
        """Wait until ``needle`` is on screen ``count`` times (generous: CI machines can be busy)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if shown.count(needle) >= count:
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{needle!r} never appeared {count}x; screen was:\n{self.screen()}")

    def alive(self) -> bool:
        return "main" in self.run("list-sessions", "-F", "#{session_name}")

    def close(self) -> None:
        self.run("kill-server")


def test_person_creates_wallet_in_tmux(isolated_dirs: Path) -> None:
    wallet_dir = isolated_dirs / "wallets"
    env = {
        "HOME": os.environ["HOME"],
        "XDG_CONFIG_HOME": os.environ["XDG_CONFIG_HOME"],
        "XDG_DATA_HOME": os.environ["XDG_DATA_HOME"],
        "TAO_WALLET_PATH": str(wallet_dir),
        "TERM": "xterm-256color",
        "COLUMNS": "100",  # the test runner's own COLUMNS/LINES would otherwise leak into the app
        "LINES": "32",
        "TAO_WALLET_NO_EMBEDDED": "1",  # offline start: no embedded localnet (it would take port 9944)
    }
    command = "env " + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    command += f" {shlex.quote(sys.executable)} -m tao_wallet"
    tmux = Tmux(command)
    try:
        tmux.wait_for("Press c to create")
        tmux.wait_for("local · offline")  # the header's follower finds no node on 9944
        tmux.keys("c")
        tmux.wait_for("wallet name, e.g. default")
        # like a person, look at the screen before moving on
        tmux.type("tmuxwallet")
        tmux.wait_for("tmuxwallet")
        tmux.keys("Tab")
        tmux.type("tmux-pass")
        tmux.wait_for("•" * 9)
        tmux.keys("Tab")
        tmux.type("tmux-pass")
        tmux.wait_for("•" * 9, count=2)
        tmux.keys("Enter")
        shown = tmux.wait_for("Write these words down")
        words = dict((int(n), w) for n, w in re.findall(r"\b(\d{1,2})\. ([a-z]+)\b", shown))
        assert sorted(words) == list(range(1, 13)), shown
        mnemonic = " ".join(words[i] for i in range(1, 13))
        assert not wallet_dir.exists() or not any(wallet_dir.iterdir())
        tmux.keys("Enter")  # "I have written them down" has focus
        shown = tmux.wait_for("Confirm your mnemonic")
        positions = [int(p) for p in re.findall(r"word #(\d+)", shown)]
        assert len(positions) == 3, shown
        for position in positions:
            tmux.type(words[position])
            tmux.wait_for(words[position])
            tmux.keys("Enter")
        tmux.wait_for("Created wallet 'tmuxwallet'", timeout=180)
        tmux.wait_for("tmuxwallet  [locked]")
        coldkey = wallet_dir / "tmuxwallet" / "coldkey"
        assert coldkey.read_bytes().startswith(b"$NACL")
        assert oct(coldkey.stat().st_mode & 0o777) == "0o600"
        pub = (wallet_dir / "tmuxwallet" / "coldkeypub.txt").read_text()
        assert address_of(mnemonic) in pub
        assert mnemonic not in tmux.screen(), "the mnemonic must not stay on screen"
        tmux.keys("C-q")
        deadline = time.monotonic() + 10
        while tmux.alive() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not tmux.alive(), "ctrl+q should quit the app"
    finally:
        tmux.close()
