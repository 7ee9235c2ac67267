"""Shared pieces of the money TUI tests: a localnet with subnets, a funded wallet, and a harness app."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from textual.app import App
from textual.screen import Screen

from tao_wallet.services.chain import ChainService
from tao_wallet.services.money_session import MoneySession
from tao_wallet.services.tx import PendingStore
from tao_wallet.services.wallets import WalletService
from tests.money.cli_helpers import make_wallet
from tests.staking.conftest import SCENARIO, Account, fund, new_account


def start_chain(tmp: Path) -> Any:
    from node.localnet.rpc.embedded import start_localnet
    from node.localnet.rpc.server import ServerConfig
    from node.localnet.subtensor.pallet import installer

    return start_localnet(tmp / "chain.sqlite", config=ServerConfig(port=0), installers=[installer(SCENARIO)])


def session_for(url: str, tmp: Path, name: str = "tui", tao: int = 100) -> tuple[MoneySession, Account]:
    """A MoneySession on the localnet and a fresh unencrypted wallet `name` holding `tao` TAO."""
    root = Path(os.environ["TAO_WALLET_PATH"])
    acc = new_account()
    make_wallet(name, acc.keypair, root)
    chain = ChainService(url)
    fund(chain, acc.address, tao)
    return MoneySession(url, WalletService(root), chain=chain, pending=PendingStore(tmp / "pending")), acc


class Harness(App[None]):
    """Pushes one screen on start (the screens under test do not depend on the rest of the app)."""

    def __init__(self, make: Callable[[], Screen[Any]]) -> None:
        super().__init__()
        self._make = make

    def on_mount(self) -> None:
        self.push_screen(self._make())


async def wait_for(pilot: Any, predicate: Callable[[], bool], timeout: float = 120.0) -> None:
    """Let workers run until `predicate()` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.05)


def closing(session: MoneySession) -> Iterator[MoneySession]:
    yield session
    session.close()
