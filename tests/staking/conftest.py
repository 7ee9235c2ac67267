"""A real localnet with two subnets (scenario), real WebSocket, real signed extrinsics, for the staking tests.

Session-scoped (one chain for tests/staking): every test uses fresh coldkeys funded with dev_fund, so
tests do not depend on each other's balances; prices move as tests trade, so tests read prices when
they need them instead of assuming them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from node.client.extrinsic import CryptoScheme, ExternalSigner
from node.localnet.subtensor.scenario import Scenario, SubnetSpec
from tao_wallet.services.chain import ChainService, encode_address
from tao_wallet.services.tx import PendingStore, TxRunner

TAO = 10**9
SCENARIO = Scenario(seed="staking-tests", tempo=5, simulate_weights=True, immunity_period=20,
                    nominator_min_stake=1_000_000, subnets=(
    SubnetSpec(name="Alpha", validators=3, miners=4, pool_tao=1000, pool_alpha=4000, validator_stake=500),
    SubnetSpec(name="Beta", validators=2, miners=3, pool_tao=500, pool_alpha=500, validator_stake=200,
               max_allowed_uids=8),
))


def validator(netuid: int, index: int = 0) -> str:
    """SS58 of a scenario validator hotkey."""
    return encode_address(SCENARIO.key(netuid, "validator-hotkey", index))


@pytest.fixture(scope="session")
def staking_localnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from node.localnet.rpc.embedded import start_localnet
    from node.localnet.rpc.server import ServerConfig
    from node.localnet.subtensor.pallet import installer

    handle = start_localnet(tmp_path_factory.mktemp("staking-chain") / "chain.sqlite",
                            config=ServerConfig(port=0), installers=[installer(SCENARIO)])
    yield handle
    handle.stop()


@pytest.fixture(scope="session")
def url(staking_localnet: object) -> str:
    return str(staking_localnet.url)  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def session_chain(url: str) -> Iterator[ChainService]:
    service = ChainService(url)
    yield service
    service.close()


@pytest.fixture
def chain(url: str) -> Iterator[ChainService]:
    service = ChainService(url)
    yield service
    service.close()


@pytest.fixture
def runner(chain: ChainService, tmp_path: Path) -> Iterator[TxRunner]:
    r = TxRunner(chain, PendingStore(tmp_path / "pending"))
    yield r
    r.close()


@dataclass
class Account:
    """A fresh funded sr25519 account: keystore keypair + its signer."""

    keypair: object

    @property
    def address(self) -> str:
        return str(self.keypair.ss58_address)  # type: ignore[attr-defined]

    @property
    def public_key(self) -> bytes:
        return bytes(self.keypair.public_key)  # type: ignore[attr-defined]

    @property
    def signer(self) -> ExternalSigner:
        return ExternalSigner(self.public_key, CryptoScheme.SR25519, self.keypair.sign)  # type: ignore[attr-defined]


def new_account() -> Account:
    from keystore.keypair import Keypair

    return Account(Keypair.from_seed(os.urandom(32)))


def fund(chain: ChainService, address: str, tao: int | Decimal) -> None:
    """Mint TAO with the localnet's dev_fund (waits for the block)."""
    chain.client.rpc("dev_fund", [address, str(int(Decimal(tao) * TAO))])


@pytest.fixture
def funded(session_chain: ChainService) -> Account:
    """A fresh coldkey with 1000 TAO."""
    acc = new_account()
    fund(session_chain, acc.address, 1000)
    return acc
