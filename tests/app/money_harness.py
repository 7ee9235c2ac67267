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


def on_screen(pilot: Any) -> str:
    """What the active screen shows (its Statics), for failure messages."""
    from textual.widgets import Static

    texts = [str(w.render()) for w in pilot.app.screen.query(Static).results(Static) if w.display]
    return f"{pilot.app.screen!r}: " + " | ".join(t.strip() for t in texts if t.strip())[:2000]


async def wait_for(pilot: Any, predicate: Callable[[], bool], timeout: float = 120.0) -> None:
    """Let workers run until `predicate()` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"condition not reached in time; on screen: {on_screen(pilot)}")
        await pilot.pause(0.05)


async def press(pilot: Any, selector: str, timeout: float = 60.0) -> None:
    """Click a button like a person, once it is laid out, enabled and past the 0.2 s press effect.

    Under load a modal's button can exist before it has a region; a click then lands on nothing and the
    test would wait for a result that never comes. So wait for the button to be clickable, and retry while
    the click did not land on it.
    """
    from textual.widgets import Button

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        buttons = pilot.app.screen.query(selector).results(Button)
        button = next(iter(buttons), None)
        ready = (button is not None and button.region.width > 0 and not button.disabled
                 and not button.has_class("-active"))
        if ready and await pilot.click(selector):
            await pilot.pause()
            return
        if loop.time() > deadline:
            raise AssertionError(f"could not click {selector} on {pilot.app.screen!r}")
        await pilot.pause(0.05)


def closing(session: MoneySession) -> Iterator[MoneySession]:
    yield session
    session.close()
