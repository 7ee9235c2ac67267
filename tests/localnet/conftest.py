"""Shared localnet fixtures: one real localnet (real Chain, real SQLite, real WebSocket) per test session.

`localnet` / `localnet_url` are session-scoped so the chain is built once; tests that share it must not
assume a fixed block number or fixed balances of the dev accounts: use fresh accounts (see
`fresh_keypair`) or compare values at specific block hashes. Tests that need their own chain (restart,
finality lag, seal modes) call `start_localnet` themselves with port 0.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from node.localnet.rpc.embedded import LocalnetHandle, start_localnet
from node.localnet.rpc.server import ServerConfig


@pytest.fixture(scope="session")
def localnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalnetHandle]:
    """A localnet with instant seal on a free port, chain database in a session temp dir."""
    db_path = tmp_path_factory.mktemp("localnet") / "chain.sqlite"
    handle = start_localnet(db_path, config=ServerConfig(port=0), scenario=None)  # bare: no demo subnets
    yield handle
    handle.stop()


@pytest.fixture(scope="session")
def localnet_url(localnet: LocalnetHandle) -> str:
    """ws://127.0.0.1:<port> of the session localnet."""
    return localnet.url
