"""Fixtures for the PoW and dashboard tests: one real localnet (instant seal, free port) per module,
a funder (Alice, real signed transfers) and a subnet owned by a fresh coldkey with a low difficulty."""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from node.client.extrinsic import CryptoScheme, ExternalSigner
from tao_wallet.services.chain import ChainService, encode_address
from tao_wallet.services.tx import PendingStore, TxRunner


def signer_of(keypair: Any) -> ExternalSigner:
    """An ExternalSigner for a keystore Keypair."""
    from keystore.keypair import CryptoType

    scheme = CryptoScheme.ED25519 if keypair.crypto_type == CryptoType.ED25519 else CryptoScheme.SR25519
    return ExternalSigner(keypair.public_key, scheme, keypair.sign)


def fresh_keypair() -> Any:
    """A random sr25519 keypair (keystore)."""
    from keystore.keypair import Keypair

    return Keypair.from_seed(os.urandom(32))


@dataclass
class PowNet:
    """The running localnet, a runner for signed calls, and helpers that act through real extrinsics."""

    handle: Any
    url: str
    chain: ChainService
    runner: TxRunner

    def submit(self, keypair: Any, pallet: str, function: str, args: dict[str, Any]) -> Any:
        runtime = self.chain.client.runtime()
        call = runtime.compose_call(pallet, function, args)
        return self.runner.sign_and_submit(call, signer_of(keypair), wait_for="in_block")

    def fund(self, public_key: bytes, tao: int) -> None:
        from keystore.keypair import Keypair

        view = self.submit(Keypair.from_uri("//Alice"), "Balances", "transfer_keep_alive",
                           {"dest": "0x" + public_key.hex(), "value": tao * 10**9})
        assert view.success, view

    def storage(self, item: str, *keys: bytes) -> Any:
        from tao_wallet.services.network_stats import read_storage

        return read_storage(self.chain.client, "SubtensorModule", item, *keys)

    def sudo(self, pallet: str, function: str, args: dict[str, Any]) -> None:
        from keystore.keypair import Keypair

        inner = {"call_module": pallet, "call_function": function, "call_args": args}
        view = self.submit(Keypair.from_uri("//Alice"), "Sudo", "sudo", {"call": inner})
        assert view.success, view

    def new_subnet(self, difficulty: int) -> tuple[int, Any]:
        """Register a subnet owned by a fresh funded coldkey and set its PoW difficulty (as the owner)."""
        owner, owner_hotkey = fresh_keypair(), fresh_keypair()
        self.fund(owner.public_key, 5_000)
        view = self.submit(owner, "SubtensorModule", "register_network", {"hotkey": "0x" + owner_hotkey.public_key.hex()})
        assert view.success, view
        netuid = next(int(e.fields.split(",")[0]) for e in view.events if e.name == "NetworkAdded")
        self.set_hyper(owner, "sudo_set_difficulty", netuid, difficulty=difficulty)
        return netuid, owner

    def set_hyper(self, owner: Any, call: str, netuid: int, **args: Any) -> None:
        view = self.submit(owner, "AdminUtils", call, {"netuid": netuid, **args})
        assert view.success, view


SCENARIO: dict[str, Any] = {
    "seed": "tao-wallet-pow-tests", "tempo": 10, "simulate_weights": False,
    "subnets": [
        {"name": "Emitting A", "validators": 2, "miners": 2, "pool_tao": 2000, "pool_alpha": 40000, "validator_stake": 100},
        {"name": "Emitting B", "validators": 2, "miners": 2, "pool_tao": 500, "pool_alpha": 50000, "validator_stake": 100},
    ],
}
"""Two genesis subnets that emit from block 1 (subnets registered by extrinsic start emission-disabled)."""


def netuid_key(netuid: int) -> bytes:
    return struct.pack("<H", netuid)


@pytest.fixture(scope="module")
def pownet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PowNet]:
    from node.localnet.rpc.embedded import start_localnet
    from node.localnet.rpc.server import ServerConfig
    from node.localnet.subtensor.pallet import installer

    handle = start_localnet(None, config=ServerConfig(port=0), installers=[installer(SCENARIO)])
    chain = ChainService(handle.url)
    runner = TxRunner(chain, PendingStore(Path(tmp_path_factory.mktemp("pow-pending"))))
    net = PowNet(handle, handle.url, chain, runner)
    net.sudo("AdminUtils", "sudo_set_network_rate_limit", {"rate_limit": 0})  # several subnets per module
    # and keep the lock cost from doubling past the owners' funds: it decays fully within a block or two
    net.sudo("AdminUtils", "sudo_set_network_min_lock_cost", {"lock_cost": 100 * 10**9})
    net.sudo("AdminUtils", "sudo_set_lock_reduction_interval", {"interval": 1})
    yield net
    runner.close()
    chain.close()
    handle.stop()


__all__ = ["PowNet", "encode_address", "fresh_keypair", "netuid_key", "signer_of"]
