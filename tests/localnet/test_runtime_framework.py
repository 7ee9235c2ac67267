"""The pallet framework as the subtensor helper uses it: calls, storage, events, errors, hooks, APIs."""

from __future__ import annotations

import struct
from collections.abc import Iterator

import pytest
from scalecodec.base import ScaleBytes
from substrateinterface import Keypair, SubstrateInterface
from substrateinterface.base import ExtrinsicReceipt

from node.localnet.chain import Chain
from node.localnet.extrinsic import RuntimeCall
from node.localnet.genesis import GenesisConfig
from node.localnet.metadata_extension import EXTENDED_SPEC_VERSION
from node.localnet.runtime import (
    ApiContext,
    BlockContext,
    CallContext,
    DispatchError,
    Pallet,
    Runtime,
    State,
    Weight,
    account_bytes,
)
from node.localnet.validity import InvalidTransaction
from tests.localnet.test_chain_rpcshim import shim_interface


class MiniSubtensor(Pallet):
    """A toy SubtensorModule: add_stake moves TAO from the coldkey into TotalHotkeyAlpha."""

    name = "SubtensorModule"
    weights = {"add_stake": Weight(300_000_000)}
    pays_no = frozenset({"set_weights"})

    def call_set_weights(self, ctx: CallContext, netuid: int, dests: list[int], weights: list[int],
                         version_key: int) -> None:
        ctx.ensure_signed()

    def call_add_stake(self, ctx: CallContext, hotkey: str, netuid: int, amount_staked: int) -> None:
        coldkey = ctx.ensure_signed()
        if amount_staked == 0:
            raise DispatchError.module("SubtensorModule", "AmountTooLow")
        hk = account_bytes(hotkey)
        ctx.runtime.pallets["Balances"].withdraw(ctx.state, coldkey, amount_staked,  # type: ignore[attr-defined]
                                                  keep_alive=True)
        ctx.state.mutate("SubtensorModule", "TotalHotkeyAlpha", hk, netuid, fn=lambda v: v + amount_staked)
        ctx.deposit_event("SubtensorModule", "StakeAdded", coldkey, hk, amount_staked, amount_staked, netuid, 0)
        if netuid == 99:
            raise DispatchError.module("SubtensorModule", "SubnetNotExists")  # after writes: all undone

    def validate_call(self, state: State, who: bytes, call: RuntimeCall) -> None:
        if call.pallet == "SubtensorModule" and call.name == "add_stake" and call.args["netuid"] == 7:
            raise InvalidTransaction.custom(6)

    def on_initialize(self, block: BlockContext) -> None:
        block.state.set("SubtensorModule", "BlockEmission", value=block.number)

    def build_genesis(self, state: State, config: GenesisConfig) -> None:
        state.set("SubtensorModule", "Tempo", 1, value=int(config.extra.get("tempo", 360)))  # type: ignore[call-overload]


def install(runtime: Runtime) -> None:
    runtime.add_pallet(MiniSubtensor(runtime))

    def tempo_api(ctx: ApiContext, data: bytes) -> bytes:
        (netuid,) = struct.unpack("<H", data)
        return struct.pack("<H", ctx.state.get("SubtensorModule", "Tempo", netuid))

    runtime.register_api("SubnetInfoRuntimeApi_get_tempo", tempo_api)


@pytest.fixture(scope="module")
def env() -> Iterator[tuple[Chain, SubstrateInterface]]:
    chain = Chain(None, genesis=GenesisConfig(extra={"tempo": 10}), installers=[install])
    si = shim_interface(chain)
    si.init_runtime()
    yield chain, si
    chain.close()


def stake(chain: Chain, si: SubstrateInterface, netuid: int, amount: int) -> ExtrinsicReceipt:
    alice = Keypair.create_from_uri("//Alice")
    call = si.compose_call("SubtensorModule", "add_stake", {
        "hotkey": Keypair.create_from_uri("//Hot").ss58_address, "netuid": netuid, "amount_staked": amount})
    tx = chain.submit(bytes(si.create_signed_extrinsic(call, keypair=alice).data.data))
    block = chain.produce_block()
    return ExtrinsicReceipt(si, extrinsic_hash="0x" + tx.hex(), block_hash="0x" + block.hex())


