"""Light-node fixtures: a demo localnet (4 subnets, epochs every 20 blocks) per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from node.localnet.rpc.embedded import LocalnetHandle, start_localnet
from node.localnet.rpc.server import ServerConfig
from node.localnet.subtensor.pallet import demo_installer

DEMO_BLOCKS = 70
"""Blocks produced before the tests run: >= 2 epochs of each demo subnet (tempo 20, staggered)."""


@pytest.fixture(scope="module")
def demo_net() -> Iterator[LocalnetHandle]:
    """A fresh throwaway demo localnet on a free port with DEMO_BLOCKS blocks."""
    handle = start_localnet(None, config=ServerConfig(port=0), installers=[demo_installer()])
    handle.chain.produce_blocks(DEMO_BLOCKS)
    yield handle
    handle.stop()
