"""Signed extrinsics composed and signed offline by substrate-interface, applied by the Chain."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from scalecodec.base import ScaleBytes
from substrateinterface import Keypair, SubstrateInterface
from substrateinterface.base import ExtrinsicReceipt

from node.localnet.chain import Chain
from tests.localnet.test_chain_rpcshim import shim_interface

TAO = 10**9


@pytest.fixture(scope="module")
def env() -> Iterator[tuple[Chain, SubstrateInterface]]:
    chain = Chain(None)
    si = shim_interface(chain)
    si.init_runtime()
    yield chain, si
    chain.close()


def submit_and_seal(chain: Chain, si: SubstrateInterface, kp: Keypair, module: str, fn: str,
                    args: dict[str, Any], **kw: Any) -> ExtrinsicReceipt:
    xt = si.create_signed_extrinsic(si.compose_call(module, fn, args), keypair=kp, **kw)
    tx_hash = chain.submit(bytes(xt.data.data))
    block_hash = chain.produce_block()
    return ExtrinsicReceipt(si, extrinsic_hash="0x" + tx_hash.hex(), block_hash="0x" + block_hash.hex())


def free(si: SubstrateInterface, address: str) -> int:
    return int(si.query("System", "Account", [address]).value["data"]["free"])


def test_transfer_keep_alive_included_with_fee_and_events(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, si = env
    alice = Keypair.create_from_uri("//Alice")
    dest = Keypair.create_from_uri("//TransferDest1")
    before = free(si, alice.ss58_address)
    call = si.compose_call("Balances", "transfer_keep_alive", {"dest": dest.ss58_address, "value": 5 * TAO})
    xt = si.create_signed_extrinsic(call, keypair=alice)
    info = chain.query_info(bytes(xt.data.data), None)
    # payment_queryInfo and the runtime API agree; decode the API answer with the runtime's own layout
    raw = chain.state_call("TransactionPaymentApi_query_info",
                           bytes(xt.data.data) + len(xt.data.data).to_bytes(4, "little"), None)
    weight = chain.md.decode_prefix(chain.md.type_by_path("sp_weights", "weight_v2", "Weight"), raw, 0)
    fee_from_api = int.from_bytes(raw[weight[1] + 1 :], "little")
    assert fee_from_api == int(info["partialFee"]) > 0
    tx_hash = chain.submit(bytes(xt.data.data))
    assert chain.pending_extrinsics() == [bytes(xt.data.data)]
    block_hash = chain.produce_block()
    assert chain.pending_extrinsics() == []
    receipt = ExtrinsicReceipt(si, extrinsic_hash="0x" + tx_hash.hex(), block_hash="0x" + block_hash.hex())
    assert receipt.is_success
    assert receipt.extrinsic_idx == 1
    assert receipt.total_fee_amount == int(info["partialFee"])
    names = [(e.value["module_id"], e.value["event_id"]) for e in receipt.triggered_events]
    assert names == [
        ("Balances", "Withdraw"), ("System", "NewAccount"), ("Balances", "Endowed"),
        ("Balances", "Transfer"), ("TransactionPayment", "TransactionFeePaid"), ("System", "ExtrinsicSuccess"),
    ]
    assert free(si, dest.ss58_address) == 5 * TAO
    assert free(si, alice.ss58_address) == before - 5 * TAO - int(info["partialFee"])
    assert si.query("System", "Account", [alice.ss58_address]).value["nonce"] == 1
    # the block substrate-interface reads back decodes, signer and call included
    block = si.get_block(block_hash="0x" + block_hash.hex())
    signed = block["extrinsics"][1].value
    assert signed["address"] == alice.ss58_address
    assert signed["call"]["call_function"] == "transfer_keep_alive"


def test_transfer_above_balance_fails_with_token_error(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, si = env
    bob = Keypair.create_from_uri("//Bob")
    receipt = submit_and_seal(chain, si, bob, "Balances", "transfer_allow_death",
                              {"dest": Keypair.create_from_uri("//X").ss58_address, "value": 10**30})
    assert not receipt.is_success
    failed = [e.value for e in receipt.triggered_events if e.value["event_id"] == "ExtrinsicFailed"]
    assert failed[0]["attributes"]["dispatch_error"] == {"Token": "FundsUnavailable"}
    assert receipt.total_fee_amount > 0  # the fee is charged even though the call failed


def test_keep_alive_refuses_to_reap(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, si = env
    charlie = Keypair.create_from_uri("//Charlie")
    everything = free(si, charlie.ss58_address)
    dest = Keypair.create_from_uri("//Y").ss58_address
    probe = si.create_signed_extrinsic(si.compose_call("Balances", "transfer_keep_alive", {
        "dest": dest, "value": everything}), keypair=charlie)
    fee = int(chain.query_info(bytes(probe.data.data), None)["partialFee"])
    # after the fee, sending this would leave 100 rao: below the existential deposit
    receipt = submit_and_seal(chain, si, charlie, "Balances", "transfer_keep_alive",
                              {"dest": dest, "value": everything - fee - 100})
    failed = [e.value for e in receipt.triggered_events if e.value["event_id"] == "ExtrinsicFailed"]
    assert failed[0]["attributes"]["dispatch_error"] == {"Token": "NotExpendable"}


def test_module_error_indices_come_from_metadata(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, si = env
    dave = Keypair.create_from_uri("//Dave")
    inner = si.compose_call("Sudo", "sudo", {"call": si.compose_call("System", "remark", {"remark": "0x01"})})
    receipt = submit_and_seal(chain, si, dave, "Utility", "batch_all", {"calls": [inner]})
    assert not receipt.is_success
    failed = next(e.value for e in receipt.triggered_events if e.value["event_id"] == "ExtrinsicFailed")
    err = failed["attributes"]["dispatch_error"]["Module"]
    sudo = chain.md.pallet("Sudo")
    assert err == {"index": sudo.index, "error": "0x" + bytes([sudo.errors["RequireSudo"].index, 0, 0, 0]).hex()}
    assert receipt.error_message["name"] == "RequireSudo"  # substrate-interface resolves it via the metadata


def test_unimplemented_call_fails_loudly(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, si = env
    eve = Keypair.create_from_uri("//Eve")
    receipt = submit_and_seal(chain, si, eve, "Multisig", "approve_as_multi", {
        "threshold": 2, "other_signatories": [Keypair.create_from_uri("//Ferdie").ss58_address],
        "maybe_timepoint": None, "call_hash": "0x" + "11" * 32, "max_weight": {"ref_time": 1, "proof_size": 1}})
    assert not receipt.is_success
    assert receipt.error_message["name"] == "CallFiltered"


def test_sudo_force_set_balance_and_sudo_key_check(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, si = env
    alice = Keypair.create_from_uri("//Alice")
    target = Keypair.create_from_uri("//SudoTarget")
    inner = si.compose_call("Balances", "force_set_balance", {"who": target.ss58_address, "new_free": 77 * TAO})
    issuance = chain.read("Balances", "TotalIssuance")
    receipt = submit_and_seal(chain, si, alice, "Sudo", "sudo", {"call": inner})
    assert receipt.is_success
    sudid = [e.value for e in receipt.triggered_events if e.value["event_id"] == "Sudid"]
    assert sudid[0]["attributes"]["sudo_result"] == {"Ok": ()} or sudid[0]["attributes"]["sudo_result"] == {"Ok": None}
    assert free(si, target.ss58_address) == 77 * TAO
    assert chain.read("Balances", "TotalIssuance") == issuance + 77 * TAO - receipt.total_fee_amount
    # a non-sudo signer is refused at submission by the SudoTransactionExtension
    bob = Keypair.create_from_uri("//Bob")
    xt = si.create_signed_extrinsic(si.compose_call("Sudo", "sudo", {"call": inner}), keypair=bob)
    from node.localnet.validity import InvalidTransaction

    with pytest.raises(InvalidTransaction) as exc:
        chain.submit(bytes(xt.data.data))
    assert (exc.value.code, exc.value.data) == (1010, "Invalid signing address")


def test_batch_semantics(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, si = env
    ferdie = Keypair.create_from_uri("//Ferdie")
    d1, d2 = Keypair.create_from_uri("//B1"), Keypair.create_from_uri("//B2")
    ok = si.compose_call("Balances", "transfer_keep_alive", {"dest": d1.ss58_address, "value": TAO})
    bad = si.compose_call("Balances", "transfer_keep_alive", {"dest": d2.ss58_address, "value": 10**30})
    ok2 = si.compose_call("Balances", "transfer_keep_alive", {"dest": d2.ss58_address, "value": TAO})

    r = submit_and_seal(chain, si, ferdie, "Utility", "batch", {"calls": [ok, bad, ok2]})
    ids = [e.value["event_id"] for e in r.triggered_events]
    assert r.is_success and "BatchInterrupted" in ids and "BatchCompleted" not in ids
    interrupted = next(e.value for e in r.triggered_events if e.value["event_id"] == "BatchInterrupted")
    assert interrupted["attributes"]["index"] == 1
    assert free(si, d1.ss58_address) == TAO and free(si, d2.ss58_address) == 0

    r = submit_and_seal(chain, si, ferdie, "Utility", "batch_all", {"calls": [ok, bad]})
    assert not r.is_success
    assert free(si, d1.ss58_address) == TAO  # the first transfer was undone with the batch
    assert "Transfer" not in [e.value["event_id"] for e in r.triggered_events]

    r = submit_and_seal(chain, si, ferdie, "Utility", "force_batch", {"calls": [ok, bad, ok2]})
    ids = [e.value["event_id"] for e in r.triggered_events]
    assert r.is_success and ids.count("ItemCompleted") == 2 and "ItemFailed" in ids
    assert "BatchCompletedWithErrors" in ids
    assert free(si, d1.ss58_address) == 2 * TAO and free(si, d2.ss58_address) == TAO

    r = submit_and_seal(chain, si, ferdie, "Utility", "batch_all", {"calls": [ok, ok2]})
    assert r.is_success and free(si, d1.ss58_address) == 3 * TAO


def test_transfer_all_reaps_the_sender(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, si = env
    alice = Keypair.create_from_uri("//Alice")
    temp = Keypair.create_from_uri("//Reaped")
    submit_and_seal(chain, si, alice, "Balances", "transfer_keep_alive", {"dest": temp.ss58_address, "value": TAO})
    r = submit_and_seal(chain, si, temp, "Balances", "transfer_all",
                        {"dest": alice.ss58_address, "keep_alive": False})
    ids = [(e.value["module_id"], e.value["event_id"]) for e in r.triggered_events]
    assert r.is_success
    assert ("System", "KilledAccount") in ids
    assert chain.read("System", "Account", temp.public_key)["providers"] == 0
    assert chain.storage(chain.state_at().key("System", "Account", temp.public_key)) is None


def test_transfer_below_existential_deposit_to_new_account(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, si = env
    bob = Keypair.create_from_uri("//Bob")
    ed = chain.md.constant("Balances", "ExistentialDeposit")
    r = submit_and_seal(chain, si, bob, "Balances", "transfer_allow_death",
                        {"dest": Keypair.create_from_uri("//Tiny").ss58_address, "value": ed - 1})
    failed = next(e.value for e in r.triggered_events if e.value["event_id"] == "ExtrinsicFailed")
    assert failed["attributes"]["dispatch_error"] == {"Token": "BelowMinimum"}


def test_remark_with_event_and_fund(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, si = env
    bob = Keypair.create_from_uri("//Bob")
    r = submit_and_seal(chain, si, bob, "System", "remark_with_event", {"remark": "0x68656c6c6f"})
    remarked = next(e.value for e in r.triggered_events if e.value["event_id"] == "Remarked")
    import hashlib

    assert remarked["attributes"]["hash"] == "0x" + hashlib.blake2b(b"hello", digest_size=32).hexdigest()
    newbie = Keypair.create_from_uri("//Funded")
    block_hash = chain.fund(newbie.public_key, 42 * TAO)
    assert free(si, newbie.ss58_address) == 42 * TAO
    events = si.get_events(block_hash="0x" + block_hash.hex())
    assert ("Balances", "Minted") in [(e.value["module_id"], e.value["event_id"]) for e in events]
    with pytest.raises(ValueError):
        chain.fund(newbie.public_key, 0)


def test_scalecodec_reads_back_a_produced_extrinsic(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, si = env
    header_block = chain.block(chain.best_hash)
    assert header_block is not None
    obj = si.runtime_config.create_scale_object("Extrinsic", data=ScaleBytes(header_block[1][0]),
                                                metadata=si.metadata)
    value = obj.decode()
    assert value["call"]["call_module"] == "Timestamp"


def test_allow_death_loses_dust(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, si = env
    alice = Keypair.create_from_uri("//Alice")
    temp = Keypair.create_from_uri("//Dusty")
    submit_and_seal(chain, si, alice, "Balances", "transfer_keep_alive", {"dest": temp.ss58_address, "value": TAO})
    probe = si.create_signed_extrinsic(si.compose_call("Balances", "transfer_allow_death", {
        "dest": alice.ss58_address, "value": TAO}), keypair=temp)
    fee = int(chain.query_info(bytes(probe.data.data), None)["partialFee"])
    issuance = chain.read("Balances", "TotalIssuance")
    r = submit_and_seal(chain, si, temp, "Balances", "transfer_allow_death",
                        {"dest": alice.ss58_address, "value": TAO - fee - 100})
    assert r.is_success
    dust = [e.value for e in r.triggered_events if e.value["event_id"] == "DustLost"]
    assert dust and dust[0]["attributes"]["amount"] == 100
    assert ("System", "KilledAccount") in [(e.value["module_id"], e.value["event_id"]) for e in r.triggered_events]
    assert chain.read("Balances", "TotalIssuance") == issuance - fee - 100  # fee burned, dust destroyed


def test_sudo_unchecked_weight_and_remove_from_pool(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, si = env
    alice = Keypair.create_from_uri("//Alice")
    inner = si.compose_call("System", "remark_with_event", {"remark": "0x00"})
    r = submit_and_seal(chain, si, alice, "Sudo", "sudo_unchecked_weight",
                        {"call": inner, "weight": {"ref_time": 1, "proof_size": 1}})
    sudid = [e.value for e in r.triggered_events if e.value["event_id"] == "Sudid"]
    # root cannot remark_with_event (it needs a signed origin): the error is reported inside Sudid
    assert sudid[0]["attributes"]["sudo_result"] == {"Err": "BadOrigin"}
    assert r.is_success
    xt = si.create_signed_extrinsic(si.compose_call("System", "remark", {"remark": "0x01"}), keypair=alice)
    tx = chain.submit(bytes(xt.data.data))
    assert chain.remove_extrinsic(tx) and chain.pending_extrinsics() == []
