"""Fixtures for the chain-client tests: one bare localnet (subtensor pallets, no demo subnets) per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from node.client.client import ChainClient
from node.localnet.rpc.embedded import LocalnetHandle


@pytest.fixture(scope="session")
def bare_localnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalnetHandle]:
    """A localnet on a free port with the subtensor pallets and only the root network."""
    from node.localnet.rpc.embedded import start_localnet
    from node.localnet.rpc.server import ServerConfig

    path: Path = tmp_path_factory.mktemp("client-chain") / "chain.sqlite"
    handle = start_localnet(path, config=ServerConfig(port=0), scenario=None)
    yield handle
    handle.stop()


@pytest.fixture
def client(bare_localnet: LocalnetHandle) -> Iterator[ChainClient]:
    """A connected chain client over a real WebSocket."""
    chain = ChainClient([bare_localnet.url])
    yield chain
    chain.close()
