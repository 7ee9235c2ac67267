"""JSON-RPC protocol handling of the localnet server over a real WebSocket, against a tiny fake chain.

These pin the protocol (errors, batches, ordering of subscription messages, size limits); the
end-to-end tests against the real Chain are in test_rpc_substrate.py.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from node.localnet.rpc.embedded import LocalnetHandle, start_localnet
from node.localnet.rpc.producer import SealMode
from node.localnet.rpc.server import ServerConfig
from tests.localnet.fake_chain import COUNTER_KEY, FakeChain

pytestmark = pytest.mark.timeout(60)

MAX = 64 * 1024


@pytest.fixture(scope="module")
def server() -> Iterator[LocalnetHandle]:
    handle = start_localnet(factory=FakeChain, config=ServerConfig(port=0, max_message_size=MAX))
    yield handle
    handle.stop()


@pytest.fixture
async def ws(server: LocalnetHandle) -> AsyncIterator[ClientConnection]:
    async with connect(server.url, max_size=None) as client:
        yield client


class Rpc:
    """A raw client: send anything, read replies, keep notifications apart."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.next_id = 1

    async def raw(self, text: str | bytes) -> Any:
        await self.ws.send(text)
        return json.loads(await asyncio.wait_for(self.ws.recv(), 10))

    async def call(self, method: str, params: Any = None) -> dict[str, Any]:
        self.next_id += 1
        request: dict[str, Any] = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            request["params"] = params
        reply = await self.raw(json.dumps(request))
        assert reply["id"] == self.next_id
        return reply  # type: ignore[no-any-return]

    async def result(self, method: str, params: Any = None) -> Any:
        reply = await self.call(method, params)
        assert "error" not in reply, reply
        return reply["result"]

    async def error(self, method: str, params: Any = None) -> dict[str, Any]:
        reply = await self.call(method, params)
        assert "result" not in reply, reply
        return reply["error"]  # type: ignore[no-any-return]

    async def notification(self) -> dict[str, Any]:
        message = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
        assert "method" in message and "id" not in message, message
        return message  # type: ignore[no-any-return]


async def test_identity_and_method_list(ws: ClientConnection) -> None:
    rpc = Rpc(ws)
    assert await rpc.result("system_chain") == "Fake"
    assert await rpc.result("system_properties") == {"ss58Format": 42, "tokenDecimals": 9, "tokenSymbol": "TAO"}
    assert await rpc.result("system_health") == {"peers": 0, "isSyncing": False, "shouldHavePeers": False}
    methods = (await rpc.result("rpc_methods"))["methods"]
    for name in [
        "system_accountNextIndex", "chain_getBlockHash", "chain_getFinalisedHead", "chain_subscribeAllHeads",
        "state_getMetadata", "chain_getRuntimeVersion", "state_subscribeRuntimeVersion", "state_getStorageSize",
        "state_queryStorageAt", "state_getKeysPaged", "state_getReadProof", "state_call", "state_subscribeStorage",
        "author_submitAndWatchExtrinsic", "author_unwatchExtrinsic", "payment_queryInfo", "dev_newBlock",
    ]:
        assert name in methods
    assert await rpc.result("state_getMetadata") == "0x" + b"meta\x0e".hex()
    assert await rpc.result("system_accountNextIndex", ["5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"]) == 7


async def test_parse_error_then_keeps_serving(ws: ClientConnection) -> None:
    rpc = Rpc(ws)
    reply = await rpc.raw('{"jsonrpc": "2.0", "id": 1, "method": ')
    assert reply == {"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": None}
    reply = await rpc.raw(b"\xff\xfe not utf-8")
    assert reply["error"]["code"] == -32700
    assert await rpc.result("system_name") == "tao-wallet-localnet"


