"""GRANDPA justifications: the localnet signs finalized blocks, the light node checks them.

The localnet's justifications are checked here with an independent decoder and pynacl; the light
node's checks run against the real localnet and through a tampering proxy that alters them.
"""

from __future__ import annotations

import json
import sqlite3
import struct
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nacl.signing
import pytest
from websockets.sync.client import connect

from node.light import LightSync, LyingEndpointError, SyncConfig, SyncProgress
from node.light.finality import decode_justification
from node.localnet.genesis import ALICE_ED25519
from node.localnet.rpc.embedded import LocalnetHandle, start_localnet
from node.localnet.rpc.producer import SealMode
from node.localnet.rpc.server import ServerConfig
from tests.lightnode.proxy import TamperingProxy

LAG = 3
BLOCKS = 12


@pytest.fixture(scope="module")
def net() -> Iterator[LocalnetHandle]:
    handle = start_localnet(None, config=ServerConfig(port=0, mode=SealMode.MANUAL), finality_lag=LAG,
                            scenario=None, heartbeat=None)
    handle.chain.produce_blocks(BLOCKS)
    yield handle
    handle.stop()


def _get_block(url: str, block_hash: bytes) -> Any:
    with connect(url) as ws:
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "chain_getBlock",
                            "params": ["0x" + block_hash.hex()]}))
        return json.loads(ws.recv(timeout=30))["result"]


def test_localnet_signs_finalized_blocks_only(net: LocalnetHandle) -> None:
    chain = net.chain
    final = chain.block_hash(BLOCKS - LAG)
    assert final is not None
    [[engine, payload]] = _get_block(net.url, final)["justifications"]
    assert bytes(engine) == b"FRNK"  # Substrate's JSON: arrays of byte values
    data = bytes(payload)
    # decoded by hand: round u64, commit (target hash, u32 number, 1 precommit), no ancestries
    round_number, = struct.unpack_from("<Q", data, 0)
    assert data[8:40] == final and struct.unpack_from("<I", data, 40)[0] == BLOCKS - LAG
    assert data[44] == 1 << 2  # compact(1)
    vote = data[45:45 + 132]
    assert vote[:36] == data[8:44] and vote[100:132] == ALICE_ED25519 and data[177:] == b"\x00"
    message = b"\x01" + vote[:36] + struct.pack("<QQ", round_number, 0)  # (Precommit, round, set_id 0)
    nacl.signing.VerifyKey(ALICE_ED25519).verify(message, vote[36:100])  # raises if invalid
    assert decode_justification(data).target_hash == final
    unfinalized = chain.block_hash(BLOCKS - LAG + 1)
    assert unfinalized is not None
    assert _get_block(net.url, unfinalized)["justifications"] is None


def test_sync_believes_finality_proven_by_justifications(net: LocalnetHandle, tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    p = LightSync(SyncConfig(db, (net.url,), follow=False, epochs=False, require_justifications=True)
                  ).run(threading.Event())
    assert p.justified == BLOCKS - LAG and p.synced == BLOCKS
    finalized = sqlite3.connect(db).execute("SELECT MAX(number) FROM headers WHERE finalized=1").fetchone()[0]
    assert finalized == BLOCKS - LAG


def _rewrite(kind: str, net: LocalnetHandle) -> Any:
    other_key = nacl.signing.SigningKey(b"\x07" * 32)

    def rewrite(method: str, params: list[Any], result: Any) -> Any:
        if method != "chain_getBlock" or not result or not result.get("justifications"):
            return result
        data = bytearray(result["justifications"][0][1])
        if kind == "strip":
            return {**result, "justifications": None}
        if kind == "signature":
            data[45 + 40] ^= 0x01
        elif kind == "other_block":  # a valid justification, of the parent block
            parent = bytes.fromhex(result["block"]["header"]["parentHash"][2:])
            data = bytearray(bytes(net.chain.justifications(parent)[0][1]))  # type: ignore[attr-defined]
        elif kind == "unknown_signer":  # validly signed, by a key outside the authority set
            round_number = struct.unpack_from("<Q", data, 0)[0]
            message = b"\x01" + bytes(data[45:81]) + struct.pack("<QQ", round_number, 0)
            data[81:145] = other_key.sign(message).signature
            data[145:177] = bytes(other_key.verify_key)
        return {**result, "justifications": [[list(b"FRNK"), list(data)]]}

    return rewrite


@pytest.mark.parametrize(("kind", "reason"), [
    ("signature", "invalid signature"),
    ("other_block", "commits to #"),
    ("unknown_signer", "is not in authority set"),
])
def test_altered_justification_is_a_lie(net: LocalnetHandle, tmp_path: Path, kind: str, reason: str) -> None:
    proxy = TamperingProxy(net.url, _rewrite(kind, net))
    lies: list[LyingEndpointError] = []
    db = tmp_path / "l.sqlite"
    try:
        sync = LightSync(SyncConfig(db, (proxy.url,), follow=False, epochs=False, require_justifications=True),
                         on_lie=lies.append)
        with pytest.raises(LyingEndpointError, match=reason):
            sync.run(threading.Event())
    finally:
        proxy.stop()
    assert proxy.tampered >= 1 and lies and "GRANDPA" in lies[0].reason
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM headers WHERE finalized=1").fetchone()[0] == 0  # never believed


@pytest.mark.parametrize("require", [True, False])
def test_missing_justification(net: LocalnetHandle, tmp_path: Path, require: bool) -> None:
    """No justification served: finality rests on the endpoint's word, unless proofs are required."""
    proxy = TamperingProxy(net.url, _rewrite("strip", net))
    db = tmp_path / "l.sqlite"
    try:
        p: SyncProgress = LightSync(SyncConfig(db, (proxy.url,), follow=False, epochs=False,
                                               require_justifications=require)).run(threading.Event())
    finally:
        proxy.stop()
    assert p.justified == -1 and p.synced == BLOCKS and not p.lies
    finalized = sqlite3.connect(db).execute("SELECT MAX(number) FROM headers WHERE finalized=1").fetchone()[0]
    assert finalized == (None if require else BLOCKS - LAG)
