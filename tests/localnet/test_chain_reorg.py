"""Reorgs of unfinalized blocks (Chain.reorg / dev_reorg): a real chain, real SQLite, real WebSocket."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from substrateinterface import Keypair, SubstrateInterface
from websockets.sync.client import ClientConnection, connect

from node.localnet.chain import Chain, ReorgError, StatePrunedError
from node.localnet.hashing import blake2_256
from node.localnet.rpc.embedded import start_localnet
from node.localnet.rpc.producer import SealMode
from node.localnet.rpc.server import ServerConfig
from node.trie import trie_root, verify_read_proof
from tests.localnet.test_chain_rpcshim import shim_interface

TAO = 10**9


def _state(chain: Chain, at: bytes) -> dict[bytes, bytes]:
    keys = chain.keys_paged(b"", 100_000, None, at)
    out = {}
    for k in keys:
        value = chain.storage(k, at)
        assert value is not None
        out[k] = value
    return out


def _transfer(si: SubstrateInterface, to: Keypair, rao: int, signer: str = "//Alice") -> bytes:
    call = si.compose_call("Balances", "transfer_keep_alive", {"dest": to.ss58_address, "value": rao})
    xt = si.create_signed_extrinsic(call, keypair=Keypair.create_from_uri(signer))
    return bytes(xt.data.data)


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    c = Chain(tmp_path / "chain.sqlite", finality_lag=3)
    yield c
    c.close()


def test_reorg_builds_a_longer_branch_and_keeps_the_old_one_queryable(chain: Chain) -> None:
    si = shim_interface(chain)
    si.init_runtime()
    bob = Keypair.create_from_uri("//Bob")
    chain.produce_blocks(6)
    tx = chain.submit(_transfer(si, bob, 5 * TAO))
    chain.produce_blocks(2)  # the transfer is in block 7
    old = [chain.block_hash(n) for n in range(chain.best_number + 1)]
    assert chain.best_number == 8 and chain.finalized_number == 5
    old_best_state = _state(chain, old[8])  # type: ignore[arg-type]
    old_block7 = chain.block(old[7])  # type: ignore[arg-type]
    assert old_block7 is not None and tx in [blake2_256(x) for x in old_block7[1]]

    result = chain.reorg(2)  # abandons 7, 8; builds 7', 8', 9'

    assert (result.fork_number, result.fork_hash) == (6, old[6])
    assert result.retracted == old[7:9] and len(result.enacted) == 3
    assert chain.best_number == 9 and chain.best_hash == result.enacted[-1]
    assert [chain.block_hash(n) for n in range(7, 10)] == result.enacted
    assert not set(result.enacted) & set(old)
    assert chain.finalized_number == 6  # finality moved on along the new branch only
    # the new branch's first block is in a later slot than the block it replaced
    ts_key = chain.state_at().key("Timestamp", "Now")
    new_ts, old_ts = chain.storage(ts_key, result.enacted[0]), chain.storage(ts_key, old[7])
    assert new_ts is not None and old_ts is not None
    assert int.from_bytes(new_ts, "little") > int.from_bytes(old_ts, "little")
    # the abandoned blocks: header, body and state still answer by hash, and equal what they were
    header8 = chain.header(old[8])  # type: ignore[arg-type]
    assert header8 is not None and header8.hash() == old[8] and header8.number == 8
    assert chain.block(old[7]) == old_block7
    assert _state(chain, old[8]) == old_best_state  # type: ignore[arg-type]
    proof = chain.read_proof([ts_key], old[8])
    assert verify_read_proof(header8.state_root, proof, [ts_key]) == {ts_key: old_best_state[ts_key]}
    # the transfer went back to the pool and into the new branch, exactly once
    included = [n for n in range(7, 10) for x in chain.block(chain.block_hash(n))[1]  # type: ignore[arg-type,index]
                if blake2_256(x) == tx]
    assert len(included) == 1 and not chain.pending_extrinsics()
    # the new best state is exactly what its header commits to (trie and flat state reverted together)
    best_header = chain.header(chain.best_hash)
    assert best_header is not None
    assert trie_root(_state(chain, chain.best_hash)) == best_header.state_root


def test_reorg_never_abandons_a_finalized_block(chain: Chain) -> None:
    chain.produce_blocks(8)
    best = chain.best_hash
    with pytest.raises(ReorgError, match=r"finalized block #5 .* at most 3 unfinalized"):
        chain.reorg(4)
    with pytest.raises(ReorgError, match="length"):
        chain.reorg(2, length=2)
    with pytest.raises(ReorgError, match="depth"):
        chain.reorg(0)
    assert chain.best_hash == best and chain.best_number == 8  # nothing changed


def test_abandoned_state_is_discarded_once_finality_passes_the_fork(chain: Chain, tmp_path: Path) -> None:
    chain.produce_blocks(8)
    abandoned = chain.reorg(2).retracted  # fork at 6; finalized 6 after the 3-block branch
    key = chain.state_at().key("Timestamp", "Now")
    assert chain.storage(key, abandoned[1]) is not None  # not canonicalized yet: still readable
    chain.produce_blocks(1)  # finalized 7 > fork 6: the old 7 and 8 can never win
    with pytest.raises(StatePrunedError, match="State already discarded for 0x"):
        chain.storage(key, abandoned[1])
    assert chain.header(abandoned[1]) is not None  # headers stay, as in Substrate
    assert chain.block(abandoned[1]) is None
    chain.close()
    reopened = Chain(tmp_path / "chain.sqlite", finality_lag=3)  # the side blocks survive a restart
    try:
        assert reopened.header(abandoned[0]) is not None and reopened.best_number == 10
    finally:
        reopened.close()


def test_a_second_deeper_reorg_keeps_earlier_side_blocks_readable() -> None:
    chain = Chain(None, finality_lag=6)
    chain.produce_blocks(10)
    first = chain.reorg(1)  # fork at 9
    state_a = _state(chain, first.retracted[0])
    second = chain.reorg(4)  # fork at 7: block 8, 9 (canonical then) and 9' become side blocks
    assert second.fork_number == 7 and chain.best_number == 12
    assert _state(chain, first.retracted[0]) == state_a  # its parent moved to the side: still readable
    assert chain.header(second.retracted[-1]) is not None


def test_reorg_refused_on_a_pruning_chain() -> None:
    chain = Chain(None, finality_lag=3, keep_blocks=100)
    chain.produce_blocks(5)
    with pytest.raises(ReorgError, match="archive"):
        chain.reorg(1)


# ---- over the WebSocket ----------------------------------------------------------------------


class Client:
    def __init__(self, url: str) -> None:
        self.ws: ClientConnection = connect(url, legacy=True)
        self.next_id = 0
        self.notes: list[dict[str, Any]] = []

    def call(self, method: str, params: list[Any]) -> dict[str, Any]:
        self.next_id += 1
        self.ws.send(json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv(timeout=30))
            if msg.get("id") == self.next_id:
                return msg  # type: ignore[no-any-return]
            self.notes.append(msg)

    def note(self, method: str) -> dict[str, Any]:
        for i, msg in enumerate(self.notes):
            if msg.get("method") == method:
                return self.notes.pop(i)["params"]["result"]  # type: ignore[no-any-return]
        while True:
            msg = json.loads(self.ws.recv(timeout=30))
            if msg.get("method") == method:
                return msg["params"]["result"]  # type: ignore[no-any-return]
            self.notes.append(msg)


def test_dev_reorg_over_rpc_notifies_heads_and_retracts_watched_transactions() -> None:
    handle = start_localnet(None, config=ServerConfig(port=0, mode=SealMode.MANUAL), finality_lag=4, scenario=None)
    try:
        si = shim_interface(handle.chain)  # type: ignore[arg-type]
        si.init_runtime()
        c = Client(handle.url)
        c.call("dev_newBlock", [{"count": 5}])
        sub = c.call("chain_subscribeNewHeads", [])["result"]
        assert int(c.note("chain_newHead")["number"], 16) == 5  # the current head first
        xt = _transfer(si, Keypair.create_from_uri("//Dave"), 3 * TAO, signer="//Charlie")
        c.call("author_submitAndWatchExtrinsic", ["0x" + xt.hex()])
        assert c.note("author_extrinsicUpdate") == "ready"
        in_block = c.call("dev_newBlock", [])["result"]
        assert c.note("author_extrinsicUpdate") == {"inBlock": in_block}
        assert c.note("chain_newHead")["number"] == "0x6"
        old_storage = c.call("state_getStorage", [si.create_storage_key("Timestamp", "Now").to_hex(), in_block])

        r = c.call("dev_reorg", [{"depth": 1, "length": 3}])["result"]

        assert r["forkPoint"]["number"] == 5 and r["retracted"] == [in_block] and len(r["enacted"]) == 3
        assert c.note("author_extrinsicUpdate") == {"retracted": in_block}
        assert c.note("author_extrinsicUpdate") == {"inBlock": r["enacted"][0]}  # pooled again, re-included
        heads = [c.note("chain_newHead") for _ in range(3)]
        assert [h["number"] for h in heads] == ["0x6", "0x7", "0x8"]
        assert heads[0]["parentHash"] == r["forkPoint"]["hash"]
        assert c.call("chain_getBlockHash", [6])["result"] == r["enacted"][0]
        assert c.call("chain_getHeader", [in_block])["result"]["number"] == "0x6"  # side block by hash
        assert c.call("chain_getBlock", [in_block])["result"]["block"]["extrinsics"][1] == "0x" + xt.hex()
        assert c.call("state_getStorage", [si.create_storage_key("Timestamp", "Now").to_hex(), in_block]) \
            ["result"] == old_storage["result"]
        err = c.call("dev_reorg", [9])["error"]
        assert err["code"] == -32602 and "finalized" in err["data"]
        assert c.call("dev_reorg", [{"depth": 1, "extra": 1}])["error"]["code"] == -32602
        assert c.call("chain_unsubscribeNewHeads", [sub])["result"] is True
        body = handle.chain.block(bytes.fromhex(r["enacted"][0][2:]))
        assert body is not None and xt in body[1]
        c.ws.close()
    finally:
        handle.stop()
