"""MevShield on the localnet over a real WebSocket: bittensor-core encrypts for the chain's NextKey.

substrate-interface signs the inner staking extrinsic and the MevShield wrapper exactly as btcli does
(wrapper nonce n, inner nonce n + 1); the localnet's author decrypts it and includes the inner
extrinsic right after the wrapper. Garbage ciphertexts are rejected at the pool (submit_encrypted) or
end in ExtrinsicDecodeFailed (store_encrypted) with nothing else changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import bittensor_core
import pytest
from substrateinterface import Keypair, SubstrateInterface
from substrateinterface.exceptions import SubstrateRequestException

from node.localnet.hashing import blake2_256, compact, twox128
from node.localnet.rpc.embedded import LocalnetHandle, start_localnet
from node.localnet.rpc.server import ServerConfig
from node.localnet.subtensor.scenario import Scenario, SubnetSpec
from node.localnet.subtensor.shield_crypto import KEY_PERIOD

TAO = 10**9
SCENARIO = Scenario(seed="mevshield", tempo=50, subnets=(
    SubnetSpec(name="One", validators=2, miners=2, pool_tao=1_000, pool_alpha=2_000, validator_stake=500),))


@pytest.fixture(scope="module")
def net() -> Iterator[LocalnetHandle]:
    handle = start_localnet(None, config=ServerConfig(port=0), scenario=SCENARIO, heartbeat=None, finality_lag=2)
    handle.chain.produce_blocks(2)  # keys announced in blocks 1 and 2: NextKey is set from block 2 on
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def substrate(net: LocalnetHandle) -> Iterator[SubstrateInterface]:
    client = SubstrateInterface(url=net.url, ss58_format=42)
    yield client
    client.close()


HOTKEY = SCENARIO.key(1, "validator-hotkey", 0)


def stake(substrate: SubstrateInterface, coldkey: Keypair, block_hash: str | None = None) -> int:
    share = substrate.query("SubtensorModule", "AlphaV2", ["0x" + HOTKEY.hex(), coldkey.ss58_address, 1],
                            block_hash=block_hash).value
    return int(share["mantissa"])


def next_key(substrate: SubstrateInterface) -> bytes:
    value = substrate.query("MevShield", "NextKey").value
    return bytes.fromhex(value.removeprefix("0x")) if isinstance(value, str) else bytes(value)


def block_events(substrate: SubstrateInterface, block_hash: str) -> list[tuple[int | None, str, Any]]:
    return [(e.value["extrinsic_idx"], f"{e.value['module_id']}.{e.value['event_id']}", e.value["attributes"])
            for e in substrate.get_events(block_hash)]


def shielded_stake(substrate: SubstrateInterface, who: Keypair, amount: int, key: bytes | None = None,
                   wait: bool = True) -> Any:
    """btcli's flow: inner add_stake signed with nonce n + 1, encrypted, wrapped with nonce n."""
    nonce = substrate.get_account_nonce(who.ss58_address)
    call = substrate.compose_call("SubtensorModule", "add_stake",
                                  {"hotkey": "0x" + HOTKEY.hex(), "netuid": 1, "amount_staked": amount})
    inner = substrate.create_signed_extrinsic(call, who, nonce=nonce + 1, era={"period": 8})
    blob = bittensor_core.encrypt_mlkem768(key or next_key(substrate), bytes(inner.data.data), True)
    wrapper_call = substrate.compose_call("MevShield", "submit_encrypted", {"ciphertext": "0x" + blob.hex()})
    wrapper = substrate.create_signed_extrinsic(wrapper_call, who, nonce=nonce, era={"period": 8})
    return inner, blob, substrate.submit_extrinsic(wrapper, wait_for_inclusion=wait)


