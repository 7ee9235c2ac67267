"""Offline chain-client pieces against the real metadata blobs: calls, eras, extrinsics, errors."""

from __future__ import annotations

import pytest
import sr25519
from hypothesis import given, settings
from hypothesis import strategies as st
from scalecodec.base import RuntimeConfigurationObject, ScaleBytes
from scalecodec.type_registry import load_type_registry_preset

from node.client.era import MortalEra
from node.client.errors import explain_dispatch_error, rejection_from_rpc
from node.client.extrinsic import (
    CryptoScheme,
    ExternalSigner,
    SigningContext,
    bytes_to_sign,
    extrinsic_hash,
    sign_extrinsic,
    signing_payload,
)
from node.client.runtime import Runtime, RuntimeMetadataError

DEST = bytes.fromhex("8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48")  # //Bob
PUB, PRIV = sr25519.pair_from_seed(bytes(range(32)))
SIGNER = ExternalSigner(PUB, CryptoScheme.SR25519, lambda msg: sr25519.sign((PUB, PRIV), msg))


def _ctx(runtime: Runtime, nonce: int = 7, block: int = 100) -> SigningContext:
    return SigningContext(
        genesis_hash=b"\x11" * 32, spec_version=runtime.spec_version,
        transaction_version=runtime.transaction_version, nonce=nonce, era=MortalEra.at(block),
        era_block_number=block, era_block_hash=b"\x22" * 32,
    )


def test_runtime_identity_from_metadata(runtime461: Runtime, runtime343: Runtime) -> None:
    assert (runtime461.spec_name, runtime461.spec_version, runtime461.transaction_version) == ("node-subtensor", 461, 1)
    assert runtime343.spec_version == 343
    assert runtime461.constant("Balances", "ExistentialDeposit") == 500


def test_compose_calls_by_name(runtime461: Runtime) -> None:
    call = runtime461.compose_call("Balances", "transfer_keep_alive", {"dest": "0x" + DEST.hex(), "value": 10**9})
    assert call[:2] == bytes.fromhex("0503") and call[2] == 0 and call[3:35] == DEST
    stake = runtime461.compose_call(
        "SubtensorModule", "add_stake", {"hotkey": "0x" + DEST.hex(), "netuid": 3, "amount_staked": 5}
    )
    assert stake == bytes.fromhex("0702") + DEST + (3).to_bytes(2, "little") + (5).to_bytes(8, "little")
    decoded = runtime461.decode_call(call)
    assert (decoded.pallet, decoded.function) == ("Balances", "transfer_keep_alive")
    assert decoded.args[1].value == 10**9 and "value=1000000000" in decoded.summary()


@pytest.mark.parametrize(
    ("pallet", "function", "args", "needle"),
    [
        ("Nope", "x", {}, "pallet 'Nope' does not exist"),
        ("Balances", "teleport", {}, "call Balances.teleport does not exist"),
        ("Balances", "transfer_keep_alive", {"dest": "0x" + DEST.hex()}, "missing value"),
        ("Balances", "transfer_keep_alive", {"dest": "0x" + DEST.hex(), "value": 1, "x": 2}, "unexpected x"),
    ],
)
def test_compose_call_errors_name_the_problem(
    runtime461: Runtime, pallet: str, function: str, args: dict[str, object], needle: str
) -> None:
    with pytest.raises(RuntimeMetadataError, match=needle):
        runtime461.compose_call(pallet, function, args)


def test_decode_call_rejects_garbage_and_trailing_bytes(runtime461: Runtime) -> None:
    call = runtime461.compose_call("Balances", "transfer_keep_alive", {"dest": "0x" + DEST.hex(), "value": 1})
    with pytest.raises(RuntimeMetadataError, match=r"do not decode|trailing"):
        runtime461.decode_call(call + b"\x00")
    with pytest.raises(RuntimeMetadataError):
        runtime461.decode_call(b"\xff\xff")


_ERA_CONFIG = RuntimeConfigurationObject()
_ERA_CONFIG.update_type_registry(load_type_registry_preset("core"))


@given(st.integers(0, 10**7), st.sampled_from([4, 16, 64, 100, 256, 4096, 65536]))
@settings(max_examples=60, deadline=None)
def test_mortal_era_matches_scalecodec(current: int, period: int) -> None:
    reference = _ERA_CONFIG.create_scale_object("Era")
    reference.encode({"period": period, "current": current})
    era = MortalEra.at(current, period)
    assert era.encode() == bytes(reference.data.data)
    assert era.birth(current) == reference.birth(current)
    assert MortalEra.decode(era.encode()) == era
    assert era.birth(current) <= current < era.death(current)


