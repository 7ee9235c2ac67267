"""Fixtures for the money tests: decoded runtimes (decoding takes ~1 s, so once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.client.runtime import Runtime

REPO = Path(__file__).resolve().parents[2]
LOCAL_METADATA = REPO / "assets" / "metadata" / "subtensor-localnet-spec461.v14.hex"
FINNEY_METADATA = REPO / "tests" / "data" / "subtensor-finney-spec343.v14.hex"


@pytest.fixture(scope="session")
def runtime461() -> Runtime:
    """The bundled localnet runtime (spec 461)."""
    return Runtime.from_file(LOCAL_METADATA)


@pytest.fixture(scope="session")
def runtime343() -> Runtime:
    """An older finney runtime (spec 343), to show nothing is tied to one runtime."""
    return Runtime.from_file(FINNEY_METADATA)


# --- a real localnet over a real WebSocket ---------------------------------------------------------

import os  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402

from node.client.client import ChainClient  # noqa: E402
from node.client.extrinsic import CryptoScheme, ExternalSigner  # noqa: E402
from tao_wallet.services.chain import ChainService  # noqa: E402
from tao_wallet.services.tx import PendingStore, TxRunner  # noqa: E402


@pytest.fixture(scope="session")
def money_localnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One localnet (instant seal, free port) for the money tests; tests use fresh funded accounts."""
    from node.localnet.rpc.embedded import start_localnet
    from node.localnet.rpc.server import ServerConfig

    handle = start_localnet(tmp_path_factory.mktemp("money-chain") / "chain.sqlite", config=ServerConfig(port=0),
                            scenario=None)
    yield handle
    handle.stop()


@pytest.fixture(scope="session")
def localnet_url(money_localnet: object) -> str:
    """ws://127.0.0.1:<port> of the money localnet."""
    return str(money_localnet.url)  # type: ignore[attr-defined]


def signer_of(keypair: object) -> ExternalSigner:
    """An ExternalSigner for a keystore Keypair."""
    from keystore.keypair import CryptoType, Keypair

    assert isinstance(keypair, Keypair)
    scheme = CryptoScheme.ED25519 if keypair.crypto_type == CryptoType.ED25519 else CryptoScheme.SR25519
    return ExternalSigner(keypair.public_key, scheme, keypair.sign)


@dataclass
class Funder:
    """Alice on the money localnet: funds fresh accounts with real signed transfers."""

    url: str
    runner: TxRunner

    def fund(self, address: str, tao: int) -> None:
        from keystore.keypair import Keypair
        from tao_wallet.services.chain import decode_address

        alice = Keypair.from_uri("//Alice")
        runtime = self.runner.chain.client.runtime()
        call = runtime.compose_call(
            "Balances", "transfer_keep_alive", {"dest": "0x" + decode_address(address).hex(), "value": tao * 10**9}
        )
        view = self.runner.sign_and_submit(call, signer_of(alice), wait_for="in_block")
        assert view.success, view


@pytest.fixture(scope="session")
def funder(localnet_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Funder]:
    chain = ChainService(localnet_url)
    runner = TxRunner(chain, PendingStore(tmp_path_factory.mktemp("funder-pending")))
    yield Funder(localnet_url, runner)
    runner.close()
    chain.close()


@pytest.fixture
def chain(localnet_url: str) -> Iterator[ChainService]:
    """A fresh ChainService on the money localnet."""
    service = ChainService(localnet_url)
    yield service
    service.close()


@pytest.fixture
def client(localnet_url: str) -> Iterator[ChainClient]:
    c = ChainClient([localnet_url])
    c.connect()
    yield c
    c.close()


def fresh_keypair() -> object:
    """A random sr25519 keypair (keystore)."""
    from keystore.keypair import Keypair

    return Keypair.from_seed(os.urandom(32))
