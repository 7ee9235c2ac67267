"""ChainClient against the real localnet: endpoints, heads, fees both ways, payload cross-check."""

from __future__ import annotations

import socket

import pytest
from scalecodec.base import ScaleBytes

from node.client.client import ChainClient
from node.client.errors import NoEndpointError
from node.client.extrinsic import fee_probe_extrinsic, signing_payload
from tests.money.conftest import fresh_keypair


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"ws://127.0.0.1:{s.getsockname()[1]}"


def test_falls_back_to_the_next_endpoint(localnet_url: str) -> None:
    client = ChainClient([_dead_url(), localnet_url], sleep=lambda _: None)
    client.connect()
    assert client.url == localnet_url and client.latency_ms is not None and client.latency_ms > 0
    best, finalized = client.best_block(), client.finalized_block()
    assert best.number >= finalized.number and client.block_hash(best.number) == best.hash
    client.close()


def test_no_endpoint_lists_every_failure() -> None:
    pauses: list[float] = []
    a, b = _dead_url(), _dead_url()
    client = ChainClient([a, b], max_rounds=3, backoff=0.5, sleep=pauses.append)
    with pytest.raises(NoEndpointError) as info:
        client.connect()
    assert a in str(info.value) and b in str(info.value)
    assert pauses == [0.5, 1.0]  # backoff doubles between passes


def test_fee_by_rpc_and_by_runtime_api_agree(client: ChainClient) -> None:
    runtime = client.runtime()
    sender, dest = fresh_keypair(), fresh_keypair()
    call = runtime.compose_call("Balances", "transfer_keep_alive",
                                {"dest": "0x" + dest.public_key.hex(), "value": 10**9})  # type: ignore[attr-defined]
    probe = fee_probe_extrinsic(runtime, call, client.signing_context(0), sender.public_key)  # type: ignore[attr-defined]
    by_rpc, by_api = client.query_fee(probe), client.query_fee_runtime_api(probe)
    assert by_rpc == by_api and by_rpc.partial_fee > 0 and by_rpc.dispatch_class == "normal"


def test_payload_matches_substrate_interface(client: ChainClient) -> None:
    """substrate-interface computes the same signing payload for spec 461 (independent implementation)."""
    runtime = client.runtime()
    dest = fresh_keypair()
    call = runtime.compose_call("Balances", "transfer_keep_alive",
                                {"dest": "0x" + dest.public_key.hex(), "value": 7})  # type: ignore[attr-defined]
    ctx = client.signing_context(5)
    substrate = client.substrate
    call_obj = substrate.create_scale_object("Call", data=ScaleBytes(bytearray(call)))
    call_obj.decode()
    theirs = substrate.generate_signature_payload(
        call_obj, era={"period": 64, "current": ctx.era_block_number}, nonce=5
    )
    assert bytes(theirs.data) == signing_payload(runtime, call, ctx)


def test_storage_through_substrate_interface_uses_our_runtime(client: ChainClient) -> None:
    from keystore.keypair import Keypair

    alice = Keypair.from_uri("//Alice")
    info = client.substrate.query("System", "Account", [alice.ss58_address])
    assert int(info.value["data"]["free"]) == client.account(alice.public_key).free