def test_keys_rotate(net: LocalnetHandle, substrate: SubstrateInterface) -> None:
    items = ("CurrentKey", "PendingKey", "NextKey")
    before = {item: substrate.query("MevShield", item).value for item in items}
    net.chain.produce_block()
    after = {item: substrate.query("MevShield", item).value for item in items}
    assert after["PendingKey"] == before["NextKey"] and after["CurrentKey"] == before["PendingKey"]
    net.chain.produce_blocks(KEY_PERIOD)  # the storage rotates every block, the key material every period
    assert substrate.query("MevShield", "NextKey").value != before["NextKey"]
    assert len(next_key(substrate)) == 1184
    head = substrate.get_block_number(substrate.get_chain_head())
    assert substrate.query("MevShield", "NextKeyExpiresAt").value == head + 3


def test_encrypted_stake_lands_after_its_wrapper(substrate: SubstrateInterface) -> None:
    alice = Keypair.create_from_uri("//Alice", ss58_format=42)
    nonce = substrate.get_account_nonce(alice.ss58_address)
    before = stake(substrate, alice)
    inner, blob, receipt = shielded_stake(substrate, alice, 5 * TAO)
    assert receipt.is_success, receipt.error_message
    block = substrate.get_block(receipt.block_hash)
    hashes = [x.extrinsic_hash.hex() for x in block["extrinsics"]]
    wrapper_idx = receipt.extrinsic_idx
    assert hashes[wrapper_idx + 1] == inner.extrinsic_hash.hex()  # btcli looks the inner hash up
    events = block_events(substrate, receipt.block_hash)
    submitted = [a for i, name, a in events if i == wrapper_idx and name == "MevShield.EncryptedSubmitted"]
    expected_id = blake2_256(alice.public_key + compact(len(blob)) + blob)
    assert submitted and submitted[0]["id"] == "0x" + expected_id.hex()
    inner_events = [name for i, name, _ in events if i == wrapper_idx + 1]
    assert "SubtensorModule.StakeAdded" in inner_events and "System.ExtrinsicSuccess" in inner_events
    assert stake(substrate, alice) > before
    assert substrate.get_account_nonce(alice.ss58_address) == nonce + 2


def test_garbage_and_stale_ciphertexts_change_nothing(net: LocalnetHandle, substrate: SubstrateInterface) -> None:
    bob = Keypair.create_from_uri("//Bob", ss58_format=42)
    garbage = substrate.compose_call("MevShield", "submit_encrypted", {"ciphertext": "0x0102030405"})
    with pytest.raises(SubstrateRequestException, match="Custom error: 23"):  # FailedShieldedTxParsing
        substrate.submit_extrinsic(substrate.create_signed_extrinsic(garbage, bob), wait_for_inclusion=True)
    # A blob for a key the author no longer holds as PendingKey is never included.
    stale_key = next_key(substrate)
    net.chain.produce_blocks(2 + 2 * KEY_PERIOD)  # past the Pending and Current keys the author accepts
    nonce, before = substrate.get_account_nonce(bob.ss58_address), stake(substrate, bob)
    inner, _, receipt = shielded_stake(substrate, bob, 3 * TAO, key=stale_key, wait=False)
    block = substrate.get_block(substrate.get_chain_head())  # instant seal: the block it would have been in
    hashes = [x.extrinsic_hash.hex() for x in block["extrinsics"]]
    assert receipt.extrinsic_hash.removeprefix("0x") not in hashes and inner.extrinsic_hash.hex() not in hashes
    assert substrate.get_account_nonce(bob.ss58_address) == nonce and stake(substrate, bob) == before

    # store_encrypted of garbage: stored, then ExtrinsicDecodeFailed in the next block and nothing else.
    index = substrate.query("MevShield", "NextPendingExtrinsicIndex").value
    blob = twox128(next_key(substrate)) + b"\x40\x04" + bytes(1088 + 24 + 40)
    store = substrate.compose_call("MevShield", "store_encrypted", {"encrypted_call": "0x" + blob.hex()})
    receipt = substrate.submit_extrinsic(substrate.create_signed_extrinsic(store, bob), wait_for_inclusion=True)
    assert receipt.is_success
    assert next(e.value["attributes"] for e in receipt.triggered_events
            if e.value["event_id"] == "ExtrinsicStored")["index"] == index
    free = substrate.query("System", "Account", [bob.ss58_address]).value["data"]["free"]
    block_hash = "0x" + net.chain.produce_block().hex()
    events = block_events(substrate, block_hash)
    mev = [(name, a) for _, name, a in events if name.startswith("MevShield.")]
    assert mev == [("MevShield.ExtrinsicDecodeFailed", {"index": index})]
    assert not [name for _, name, _ in events if name.startswith("SubtensorModule.")]
    assert substrate.query("MevShield", "PendingExtrinsics", [index]).value is None
    assert substrate.query("MevShield", "CounterForPendingExtrinsics").value == 0
    assert substrate.query("System", "Account", [bob.ss58_address]).value["data"]["free"] == free
    assert stake(substrate, bob) == before