def test_call_storage_and_event_by_metadata_names(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, si = env
    receipt = stake(chain, si, 1, 10**9)
    assert receipt.is_success
    added = [e.value for e in receipt.triggered_events if e.value["event_id"] == "StakeAdded"]
    assert added and added[0]["attributes"][2] == 10**9
    hot = Keypair.create_from_uri("//Hot")
    assert si.query("SubtensorModule", "TotalHotkeyAlpha", [hot.ss58_address, 1]).value == 10**9
    info = chain.read("System", "Events")
    success = [e for e in info if e["event"]["event_id"] == "ExtrinsicSuccess"][-1]
    assert success["event"]["attributes"]["dispatch_info"]["weight"]["ref_time"] == 300_000_000


def test_failed_call_undoes_its_writes_and_events(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, si = env
    before = chain.read("System", "Account", Keypair.create_from_uri("//Alice").public_key)["data"]["free"]
    receipt = stake(chain, si, 99, 10**9)
    assert not receipt.is_success
    assert receipt.error_message["name"] == "SubnetNotExists"
    assert "StakeAdded" not in [e.value["event_id"] for e in receipt.triggered_events]
    hot = Keypair.create_from_uri("//Hot").public_key
    assert chain.read("SubtensorModule", "TotalHotkeyAlpha", hot, 99) == 0
    after = chain.read("System", "Account", Keypair.create_from_uri("//Alice").public_key)["data"]["free"]
    assert before - after == receipt.total_fee_amount  # only the fee left the account
    receipt = stake(chain, si, 1, 0)
    assert receipt.error_message["name"] == "AmountTooLow"


def test_hooks_genesis_and_runtime_api(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, _ = env
    chain.produce_block()
    assert chain.read("SubtensorModule", "BlockEmission") == chain.best_number
    assert chain.state_call("SubnetInfoRuntimeApi_get_tempo", struct.pack("<H", 1), None) == struct.pack("<H", 10)
    with pytest.raises(LookupError, match="Exported method SubnetInfoRuntimeApi_nope is not found"):
        chain.state_call("SubnetInfoRuntimeApi_nope", b"", None)


def test_core_runtime_apis(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, si = env
    version_type = chain.md.type_by_path("sp_version", "RuntimeVersion")
    version = si.runtime_config.create_scale_object(
        f"scale_info::{version_type}", data=ScaleBytes(chain.state_call("Core_version", b"", None)))
    assert version.decode()["spec_version"] == EXTENDED_SPEC_VERSION
    meta = chain.state_call("Metadata_metadata_at_version", struct.pack("<I", 14), None)
    assert meta[0] == 1 and meta.endswith(chain.metadata)
    assert chain.state_call("Metadata_metadata_at_version", struct.pack("<I", 15), None) == b"\x00"
    assert chain.state_call("Metadata_metadata_versions", b"", None) == b"\x04" + struct.pack("<I", 14)
    alice = Keypair.create_from_uri("//Alice").public_key
    nonce = chain.state_call("AccountNonceApi_account_nonce", alice, None)
    assert struct.unpack("<I", nonce)[0] == chain.read("System", "Account", alice)["nonce"]


def test_pays_no_calls_are_free(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, si = env
    alice = Keypair.create_from_uri("//Alice")
    call = si.compose_call("SubtensorModule", "set_weights",
                           {"netuid": 1, "dests": [0], "weights": [65535], "version_key": 0})
    xt = bytes(si.create_signed_extrinsic(call, keypair=alice).data.data)
    assert chain.query_info(xt, None)["partialFee"] == "0"
    before = chain.read("System", "Account", alice.public_key)["data"]["free"]
    tx = chain.submit(xt)
    receipt = ExtrinsicReceipt(si, extrinsic_hash="0x" + tx.hex(), block_hash="0x" + chain.produce_block().hex())
    assert receipt.is_success
    assert chain.read("System", "Account", alice.public_key)["data"]["free"] == before
    success = next(e.value for e in receipt.triggered_events if e.value["event_id"] == "ExtrinsicSuccess")
    assert success["attributes"]["dispatch_info"]["pays_fee"] == "No"


def test_validate_call_hook_rejects_at_submission(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, si = env
    call = si.compose_call("SubtensorModule", "add_stake", {
        "hotkey": Keypair.create_from_uri("//Hot").ss58_address, "netuid": 7, "amount_staked": 5})
    xt = bytes(si.create_signed_extrinsic(call, keypair=Keypair.create_from_uri("//Alice")).data.data)
    with pytest.raises(InvalidTransaction) as exc:
        chain.submit(xt)
    assert (exc.value.code, exc.value.message, exc.value.data) == (1010, "Invalid Transaction", "Custom error: 6")