@pytest.mark.parametrize("which", ["runtime461", "runtime343"])
def test_signed_extrinsic_decodes_and_verifies(which: str, request: pytest.FixtureRequest) -> None:
    runtime: Runtime = request.getfixturevalue(which)
    call = runtime.compose_call("Balances", "transfer_keep_alive", {"dest": "0x" + DEST.hex(), "value": 123})
    ctx = _ctx(runtime)
    extrinsic = sign_extrinsic(runtime, call, ctx, SIGNER)
    obj = runtime.config.create_scale_object("Extrinsic", data=ScaleBytes(bytearray(extrinsic)), metadata=runtime.metadata)
    value = obj.decode()
    assert value["address"] == "0x" + PUB.hex()
    assert value["nonce"] == 7 and value["tip"] == 0 and value["mode"] == {"mode": "Disabled"}
    assert value["call"]["call_function"] == "transfer_keep_alive"
    assert value["extrinsic_hash"] == "0x" + extrinsic_hash(extrinsic).hex()
    payload = signing_payload(runtime, call, ctx)
    # call ++ era ++ nonce ++ tip ++ mode ++ spec ++ tx ++ genesis ++ era block ++ no metadata hash
    assert payload.endswith(runtime.spec_version.to_bytes(4, "little") + (1).to_bytes(4, "little")
                            + b"\x11" * 32 + b"\x22" * 32 + b"\x00")
    signature = bytes.fromhex(value["signature"]["Sr25519"][2:])
    assert sr25519.verify(signature, bytes_to_sign(payload), PUB)


def test_long_payload_is_signed_as_its_hash(runtime461: Runtime) -> None:
    call = runtime461.compose_call("System", "remark", {"remark": "0x" + "ab" * 300})
    payload = signing_payload(runtime461, call, _ctx(runtime461))
    assert len(payload) > 256 and len(bytes_to_sign(payload)) == 32
    short = runtime461.compose_call("System", "remark", {"remark": "0x01"})
    assert bytes_to_sign(signing_payload(runtime461, short, _ctx(runtime461))) == signing_payload(
        runtime461, short, _ctx(runtime461)
    )


def test_signature_commits_to_nonce_and_genesis(runtime461: Runtime) -> None:
    call = runtime461.compose_call("System", "remark", {"remark": "0x01"})
    base = signing_payload(runtime461, call, _ctx(runtime461, nonce=1))
    assert base != signing_payload(runtime461, call, _ctx(runtime461, nonce=2))
    other = SigningContext(b"\x33" * 32, 461, 1, 1, MortalEra.at(100), 100, b"\x22" * 32)
    assert base != signing_payload(runtime461, call, other)


def test_dispatch_errors_in_plain_words(runtime461: Runtime) -> None:
    info = explain_dispatch_error(runtime461, {"Module": {"index": 5, "error": "0x02000000"}})
    assert (info.pallet, info.name) == ("Balances", "InsufficientBalance")
    assert "Balance too low" in info.docs and "send less" in info.hint
    token = explain_dispatch_error(runtime461, {"Token": "FundsUnavailable"})
    assert token.name == "FundsUnavailable" and "fund" in token.hint
    assert explain_dispatch_error(runtime461, "BadOrigin").hint


def test_rpc_rejections_get_hints() -> None:
    err = rejection_from_rpc({"code": 1010, "message": "Invalid Transaction",
                              "data": "Inability to pay some fees (e.g. account balance too low)"})
    assert err.code == 1010 and "fee" in err.hint
    stale = rejection_from_rpc({"code": 1010, "message": "Invalid Transaction", "data": "Transaction is outdated"})
    assert "nonce" in stale.hint


def test_future_signed_extensions(runtime461: Runtime) -> None:
    """A new marker extension (no data) is accepted; a new one carrying data is refused by name."""
    import copy

    from node.client.extrinsic import UnsupportedExtensionError
    from node.client.runtime import SignedExtensionInfo

    call = runtime461.compose_call("System", "remark", {"remark": "0x01"})
    base = signing_payload(runtime461, call, _ctx(runtime461))
    marker_type = next(e for e in runtime461.signed_extensions if e.identifier == "DrandPriority")
    with_marker = copy.copy(runtime461)
    with_marker.signed_extensions = (
        *runtime461.signed_extensions, SignedExtensionInfo("FutureMarker", marker_type.extra_type, marker_type.additional_type)
    )
    assert signing_payload(with_marker, call, _ctx(runtime461)) == base
    nonce_type = next(e for e in runtime461.signed_extensions if e.identifier == "CheckNonce")
    with_data = copy.copy(runtime461)
    with_data.signed_extensions = (
        *runtime461.signed_extensions, SignedExtensionInfo("FutureFee", nonce_type.extra_type, nonce_type.additional_type)
    )
    with pytest.raises(UnsupportedExtensionError, match="FutureFee"):
        signing_payload(with_data, call, _ctx(runtime461))
