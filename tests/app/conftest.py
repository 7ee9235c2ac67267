"""Fixtures for the TUI tests: a private copy of the prepared wallets at ~/.bittensor/wallets."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.worker import WorkerFailed

from tao_wallet.app import TaoWalletApp
from tao_wallet.config import AppConfig
from tao_wallet.services.wallets import WalletService
from tests.app.prepared import Prepared, build, copy_to


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app must work with no network: any connection beyond this machine fails the test."""
    import socket

    real_connect = socket.socket.connect

    def guarded(sock: socket.socket, address: object) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if sock.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"the app tried to reach the network: {address!r}")
        real_connect(sock, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def prepared_master(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    return build(tmp_path_factory.mktemp("prepared") / "wallets")


@pytest.fixture
def wallets(prepared_master: Prepared, isolated_dirs: Path, monkeypatch: pytest.MonkeyPatch) -> Prepared:
    """This test's own copy, at the bittensor default location under the test's HOME."""
    target = Path.home() / ".bittensor" / "wallets"
    target.parent.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("TAO_WALLET_PATH", str(target))
    return copy_to(prepared_master, target)


@pytest.fixture
def service(wallets: Prepared) -> WalletService:
    return WalletService(wallets.root)


@pytest.fixture
def app(service: WalletService) -> TaoWalletApp:
    return TaoWalletApp(wallets=service, config=AppConfig(wallet_path=service.root))


BACKGROUND_GROUPS = ("load", "key-op")


async def settle(pilot: Pilot[None]) -> None:
    """Wait until all load and key-operation workers finished and their messages were handled.

    Flow workers (waiting for a dialog) are left alone: waiting for them would wait for the user.
    """
    for _ in range(100):
        await pilot.pause()
        running = [w for w in pilot.app.workers if w.group in BACKGROUND_GROUPS and not w.is_finished]
        if not running:
            await pilot.pause()
            if not [w for w in pilot.app.workers if w.group in BACKGROUND_GROUPS and not w.is_finished]:
                return
            continue
        with contextlib.suppress(WorkerFailed):  # failures are shown by the screen; tests check that
            await pilot.app.workers.wait_for_complete(running)
    raise AssertionError("workers did not settle")


async def click(pilot: Pilot[None], selector: str) -> None:
    """Click a button like a person (see `money_harness.press`: waits for layout and the press effect)."""
    from tests.app.money_harness import press

    await press(pilot, selector)


async def wait_screen(pilot: Pilot[None], kind: type, timeout: float = 60.0) -> None:
    """Wait until the active screen is a ``kind`` (flows may do threaded work before showing it)."""
    import time

    deadline = time.monotonic() + timeout
    while not isinstance(pilot.app.screen, kind):
        assert time.monotonic() < deadline, f"expected {kind.__name__}, still on {pilot.app.screen!r}"
        await pilot.pause(0.05)
