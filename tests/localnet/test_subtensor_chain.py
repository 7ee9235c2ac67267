"""SubtensorModule on a real in-process Chain: real signed extrinsics, real runtime, real events.

Extrinsics are composed offline against the spec-461 metadata (call encoding by scalecodec, the signing
payload from the metadata's signed extensions) and signed with sr25519 keypairs, then submitted to the
Chain's pool and included by producing blocks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from substrateinterface import Keypair

from node.localnet.chain import Chain
from node.localnet.hashing import blake2_256, compact
from node.localnet.subtensor.pallet import install

TAO = 10**9
S = "SubtensorModule"


class Client:
    """Signs and submits extrinsics to an in-process Chain and reads back events and storage."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self.md = chain.md

    def sign(self, kp: Keypair, pallet: str, call: str, args: dict[str, Any], nonce: int | None = None) -> bytes:
        call_bytes = self.md.encode_call(pallet, call, args)
        nonce = self.chain.account_next_index(kp.public_key) if nonce is None else nonce
        extra, additional = b"", b""
        version = self.md.version
        for ext in self.md.signed_extensions:
            ident = ext.identifier
            if ident == "CheckMortality":
                extra += b"\x00"
                additional += self.chain.genesis_hash
            elif ident == "CheckNonce":
                extra += compact(nonce)
            elif ident == "ChargeTransactionPayment":
                extra += compact(0)
            elif ident == "CheckMetadataHash":
                extra += b"\x00"
                additional += b"\x00"
            elif ident == "CheckSpecVersion":
                additional += version["spec_version"].to_bytes(4, "little")
            elif ident == "CheckTxVersion":
                additional += version["transaction_version"].to_bytes(4, "little")
            elif ident == "CheckGenesis":
                additional += self.chain.genesis_hash
        payload = call_bytes + extra + additional
        sig = kp.sign(blake2_256(payload) if len(payload) > 256 else payload)
        body = b"\x84" + b"\x00" + kp.public_key + b"\x01" + sig + extra + call_bytes
        return compact(len(body)) + body

    def call(self, kp: Keypair, pallet: str, call: str, **args: Any) -> list[tuple[str, str, Any]]:
        """Submit, produce a block, return this extrinsic's events as (pallet, name, attributes)."""
        self.chain.submit(self.sign(kp, pallet, call, args))
        block_hash = self.chain.produce_block()
        return self.events(block_hash, extrinsic_index=1)

    def events(self, block_hash: bytes, extrinsic_index: int | None = None) -> list[tuple[str, str, Any]]:
        out = []
        for rec in self.chain.read("System", "Events", at=block_hash):
            if extrinsic_index is not None and rec.get("extrinsic_idx") != extrinsic_index:
                continue
            ev = rec["event"]
            out.append((ev["module_id"], ev["event_id"], ev["attributes"]))
        return out

    def read(self, item: str, *keys: Any, pallet: str = S) -> Any:
        return self.chain.read(pallet, item, *keys)

    def free(self, kp: Keypair) -> int:
        return int(self.chain.read("System", "Account", kp.public_key)["data"]["free"])


def names(events: list[tuple[str, str, Any]]) -> list[str]:
    return [f"{p}.{n}" for p, n, _ in events]


def fee_paid(events: list[tuple[str, str, Any]]) -> int:
    return sum(int(a["actual_fee"]) for p, n, a in events if (p, n) == ("TransactionPayment", "TransactionFeePaid"))


def failure(events: list[tuple[str, str, Any]]) -> Any:
    for p, n, attrs in events:
        if (p, n) == ("System", "ExtrinsicFailed"):
            return attrs
    return None


@pytest.fixture
def chain() -> Iterator[Chain]:
    c = Chain(None, installers=[install])
    yield c
    c.close()


def kp(uri: str) -> Keypair:
    return Keypair.create_from_uri(uri, ss58_format=42)


def test_register_network_start_call_and_burned_register(chain: Chain) -> None:
    cl = Client(chain)
    alice, bob = kp("//Alice"), kp("//Bob")
    owner_hk, miner_hk = kp("//Alice//hk"), kp("//Bob//hk")
    before = cl.free(alice)
    ev = cl.call(alice, S, "register_network", hotkey=owner_hk.public_key)
    assert "SubtensorModule.NetworkAdded" in names(ev), ev
    assert cl.read("SubnetTAO", 1) == 1_000 * TAO
    assert before - cl.free(alice) >= 1_000 * TAO
    assert cl.read("SubnetOwner", 1) == "0x" + alice.public_key.hex()
    assert cl.read("Uids", 1, owner_hk.public_key) == 0
    ev = cl.call(alice, S, "start_call", netuid=1)
    assert "SubtensorModule.FirstEmissionBlockNumberSet" in names(ev), ev
    burn_before = cl.read("Burn", 1)
    bob_before = cl.free(bob)
    ev = cl.call(bob, S, "burned_register", netuid=1, hotkey=miner_hk.public_key)
    assert "SubtensorModule.NeuronRegistered" in names(ev), ev
    assert cl.read("Uids", 1, miner_hk.public_key) == 1
    paid = cl.read("RAORecycledForRegistration", 1)
    assert burn_before * 99 // 100 < paid <= burn_before  # decayed once at the start of the block
    assert bob_before - cl.free(bob) == paid + fee_paid(ev)
    assert cl.read("Burn", 1) == paid * 126 // 100  # bumped x1.26 after the registration
    ev = cl.call(bob, S, "burned_register", netuid=1, hotkey=miner_hk.public_key)
    assert failure(ev) is not None
