"""End to end: unmodified substrate-interface against the real localnet over a real WebSocket."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from substrateinterface import Keypair, SubstrateInterface
from substrateinterface.exceptions import SubstrateRequestException
from websockets.sync.client import connect

from node.localnet.metadata_extension import EXTENDED_SPEC_VERSION
from node.localnet.rpc.embedded import start_localnet
from node.localnet.rpc.producer import SealMode
from node.localnet.rpc.server import ServerConfig
from node.trie import InvalidProofError, verify_read_proof

pytestmark = pytest.mark.timeout(120)

TAO = 10**9


@pytest.fixture(scope="module")
def substrate(localnet_url: str) -> Iterator[SubstrateInterface]:
    """One client for the module: substrate-interface decodes the metadata per instance (seconds)."""
    client = SubstrateInterface(url=localnet_url)
    yield client
    client.close()


def raw_rpc(url: str, method: str, params: list[Any] | None = None) -> Any:
    """One JSON-RPC call over a fresh raw WebSocket (no metadata decoding)."""
    with connect(url) as ws:
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}))
        reply = json.loads(ws.recv())
    assert "error" not in reply, reply
    return reply["result"]


def alice() -> Keypair:
    return Keypair.create_from_uri("//Alice", ss58_format=42)


def fresh_keypair() -> Keypair:
    return Keypair.create_from_mnemonic(Keypair.generate_mnemonic(), ss58_format=42)


def free(substrate: SubstrateInterface, address: str, block_hash: str | None = None) -> int:
    return int(substrate.query("System", "Account", [address], block_hash=block_hash).value["data"]["free"])


def transfer(substrate: SubstrateInterface, sender: Keypair, dest: str, value: int, **kwargs: Any) -> Any:
    call = substrate.compose_call("Balances", "transfer_keep_alive", {"dest": dest, "value": value})
    return substrate.create_signed_extrinsic(call=call, keypair=sender, **kwargs)


def funded_account(substrate: SubstrateInterface, amount: int = 100 * TAO) -> Keypair:
    account = fresh_keypair()
    receipt = substrate.submit_extrinsic(transfer(substrate, alice(), account.ss58_address, amount),
                                         wait_for_inclusion=True)
    assert receipt.is_success, receipt.error_message
    return account


def rpc_error(substrate: SubstrateInterface, method: str, params: list[Any]) -> dict[str, Any]:
    """The JSON-RPC error object of a call that must fail (substrate-interface raises it)."""
    with pytest.raises(SubstrateRequestException) as info:
        substrate.rpc_request(method, params)
    error: dict[str, Any] = info.value.args[0]
    return error


def event_names(receipt: Any) -> list[str]:
    return [f"{e.value['module_id']}.{e.value['event_id']}" for e in receipt.triggered_events]


def test_runtime_metadata_and_properties(substrate: SubstrateInterface) -> None:
    substrate.init_runtime()
    assert substrate.runtime_version == EXTENDED_SPEC_VERSION
    assert substrate.properties == {"ss58Format": 42, "tokenDecimals": 9, "tokenSymbol": "TAO"}
    assert substrate.ss58_format == 42 and substrate.token_decimals == 9
    version = substrate.rpc_request("state_getRuntimeVersion", [])["result"]
    assert version["specName"] == "node-subtensor" and version["specVersion"] == EXTENDED_SPEC_VERSION
    pallets = {p.name for p in substrate.metadata.pallets}
    assert {"System", "Balances", "SubtensorModule", "Sudo", "Utility"} <= pallets
    genesis = substrate.get_block_hash(0)
    assert genesis == substrate.rpc_request("chain_getBlockHash", [0])["result"]
    assert substrate.rpc_request("system_health", [])["result"]["isSyncing"] is False


def test_dev_account_balance(substrate: SubstrateInterface) -> None:
    account = substrate.query("System", "Account", [alice().ss58_address])
    assert account.value["data"]["free"] > 1000 * TAO
    assert substrate.query("System", "Account", [fresh_keypair().ss58_address]).value["data"]["free"] == 0


def test_signed_transfer_fee_and_events(substrate: SubstrateInterface) -> None:
    sender = funded_account(substrate)
    dest = fresh_keypair().ss58_address
    extrinsic = transfer(substrate, sender, dest, 7 * TAO)
    info = substrate.rpc_request("payment_queryInfo", [str(extrinsic.data)])["result"]
    assert set(info) >= {"weight", "class", "partialFee"} and info["class"] == "normal"
    estimated = int(info["partialFee"])
    assert estimated > 0
    # substrate-interface's own path (state_call TransactionPaymentApi_query_info) agrees.
    call = substrate.compose_call("Balances", "transfer_keep_alive", {"dest": dest, "value": 7 * TAO})
    assert substrate.get_payment_info(call, sender)["partialFee"] == estimated
    receipt = substrate.submit_extrinsic(extrinsic, wait_for_inclusion=True)
    assert receipt.is_success, receipt.error_message
    names = event_names(receipt)
    assert "Balances.Transfer" in names and "System.ExtrinsicSuccess" in names
    assert "TransactionPayment.TransactionFeePaid" in names
    fee = receipt.total_fee_amount
    assert fee == estimated
    block = receipt.block_hash
    parent = substrate.get_block_header(block)["header"]["parentHash"]
    assert free(substrate, dest, block) == 7 * TAO
    assert free(substrate, sender.ss58_address, parent) - free(substrate, sender.ss58_address, block) == 7 * TAO + fee
    (transfer_event,) = [e for e in receipt.triggered_events if e.value["event_id"] == "Transfer"]
    assert transfer_event.value["attributes"] == {"from": sender.ss58_address, "to": dest, "amount": 7 * TAO}


def test_failing_transfer_reports_decoded_errors(substrate: SubstrateInterface) -> None:
    sender = funded_account(substrate, 2 * TAO)
    receipt = substrate.submit_extrinsic(transfer(substrate, sender, alice().ss58_address, 50 * TAO),
                                         wait_for_inclusion=True)
    assert receipt.is_success is False
    (failed,) = [e for e in receipt.triggered_events if e.value["event_id"] == "ExtrinsicFailed"]
    assert failed.value["attributes"]["dispatch_error"] == {"Token": "FundsUnavailable"}
    assert receipt.total_fee_amount > 0  # the fee is charged even though the call failed
    # Sudo from a non-sudo account is refused by subtensor's sudo transaction extension at submission.
    call = substrate.compose_call("Sudo", "sudo", {"call": substrate.compose_call("System", "remark", {"remark": "0x00"})})
    error = rpc_error(substrate, "author_submitExtrinsic", [str(substrate.create_signed_extrinsic(call=call, keypair=sender).data)])
    assert error == {"code": 1010, "message": "Invalid Transaction", "data": "Invalid signing address"}
    # A module error is decoded by substrate-interface itself (Token errors are not, a client limitation):
    # calls the localnet does not implement fail with System.CallFiltered.
    call = substrate.compose_call("Balances", "upgrade_accounts", {"who": [sender.ss58_address]})
    receipt = substrate.submit_extrinsic(substrate.create_signed_extrinsic(call=call, keypair=sender),
                                         wait_for_inclusion=True)
    assert receipt.is_success is False
    assert receipt.error_message["type"] == "Module" and receipt.error_message["name"] == "CallFiltered"


def test_nonces_pool_and_stale_or_future_transactions(substrate: SubstrateInterface) -> None:
    sender = funded_account(substrate)
    start = substrate.get_account_nonce(sender.ss58_address)
    dest = fresh_keypair().ss58_address
    hashes = []
    for i in range(3):
        receipt = substrate.submit_extrinsic(transfer(substrate, sender, dest, TAO, nonce=start + i))
        hashes.append(receipt.extrinsic_hash)
    assert len(set(hashes)) == 3
    deadline = time.monotonic() + 10
    while substrate.get_account_nonce(sender.ss58_address) != start + 3 or \
            substrate.rpc_request("author_pendingExtrinsics", [])["result"]:
        assert time.monotonic() < deadline, "transfers were not included"
        time.sleep(0.05)
    assert free(substrate, dest) == 3 * TAO
    stale = transfer(substrate, sender, dest, TAO, nonce=start)
    error = rpc_error(substrate, "author_submitExtrinsic", [str(stale.data)])
    assert error["code"] == 1010 and "outdated" in error["data"].lower()
    future = transfer(substrate, sender, dest, TAO, nonce=start + 4)
    substrate.submit_extrinsic(future)
    time.sleep(0.2)
    assert str(future.data) in substrate.rpc_request("author_pendingExtrinsics", [])["result"]
    assert substrate.get_account_nonce(sender.ss58_address) == start + 3  # the gap is still open
    substrate.submit_extrinsic(transfer(substrate, sender, dest, TAO, nonce=start + 3), wait_for_inclusion=True)
    deadline = time.monotonic() + 10
    while substrate.get_account_nonce(sender.ss58_address) != start + 5:
        assert time.monotonic() < deadline, "the future transaction never became ready"
        time.sleep(0.05)


def test_bad_signature_and_bad_bytes_are_rejected_and_chain_keeps_going(substrate: SubstrateInterface) -> None:
    sender = funded_account(substrate)
    good = bytes(transfer(substrate, sender, alice().ss58_address, TAO).data.data)
    # compact length prefix, version byte, MultiAddress::Id (0x00 + 32 bytes), MultiSignature variant, signature
    prefix = {0: 1, 1: 2, 2: 4}[good[0] & 3]
    sig_at = prefix + 1 + 1 + 32 + 1
    tampered = good[:sig_at] + bytes([good[sig_at] ^ 0xFF]) + good[sig_at + 1:]
    error = rpc_error(substrate, "author_submitExtrinsic", ["0x" + tampered.hex()])
    assert error["code"] == 1010 and "bad signature" in error["data"].lower()
    for junk in ["0x", "0x1234", "0x" + "ff" * 40, "0x" + good[:-3].hex()]:
        error = rpc_error(substrate, "author_submitExtrinsic", [junk])
        assert error["code"] in (1001, 1002, 1010, 1011), error
    receipt = substrate.submit_extrinsic(transfer(substrate, sender, alice().ss58_address, TAO), wait_for_inclusion=True)
    assert receipt.is_success


def test_header_subscription_sees_new_blocks(substrate: SubstrateInterface, localnet_url: str) -> None:
    subscribed = threading.Event()

    def miner() -> None:
        assert subscribed.wait(30)
        other = SubstrateInterface(url=localnet_url)
        try:
            for _ in range(3):
                other.rpc_request("dev_newBlock", [{"count": 1}])
        finally:
            other.close()

    headers: list[int] = []

    def handler(obj: Any, update_nr: int, subscription_id: str) -> Any:
        headers.append(obj["header"]["number"])
        subscribed.set()  # the first notification is the current best header
        return headers if len(headers) == 4 else None

    thread = threading.Thread(target=miner)
    thread.start()
    substrate.subscribe_block_headers(handler)
    thread.join()
    assert headers == list(range(headers[0], headers[0] + 4))


def test_submit_and_watch_until_finalized(substrate: SubstrateInterface) -> None:
    sender = funded_account(substrate)
    receipt = substrate.submit_extrinsic(transfer(substrate, sender, alice().ss58_address, TAO),
                                         wait_for_finalization=True)
    assert receipt.finalized and receipt.is_success
    assert substrate.get_block_number(receipt.block_hash) <= substrate.get_block_number(substrate.get_chain_finalised_head())


def test_read_proof_verifies_against_header_state_root(substrate: SubstrateInterface) -> None:
    block = substrate.get_chain_head()
    key = substrate.create_storage_key("System", "Account", [alice().ss58_address]).to_hex()
    absent = substrate.create_storage_key("System", "Account", [fresh_keypair().ss58_address]).to_hex()
    proof = substrate.rpc_request("state_getReadProof", [[key, absent], block])["result"]
    assert proof["at"] == block
    root = bytes.fromhex(substrate.get_block_header(block)["header"]["stateRoot"][2:])
    nodes = [bytes.fromhex(n[2:]) for n in proof["proof"]]
    values = verify_read_proof(root, nodes, [bytes.fromhex(key[2:]), bytes.fromhex(absent[2:])])
    stored = substrate.rpc_request("state_getStorage", [key, block])["result"]
    assert values[bytes.fromhex(key[2:])] == bytes.fromhex(stored[2:])
    assert values[bytes.fromhex(absent[2:])] is None
    with pytest.raises(InvalidProofError):
        verify_read_proof(bytes(32), nodes, [bytes.fromhex(key[2:])])


def test_restart_continues_chain_and_state(tmp_path: Path, substrate: SubstrateInterface) -> None:
    db = tmp_path / "chain.sqlite"
    dest = fresh_keypair().ss58_address
    key = substrate.create_storage_key("System", "Account", [dest]).to_hex()
    handle = start_localnet(db, config=ServerConfig(port=0, mode=SealMode.MANUAL), scenario=None)
    try:
        funded_in = raw_rpc(handle.url, "dev_fund", [dest, str(3 * TAO)])
        best = raw_rpc(handle.url, "dev_newBlock", [{"count": 4}])
        number = int(raw_rpc(handle.url, "chain_getHeader", [best])["number"], 16)
        account = raw_rpc(handle.url, "state_getStorage", [key])
        genesis = raw_rpc(handle.url, "chain_getBlockHash", [0])
    finally:
        handle.stop()
    assert account is not None
    handle = start_localnet(db, config=ServerConfig(port=0, mode=SealMode.MANUAL), scenario=None)
    try:
        assert raw_rpc(handle.url, "chain_getBlockHash", []) == best
        assert raw_rpc(handle.url, "chain_getBlockHash", [[0, number]]) == [genesis, best]
        assert raw_rpc(handle.url, "state_getStorage", [key]) == account
        assert raw_rpc(handle.url, "state_getStorage", [key, funded_in]) == account
        new = raw_rpc(handle.url, "dev_newBlock", [])
        header = raw_rpc(handle.url, "chain_getHeader", [new])
        assert header["parentHash"] == best and int(header["number"], 16) == number + 1
    finally:
        handle.stop()


def test_finality_lag() -> None:
    handle = start_localnet(None, config=ServerConfig(port=0, mode=SealMode.MANUAL), finality_lag=2, installers=[])
    try:
        best = raw_rpc(handle.url, "dev_newBlock", [{"count": 5}])
        finalized = raw_rpc(handle.url, "chain_getFinalizedHead")
        best_number = int(raw_rpc(handle.url, "chain_getHeader", [best])["number"], 16)
        assert int(raw_rpc(handle.url, "chain_getHeader", [finalized])["number"], 16) == best_number - 2
    finally:
        handle.stop()


def test_storage_subscription_and_runtime_calls(substrate: SubstrateInterface, localnet_url: str) -> None:
    dest = fresh_keypair().ss58_address
    key = substrate.create_storage_key("System", "Account", [dest]).to_hex()
    with connect(localnet_url) as ws:
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "state_subscribeStorage", "params": [[key]]}))
        sub_id = json.loads(ws.recv())["result"]
        initial = json.loads(ws.recv())["params"]
        assert initial["subscription"] == sub_id and initial["result"]["changes"] == [[key, None]]
        block = raw_rpc(localnet_url, "dev_fund", [dest, str(5 * TAO)])
        update = json.loads(ws.recv())["params"]["result"]
        assert update["block"] == block
        assert update["changes"] == [[key, raw_rpc(localnet_url, "state_getStorage", [key, block])]]
    version = substrate.runtime_call("Core", "version").value
    assert version["spec_version"] == EXTENDED_SPEC_VERSION and version["spec_name"] == "node-subtensor"


def test_pruned_state_is_a_client_error() -> None:
    from node.localnet.rpc.embedded import chain_factory

    factory = chain_factory(None, keep_blocks=2, installers=[])
    handle = start_localnet(config=ServerConfig(port=0, mode=SealMode.MANUAL), factory=factory)
    try:
        raw_rpc(handle.url, "dev_newBlock", [{"count": 130}])  # the chain prunes every 64 blocks
        old = raw_rpc(handle.url, "chain_getBlockHash", [1])
        with connect(handle.url) as ws:
            ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "state_getStorage", "params": ["0x00", old]}))
            reply = json.loads(ws.recv())
        assert reply["error"]["code"] == 4003 and "pruned" in reply["error"]["message"], reply
        assert raw_rpc(handle.url, "state_getStorage", ["0x00"]) is None  # best state still served
    finally:
        handle.stop()


def test_watched_transaction_that_expires_in_the_pool_is_reported_invalid(
    substrate: SubstrateInterface, localnet_url: str
) -> None:
    sender = funded_account(substrate)
    nonce = substrate.get_account_nonce(sender.ss58_address)
    # A future nonce keeps it in the pool; a 4-block mortal era makes it expire there.
    doomed = transfer(substrate, sender, alice().ss58_address, TAO, nonce=nonce + 1, era={"period": 4})
    with connect(localnet_url) as ws:
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "author_submitAndWatchExtrinsic",
                            "params": [str(doomed.data)]}))
        sub_id = json.loads(ws.recv())["result"]
        assert json.loads(ws.recv())["params"] == {"subscription": sub_id, "result": "future"}
        raw_rpc(localnet_url, "dev_newBlock", [{"count": 8}])
        update = json.loads(ws.recv())
        assert update["method"] == "author_extrinsicUpdate"
        assert update["params"] == {"subscription": sub_id, "result": "invalid"}
    assert str(doomed.data) not in substrate.rpc_request("author_pendingExtrinsics", [])["result"]


def test_watched_future_transaction_reports_future_then_ready_and_seals_no_empty_block(
    substrate: SubstrateInterface, localnet_url: str
) -> None:
    sender = funded_account(substrate)
    nonce = substrate.get_account_nonce(sender.ss58_address)
    later = transfer(substrate, sender, alice().ss58_address, TAO, nonce=nonce + 1)
    with connect(localnet_url) as ws:
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "author_submitAndWatchExtrinsic",
                            "params": [str(later.data)]}))
        sub_id = json.loads(ws.recv())["result"]
        assert json.loads(ws.recv())["params"] == {"subscription": sub_id, "result": "future"}
        best = int(raw_rpc(localnet_url, "chain_getHeader")["number"], 16)
        time.sleep(0.5)  # instant seal has nothing ready to include: no (empty) block
        assert int(raw_rpc(localnet_url, "chain_getHeader")["number"], 16) == best
        assert str(later.data) in raw_rpc(localnet_url, "author_pendingExtrinsics")
        gap = transfer(substrate, sender, alice().ss58_address, TAO, nonce=nonce)
        raw_rpc(localnet_url, "author_submitExtrinsic", [str(gap.data)])
        updates = []
        while not updates or "finalized" not in updates[-1]:
            message = json.loads(ws.recv(timeout=10))
            assert message["params"]["subscription"] == sub_id
            result = message["params"]["result"]
            updates.append(result if isinstance(result, dict) else {result: None})
        assert [next(iter(u)) for u in updates] == ["ready", "inBlock", "finalized"]
        in_block = updates[1]["inBlock"]
        assert int(raw_rpc(localnet_url, "chain_getHeader", [in_block])["number"], 16) == best + 1
    assert substrate.get_account_nonce(sender.ss58_address) == nonce + 2


def test_instant_seal_spills_a_full_block_into_the_next_without_new_submissions() -> None:
    from node.localnet.rpc.server import ServerConfig as Config
    from tests.localnet.test_subtensor_chain import Client

    mib = 1024 * 1024
    handle = start_localnet(None, config=Config(port=0, max_message_size=4 * mib), scenario=None, installers=[])
    try:
        chain = handle.chain
        client = Client(chain)  # type: ignore[arg-type]
        charlie = Keypair.create_from_uri("//Charlie")
        start = chain.account_next_index(charlie.public_key)
        remarks = [client.sign(charlie, "System", "remark", {"remark": bytes([i]) * mib}, nonce=start + i)
                   for i in range(10)]  # 10 MiB: more than the normal share (7.5 MiB) of one block
        best = chain.best_number
        with connect(handle.url, max_size=None) as ws:
            # nonces 1..9 first: all future, so nothing is sealed; nonce 0 makes all ten ready at once
            for i, raw in enumerate(remarks[1:] + remarks[:1]):
                ws.send(json.dumps({"jsonrpc": "2.0", "id": i, "method": "author_submitExtrinsic",
                                    "params": ["0x" + raw.hex()]}))
                assert "result" in json.loads(ws.recv(timeout=30))
                if i < 9:
                    assert chain.best_number == best
        deadline = time.monotonic() + 30
        while chain.pending_extrinsics():
            assert time.monotonic() < deadline, "the transactions that did not fit were never sealed"
            time.sleep(0.05)
        limit = chain.md.constant("System", "BlockLength")["max"]["normal"]
        bodies = []
        for number in range(best + 1, chain.best_number + 1):
            block_hash = chain.block_hash(number)
            block = chain.block(block_hash) if block_hash is not None else None
            assert block is not None
            bodies.append(block[1][1:])
            assert sum(len(x) for x in block[1]) <= limit
        assert [len(b) for b in bodies] == [7, 3]
        assert [x for b in bodies for x in b] == remarks
    finally:
        handle.stop()