@pytest.mark.parametrize(
    ("request_body", "reply_id", "detail"),
    [
        ({"jsonrpc": "1.0", "id": 5, "method": "system_name"}, 5, "jsonrpc"),
        ({"id": 6, "method": "system_name"}, 6, "jsonrpc"),
        ({"jsonrpc": "2.0", "id": 7}, 7, "method"),
        ({"jsonrpc": "2.0", "id": 8, "method": 42}, 8, "method"),
        ({"jsonrpc": "2.0", "id": {"x": 1}, "method": "system_name"}, None, "id"),
        ([1], None, "object"),
        ([], None, "empty"),
        ("just a string", None, "object"),
    ],
)
async def test_invalid_request_shapes(ws: ClientConnection, request_body: Any, reply_id: Any, detail: str) -> None:
    rpc = Rpc(ws)
    reply = await rpc.raw(json.dumps(request_body))
    if isinstance(reply, list):
        (reply,) = reply
    assert reply["error"]["code"] == -32600
    assert detail in reply["error"]["data"]
    assert reply["id"] == reply_id
    assert await rpc.result("system_chain") == "Fake"


async def test_unknown_method_and_bad_params(ws: ClientConnection) -> None:
    rpc = Rpc(ws)
    err = await rpc.error("eth_blockNumber")
    assert err == {"code": -32601, "message": "Method not found", "data": "eth_blockNumber"}
    cases: list[tuple[str, Any, str]] = [
        ("chain_getBlockHash", ["abc"], "block number"),
        ("chain_getBlockHash", [-1], "out of range"),
        ("chain_getHeader", ["0x1234"], "expected 32 bytes"),
        ("state_getStorage", [], "missing required parameter 'key'"),
        ("state_getStorage", ["nothex"], "0x"),
        ("state_getStorage", ["0xzz"], "not valid hex"),
        ("state_getStorage", ["0x00", None, "extra"], "at most 2"),
        ("state_getStorage", {"kee": "0x00"}, "unknown parameter"),
        ("state_queryStorageAt", ["0x00"], "array"),
        ("system_accountNextIndex", ["not-an-address"], "SS58"),
        ("system_name", "params-as-string", "array or an object"),
        ("dev_newBlock", [{"count": 0}], "at least 1"),
        ("dev_newBlock", [{"count": 2, "to": 9}], "unknown option"),
        ("author_submitExtrinsic", ["0x0g"], "not valid hex"),
    ]
    for method, params, detail in cases:
        err = await rpc.error(method, params)
        assert err["code"] == -32602, (method, params, err)
        assert detail in err["data"], (method, params, err)
    err = await rpc.error("state_getKeysPaged", ["0x", 1001])
    assert err["code"] == 4002 and "max: 1000" in err["message"]
    unknown = "0x" + "ab" * 32
    err = await rpc.error("state_getStorage", ["0x00", unknown])
    assert err["code"] == 4003 and unknown in err["message"]
    assert await rpc.result("chain_getHeader", [unknown]) is None
    assert await rpc.result("chain_getBlock", [unknown]) is None


async def test_batch_mixes_results_errors_and_notifications(ws: ClientConnection) -> None:
    rpc = Rpc(ws)
    batch = [
        {"jsonrpc": "2.0", "id": "a", "method": "system_chain"},
        {"jsonrpc": "2.0", "method": "system_name"},  # notification: no reply
        {"jsonrpc": "2.0", "id": "b", "method": "nope"},
        {"jsonrpc": "2.0", "id": "c", "method": "chain_getBlockHash", "params": [0]},
    ]
    replies = await rpc.raw(json.dumps(batch))
    by_id = {r["id"]: r for r in replies}
    assert set(by_id) == {"a", "b", "c"}
    assert by_id["a"]["result"] == "Fake"
    assert by_id["b"]["error"]["code"] == -32601
    assert by_id["c"]["result"] == await rpc.result("chain_getBlockHash", ["0x0"])


