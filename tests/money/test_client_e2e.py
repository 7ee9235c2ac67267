"""ChainClient against the real localnet: endpoints, heads, fees both ways, payload cross-check."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from scalecodec.base import ScaleBytes

from node.client.client import ChainClient
from node.client.errors import NoEndpointError
from node.client.extrinsic import fee_probe_extrinsic, signing_payload
from node.client.heads import ChainHead, follow_heads
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


@pytest.mark.slow
def test_head_follower_reports_blocks_loss_and_reconnect(tmp_path: Path) -> None:
    from node.localnet.rpc.embedded import start_localnet
    from node.localnet.rpc.server import ServerConfig

    db = tmp_path / "chain.sqlite"
    handle = start_localnet(db, config=ServerConfig(port=0))
    port = handle.port
    updates: list[ChainHead] = []
    changed = threading.Condition()

    def record(head: ChainHead) -> None:
        with changed:
            updates.append(head)
            changed.notify_all()

    def wait_for(predicate: Callable[[ChainHead], bool]) -> ChainHead:
        with changed:
            assert changed.wait_for(lambda: any(predicate(u) for u in updates), timeout=30), updates
            return next(u for u in updates if predicate(u))

    stop = threading.Event()
    client = ChainClient([handle.url], timeout=3.0, max_rounds=1, sleep=lambda _: None)
    thread = threading.Thread(target=follow_heads, args=(client, record, stop),
                              kwargs={"interval": 0.1, "backoff": 0.1, "backoff_max": 0.4})
    thread.start()
    try:
        first = wait_for(lambda h: h.connected)
        assert first.best is not None and first.latency_ms is not None
        handle.chain.produce_blocks(3)
        wait_for(lambda h: h.connected and h.best is not None and h.best.number >= first.best.number + 3)  # type: ignore[union-attr]
        handle.stop()
        lost = wait_for(lambda h: not h.connected)
        assert lost.error and lost.best is not None  # last known blocks are kept while disconnected
        handle = start_localnet(db, config=ServerConfig(port=port))  # the node comes back on the same port
        back = wait_for(lambda h: h.connected and updates.index(h) > updates.index(lost))
        assert back.best is not None and back.best.number >= first.best.number + 3  # type: ignore[union-attr]
    finally:
        stop.set()
        thread.join(10)
        client.close()
        handle.stop()
