"""A real reorg on the localnet (dev_reorg over the WebSocket) while the light node follows it.

The localnet runs the 4-subnet demo network with finality lagging 8 blocks. The light node syncs
and follows; then stake moves are pooled and `dev_reorg` abandons the last 6 unfinalized blocks for
a 7-block branch that includes them, so the epochs on the new branch consume other stake. The node
must roll back the headers and everything derived from the abandoned blocks and end with exactly
what a fresh sync of the new chain stores: nothing kept from the old branch, nothing twice.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from substrateinterface import Keypair
from websockets.sync.client import connect

from node.light import LightSync, SyncConfig, SyncProgress
from node.localnet.rpc.embedded import LocalnetHandle, start_localnet
from node.localnet.rpc.producer import SealMode
from node.localnet.rpc.server import ServerConfig
from node.localnet.subtensor.pallet import demo_installer
from node.localnet.subtensor.scenario import DEMO_SCENARIO, load_scenario
from tests.localnet.test_chain_rpcshim import shim_interface

LAG = 8
START = 30
DEPTH = 6


@pytest.fixture(scope="module")
def lagging_net() -> Iterator[LocalnetHandle]:
    """Demo localnet, manual seal, finality LAG blocks behind, START blocks produced."""
    handle = start_localnet(None, config=ServerConfig(port=0, mode=SealMode.MANUAL), finality_lag=LAG,
                            installers=[demo_installer()], heartbeat=None)
    handle.chain.produce_blocks(START)
    yield handle
    handle.stop()


def rpc(url: str, method: str, params: list[Any]) -> Any:
    with connect(url, max_size=2**26) as ws:
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
        answer = json.loads(ws.recv(timeout=60))
    assert "error" not in answer, answer
    return answer["result"]


def wait_for(seen: list[SyncProgress], done: Callable[[SyncProgress], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not (seen and done(seen[-1])):
        assert time.monotonic() < deadline, seen[-1:] or "no progress"
        time.sleep(0.02)


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


EPOCHS = "SELECT netuid, block, n, snapshot FROM epochs ORDER BY block, netuid"
AUDITS = "SELECT netuid, block, uids, fields, mismatches FROM audit_summary ORDER BY block, netuid"
EARNINGS = "SELECT coldkey, hotkey, netuid, block, earned_alpha, earned_tao FROM earnings ORDER BY block, netuid"


def test_followed_reorg_is_rolled_back_and_the_new_branch_synced(lagging_net: LocalnetHandle,
                                                                  tmp_path: Path) -> None:
    chain = lagging_net.chain
    db = tmp_path / "light.sqlite"
    seen: list[SyncProgress] = []
    stop = threading.Event()
    alice = Keypair.create_from_uri("//Alice")
    config = SyncConfig(db, (lagging_net.url,), poll_interval=0.05, coldkeys=(alice.public_key,))
    sync = LightSync(config, on_progress=seen.append)
    thread = threading.Thread(target=sync.run, args=(stop,))
    thread.start()
    try:
        wait_for(seen, lambda p: p.synced == START and p.state == "following")
        old_hashes = [bytes(r[0]) for r in rows(db, "SELECT hash FROM headers ORDER BY number")]
        old_epochs = rows(db, EPOCHS)
        assert rows(db, "SELECT MAX(number) FROM headers WHERE finalized=1") == [(START - LAG,)]
        fork = START - DEPTH
        assert any(r[1] > fork for r in old_epochs), "an epoch was derived from a block to be abandoned"

        # Stake moves wait in the pool (manual seal); the competing branch includes them.
        si = shim_interface(chain)  # type: ignore[arg-type]
        si.init_runtime()
        for netuid in range(1, 5):
            hotkey = load_scenario(DEMO_SCENARIO).key(netuid, "validator-hotkey", 0)
            call = si.compose_call("SubtensorModule", "add_stake", {
                "hotkey": "0x" + hotkey.hex(), "netuid": netuid, "amount_staked": 20_000 * 10**9})
            xt = si.create_signed_extrinsic(call, keypair=alice, nonce=netuid - 1)
            rpc(lagging_net.url, "author_submitExtrinsic", ["0x" + bytes(xt.data.data).hex()])
        result = rpc(lagging_net.url, "dev_reorg", [{"depth": DEPTH}])
        assert result["forkPoint"]["number"] == fork and len(result["enacted"]) == DEPTH + 1
        new_best = bytes.fromhex(result["enacted"][-1][2:])

        wait_for(seen, lambda p: p.verified_hash == "0x" + new_best.hex() and p.state == "following")
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()

    assert sync.rolled_back == DEPTH
    headers = rows(db, "SELECT number, hash, parent_hash, finalized FROM headers ORDER BY number")
    assert [r[0] for r in headers] == list(range(START + 2))
    for number, h, parent, finalized in headers:
        assert bytes(h) == chain.block_hash(number)  # the new canonical chain, block by block
        assert finalized == (number <= START + 1 - LAG)
        if number:
            assert bytes(parent) == headers[number - 1][1]
    assert [bytes(r[1]) for r in headers[: fork + 1]] == old_hashes[: fork + 1]  # below the fork: kept
    assert not {bytes(r[1]) for r in headers} & set(old_hashes[fork + 1 :])  # abandoned: all gone

    # Everything derived equals a fresh sync of the new chain: nothing left from the old branch, nothing twice.
    fresh = tmp_path / "fresh.sqlite"
    LightSync(SyncConfig(fresh, (lagging_net.url,), follow=False, coldkeys=(alice.public_key,))
              ).run(threading.Event())
    epochs = rows(db, EPOCHS)
    assert epochs == rows(fresh, EPOCHS)
    assert rows(db, AUDITS) == rows(fresh, AUDITS)
    earned = rows(db, EARNINGS)
    assert earned and earned == rows(fresh, EARNINGS)  # Alice's stake exists on the new branch only
    assert all(r[3] > fork + 1 for r in earned)
    assert rows(db, "SELECT COUNT(*) FROM audit")[0][0] == 0
    assert all(r[4] == 0 for r in rows(db, AUDITS))
    assert len({(r[0], r[1]) for r in epochs}) == len(epochs)
    # ... and the new branch's epochs consumed the moved stake: they differ from the abandoned ones
    old_after = {(r[0], r[1]): r[3] for r in old_epochs if r[1] > fork + 1}
    new_after = {(r[0], r[1]): r[3] for r in epochs if r[1] > fork + 1}
    assert old_after and any(new_after.get(k) != blob for k, blob in old_after.items())
    assert seen[-1].epochs == len(epochs)  # the counters forgot the abandoned epochs
    assert seen[-1].rolled_back == DEPTH