def test_store_encrypted_call_dispatches_next_block(net: LocalnetHandle, substrate: SubstrateInterface) -> None:
    charlie = Keypair.create_from_uri("//Charlie", ss58_format=42)
    before = stake(substrate, charlie)
    call = substrate.compose_call("SubtensorModule", "add_stake",
                                  {"hotkey": "0x" + HOTKEY.hex(), "netuid": 1, "amount_staked": 2 * TAO})
    blob = bittensor_core.encrypt_mlkem768(next_key(substrate), bytes(call.data.data), True)
    store = substrate.compose_call("MevShield", "store_encrypted", {"encrypted_call": "0x" + blob.hex()})
    receipt = substrate.submit_extrinsic(substrate.create_signed_extrinsic(store, charlie), wait_for_inclusion=True)
    assert receipt.is_success
    index = next(e.value["attributes"] for e in receipt.triggered_events
             if e.value["event_id"] == "ExtrinsicStored")["index"]
    events = block_events(substrate, "0x" + net.chain.produce_block().hex())
    names = [name for _, name, _ in events]
    assert ("MevShield.ExtrinsicDispatched" in names and "SubtensorModule.StakeAdded" in names), names
    assert [a for _, name, a in events if name == "MevShield.ExtrinsicDispatched"] == [{"index": index}]
    assert stake(substrate, charlie) > before


def test_reorg_includes_the_shielded_stake_once(net: LocalnetHandle, substrate: SubstrateInterface) -> None:
    """Wrapper and inner extrinsic go back to the pool; the new branch (same author keys) includes each once."""
    dave = Keypair.create_from_uri("//Dave", ss58_format=42)
    nonce, before = substrate.get_account_nonce(dave.ss58_address), stake(substrate, dave)
    inner, _, receipt = shielded_stake(substrate, dave, 4 * TAO)
    assert receipt.is_success
    staked = stake(substrate, dave) - before
    result = net.chain.reorg(1)  # type: ignore[attr-defined]
    new_block = substrate.get_block("0x" + result.enacted[0].hex())
    hashes = [x.extrinsic_hash.hex() for x in new_block["extrinsics"]]
    assert hashes.count(inner.extrinsic_hash.hex()) == 1
    assert hashes.index(inner.extrinsic_hash.hex()) == hashes.index(receipt.extrinsic_hash.removeprefix("0x")) + 1
    assert substrate.get_account_nonce(dave.ss58_address) == nonce + 2
    assert stake(substrate, dave) - before == staked


def test_a_block_sealed_between_key_read_and_submit_is_tolerated(net: LocalnetHandle,
                                                                 substrate: SubstrateInterface) -> None:
    """The localnet seals blocks on demand: a client that read NextKey one block ago still gets in."""
    charlie = Keypair.create_from_uri("//Charlie", ss58_format=42)
    for _ in range(KEY_PERIOD):  # whatever the position in the key period
        key = next_key(substrate)
        net.chain.produce_block()
        _inner, _blob, receipt = shielded_stake(substrate, charlie, TAO, key=key)
        assert receipt.is_success, receipt.error_message
        events = block_events(substrate, receipt.block_hash)
        assert "SubtensorModule.StakeAdded" in [n for i, n, _ in events if i == receipt.extrinsic_idx + 1]