async def test_oversized_request_gets_error_and_connection_survives(ws: ClientConnection) -> None:
    rpc = Rpc(ws)
    big = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "state_getStorage", "params": ["0x" + "00" * (MAX // 2 + 100)]})
    reply = await rpc.raw(big)
    assert reply["error"]["code"] == -32007
    assert str(MAX) in reply["error"]["data"]
    assert await rpc.result("system_chain") == "Fake"


async def test_frame_over_hard_cap_closes_with_1009(server: LocalnetHandle) -> None:
    async with connect(server.url, max_size=None) as client:
        await client.send("x" * (2 * MAX + 10))
        with pytest.raises(ConnectionClosed) as info:
            await asyncio.wait_for(client.recv(), 10)
        assert info.value.rcvd is not None and info.value.rcvd.code == 1009
    async with connect(server.url) as client:  # the server itself is fine
        assert await Rpc(client).result("system_chain") == "Fake"


async def test_block_hash_lookups_and_dev_new_block(ws: ClientConnection) -> None:
    rpc = Rpc(ws)
    genesis = await rpc.result("chain_getBlockHash", [0])
    assert genesis == await rpc.result("chain_getBlockHash", ["0x0"])
    last = await rpc.result("dev_newBlock", [{"count": 5}])
    assert last == await rpc.result("chain_getBlockHash") == await rpc.result("chain_getHead")
    assert last == await rpc.result("chain_getFinalizedHead") == await rpc.result("chain_getFinalisedHead")
    header = await rpc.result("chain_getHeader", [last])
    number = int(header["number"], 16)
    assert number >= 5
    hashes = await rpc.result("chain_getBlockHash", [[0, number, number + 1000]])
    assert hashes == [genesis, last, None]
    block = await rpc.result("chain_getBlock", [last])
    assert block == {"block": {"header": header, "extrinsics": []}, "justifications": None}


async def test_submit_errors_are_author_errors(ws: ClientConnection) -> None:
    rpc = Rpc(ws)
    err = await rpc.error("author_submitExtrinsic", ["0x0102"])
    assert err == {"code": 1010, "message": "Invalid Transaction", "data": "Transaction has a bad signature"}
    err = await rpc.error("author_submitAndWatchExtrinsic", ["0x0102"])
    assert err["code"] == 1010
    assert (await rpc.error("payment_queryInfo", ["0x0102"]))["code"] == 1
    info = await rpc.result("payment_queryInfo", ["0xaa0102"])
    assert info["partialFee"] == "3"


async def test_submit_and_watch_sends_ready_in_block_finalized_in_order(ws: ClientConnection) -> None:
    rpc = Rpc(ws)
    sub_id = await rpc.result("author_submitAndWatchExtrinsic", ["0xaa" + "11" * 8])
    updates = [await rpc.notification() for _ in range(3)]
    assert all(u["method"] == "author_extrinsicUpdate" for u in updates)
    assert all(u["params"]["subscription"] == sub_id for u in updates)
    ready, in_block, finalized = (u["params"]["result"] for u in updates)
    assert ready == "ready"
    block = in_block["inBlock"]
    assert finalized == {"finalized": block}
    body = (await rpc.result("chain_getBlock", [block]))["block"]["extrinsics"]
    assert "0xaa" + "11" * 8 in body
    assert await rpc.result("author_unwatchExtrinsic", [sub_id]) is False  # already closed by the server


async def test_burst_of_submissions_share_blocks_and_all_land(ws: ClientConnection) -> None:
    rpc = Rpc(ws)
    before = int((await rpc.result("chain_getHeader"))["number"], 16)
    count = 50
    for i in range(count):
        request = {"jsonrpc": "2.0", "id": 1000 + i, "method": "author_submitExtrinsic",
                   "params": ["0xaa22" + i.to_bytes(4, "big").hex()]}
        await ws.send(json.dumps(request))
    replies = [json.loads(await asyncio.wait_for(ws.recv(), 10)) for _ in range(count)]
    assert all("result" in r for r in replies), replies
    for _ in range(100):
        if not await rpc.result("author_pendingExtrinsics"):
            break
        await asyncio.sleep(0.02)
    assert await rpc.result("author_pendingExtrinsics") == []
    after = int((await rpc.result("chain_getHeader"))["number"], 16)
    assert 1 <= after - before < count  # instant seal coalesced the burst


async def test_head_subscriptions_initial_then_new_blocks(ws: ClientConnection) -> None:
    rpc = Rpc(ws)
    new_id = await rpc.result("chain_subscribeNewHeads")
    first = await rpc.notification()
    assert first["method"] == "chain_newHead" and first["params"]["subscription"] == new_id
    start = int(first["params"]["result"]["number"], 16)
    fin_id = await rpc.result("chain_subscribeFinalizedHeads")
    fin_first = await rpc.notification()
    assert fin_first["method"] == "chain_finalizedHead"
    await rpc.ws.send(json.dumps({"jsonrpc": "2.0", "id": "mine", "method": "dev_newBlock", "params": [{"count": 3}]}))
    seen: dict[str, list[int]] = {"chain_newHead": [], "chain_finalizedHead": []}
    got_reply = False
    while not got_reply or len(seen["chain_newHead"]) < 3 or len(seen["chain_finalizedHead"]) < 3:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message.get("id") == "mine":
            got_reply = True
            continue
        seen[message["method"]].append(int(message["params"]["result"]["number"], 16))
    assert seen["chain_newHead"] == [start + 1, start + 2, start + 3]
    assert seen["chain_finalizedHead"] == [start + 1, start + 2, start + 3]
    assert await rpc.result("chain_unsubscribeNewHeads", [new_id]) is True
    assert await rpc.result("chain_unsubscribeNewHeads", [new_id]) is False
    assert await rpc.result("chain_unsubscribeNewHeads", [fin_id]) is False  # wrong kind
    assert await rpc.result("chain_unsubscribeFinalizedHeads", [fin_id]) is True
    await rpc.result("dev_newBlock")
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(ws.recv(), 0.3)


async def test_storage_subscription_initial_value_and_changes(ws: ClientConnection) -> None:
    rpc = Rpc(ws)
    key = "0x" + COUNTER_KEY.hex()
    sub_id = await rpc.result("state_subscribeStorage", [[key]])
    initial = (await rpc.notification())["params"]
    assert initial["subscription"] == sub_id
    (changed_key, value) = initial["result"]["changes"][0]
    assert changed_key == key
    assert initial["result"]["block"] == await rpc.result("chain_getBlockHash")
    await rpc.result("author_submitExtrinsic", ["0xaa33"])
    update = (await rpc.notification())["params"]["result"]
    new_value = update["changes"][0][1]
    assert int.from_bytes(bytes.fromhex(new_value[2:]), "little") == int.from_bytes(bytes.fromhex(value[2:]), "little") + 1
    assert await rpc.result("state_getStorage", [key, update["block"]]) == new_value
    assert await rpc.result("state_getStorageSize", [key]) == 4
    assert await rpc.result("state_queryStorageAt", [[key, "0x99"]]) == [
        {"block": await rpc.result("chain_getBlockHash"), "changes": [[key, new_value], ["0x99", None]]}
    ]
    assert await rpc.result("state_unsubscribeStorage", [sub_id]) is True


async def test_state_call_read_proof_and_keys(ws: ClientConnection) -> None:
    rpc = Rpc(ws)
    assert await rpc.result("state_call", ["Echo_echo", "0x0102"]) == "0x0102"
    err = await rpc.error("state_call", ["Nope_nope", "0x"])
    assert err["code"] == 4003 and "Nope_nope" in err["message"]
    key = "0x" + COUNTER_KEY.hex()
    proof = await rpc.result("state_getReadProof", [[key]])
    assert proof == {"at": await rpc.result("chain_getBlockHash"), "proof": ["0x" + (b"proof:" + COUNTER_KEY).hex()]}
    assert await rpc.result("state_getKeysPaged", ["0x01", 10]) == [key]
    assert await rpc.result("state_getKeysPaged", ["0x01", 10, key]) == []
    assert await rpc.result("state_getKeys", ["0x"]) == [key]


async def test_runtime_version_subscription(ws: ClientConnection) -> None:
    rpc = Rpc(ws)
    assert await rpc.result("chain_getRuntimeVersion") == {"specName": "fake", "specVersion": 1}
    sub_id = await rpc.result("state_subscribeRuntimeVersion")
    note = await rpc.notification()
    assert note["method"] == "state_runtimeVersion"
    assert note["params"] == {"subscription": sub_id, "result": {"specName": "fake", "specVersion": 1}}


async def test_manual_mode_seals_only_on_request() -> None:
    handle = start_localnet(factory=FakeChain, config=ServerConfig(port=0, mode=SealMode.MANUAL))
    try:
        async with connect(handle.url) as client:
            rpc = Rpc(client)
            await rpc.result("author_submitExtrinsic", ["0xaa44"])
            await asyncio.sleep(0.2)
            assert await rpc.result("author_pendingExtrinsics") == ["0xaa44"]
            block = await rpc.result("dev_newBlock")
            assert (await rpc.result("chain_getBlock", [block]))["block"]["extrinsics"] == ["0xaa44"]
    finally:
        handle.stop()
    assert handle.server.chain is None  # closed on stop


async def test_interval_mode_produces_blocks() -> None:
    handle = start_localnet(factory=FakeChain, config=ServerConfig(port=0, mode=SealMode.INTERVAL, block_time=0.05))
    try:
        async with connect(handle.url) as client:
            await asyncio.sleep(0.4)
            header = await Rpc(client).result("chain_getHeader")
            assert int(header["number"], 16) >= 3
    finally:
        handle.stop()


def test_port_in_use_is_reported(server: LocalnetHandle) -> None:
    with pytest.raises(OSError):
        start_localnet(factory=FakeChain, config=ServerConfig(port=server.port))


async def test_dev_fund_mints_in_a_new_block(ws: ClientConnection) -> None:
    rpc = Rpc(ws)
    alice = "0x" + "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"
    block = await rpc.result("dev_fund", ["5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", "18446744073709551"])
    key = "0x" + b"\x02bal".hex() + alice[2:]
    assert await rpc.result("state_getStorage", [key, block]) == "0x" + (18446744073709551).to_bytes(8, "little").hex()
    for bad in [["5Grw", 1], [alice, 0], [alice, "1.5"], [alice, 2**64], [alice, True]]:
        assert (await rpc.error("dev_fund", bad))["code"] == -32602


async def test_unexpected_chain_exception_is_an_internal_error(ws: ClientConnection) -> None:
    rpc = Rpc(ws)
    err = await rpc.error("system_accountNextIndex", ["0x" + "00" * 32])
    assert err == {"code": -32603, "message": "Internal error", "data": "RuntimeError: fake chain bug"}
    assert await rpc.result("system_accountNextIndex", ["0x" + "01" * 32]) == 7


async def test_watch_in_a_batch_notifies_after_the_batch_reply(ws: ClientConnection) -> None:
    rpc = Rpc(ws)
    batch = [
        {"jsonrpc": "2.0", "id": 1, "method": "author_submitAndWatchExtrinsic", "params": ["0xaa55"]},
        {"jsonrpc": "2.0", "id": 2, "method": "chain_getBlockHash", "params": []},
    ]
    replies = await rpc.raw(json.dumps(batch))
    sub_id = next(r["result"] for r in replies if r["id"] == 1)
    statuses = [(await rpc.notification())["params"] for _ in range(3)]
    assert [s["subscription"] for s in statuses] == [sub_id] * 3
    assert statuses[0]["result"] == "ready" and "inBlock" in statuses[1]["result"]


async def test_limits_on_batches_and_subscriptions() -> None:
    handle = start_localnet(factory=FakeChain, config=ServerConfig(port=0, max_batch=3, max_subscriptions=2))
    try:
        async with connect(handle.url) as client:
            rpc = Rpc(client)
            batch = [{"jsonrpc": "2.0", "id": i, "method": "system_name"} for i in range(4)]
            reply = await rpc.raw(json.dumps(batch))
            assert reply["error"]["code"] == -32010 and reply["id"] is None
            first = await rpc.result("chain_subscribeNewHeads")
            await rpc.notification()
            await rpc.result("state_subscribeRuntimeVersion")
            await rpc.notification()
            err = await rpc.error("chain_subscribeAllHeads")
            assert err["code"] == -32006
            assert await rpc.result("chain_unsubscribeNewHeads", [first]) is True
            await rpc.result("chain_subscribeAllHeads")  # a slot is free again
        for _ in range(100):  # a closed connection's subscriptions are dropped
            if len(handle.server.hub) == 0:
                break
            await asyncio.sleep(0.02)
        assert len(handle.server.hub) == 0
        async with connect(handle.url) as other:  # the cap is per connection
            await Rpc(other).result("chain_subscribeNewHeads")
    finally:
        handle.stop()
