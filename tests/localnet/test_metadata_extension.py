"""The localnet runtime = spec 461 + RootClaimType (spec 462): the extension adds exactly that, decodably.

Checked with three independent decoders: our RuntimeMetadata (scalecodec V14), substrate-interface over a
real WebSocket, and bt-decode (V15, as async-substrate-interface/btcli read it).
"""

from __future__ import annotations

import struct
from typing import Any

import bt_decode
import pytest
from scalecodec.base import ScaleBytes
from scalecodec.utils.ss58 import ss58_encode
from substrateinterface import SubstrateInterface

from node.localnet.metadata import (
    ASSETS_METADATA,
    SPEC461_HEX,
    RuntimeMetadata,
    load_metadata,
    read_metadata_hex,
)
from node.localnet.metadata_extension import (
    EXTENDED_SPEC_VERSION,
    MetadataExtensionError,
    extend_metadata,
    extend_metadata_option,
    extending_metadata_at_version,
)
from node.localnet.subtensor.api_codec import V15_PATH
from node.scale_compact import decode_compact

pytestmark = pytest.mark.timeout(120)

KEEP_SUBNETS_1_5 = bytes([2, 2 << 2]) + struct.pack("<HH", 1, 5)  # KeepSubnets { subnets: {1, 5} }


@pytest.fixture(scope="module")
def base() -> RuntimeMetadata:
    return RuntimeMetadata(read_metadata_hex(ASSETS_METADATA / SPEC461_HEX))


def _v15(option: bytes) -> dict[str, Any]:
    value = bt_decode.MetadataV15.decode_from_metadata_option(option).value()
    assert isinstance(value, dict)
    return value


def _pallet(md: RuntimeMetadata, name: str) -> dict[str, Any]:
    p = md.pallet(name)
    return {"index": p.index, "storage": p.storage, "calls": p.calls, "events": p.events, "errors": p.errors,
            "constants": {k: v for k, v in p.constants.items() if (name, k) != ("System", "Version")}}


def test_v14_extension_adds_only_root_claim_type(base: RuntimeMetadata) -> None:
    ext = load_metadata()
    assert ext.version == {**base.version, "spec_version": EXTENDED_SPEC_VERSION}
    new_ids = set(ext.types) - set(base.types)
    assert len(new_ids) == 1 and all(ext.types[i] == base.types[i] for i in base.types)
    (enum_id,) = new_ids
    assert ext.types[enum_id]["path"] == ["pallet_subtensor", "pallet", "RootClaimTypeEnum"]
    variants = ext.types[enum_id]["def"]["variant"]["variants"]
    assert [(v["name"], v["index"]) for v in variants] == [("Swap", 0), ("Keep", 1), ("KeepSubnets", 2)]
    (subnets,) = variants[2]["fields"]
    assert subnets["name"] == "subnets" and ext.types[subnets["type"]]["path"] == ["BTreeSet"]
    assert ext.types[ext.types[subnets["type"]]["params"][0]["type"]]["path"] == ["subtensor_runtime_common",
                                                                                  "NetUid"]
    entry = ext.storage_entry("SubtensorModule", "RootClaimType")
    assert entry.hashers == ("Blake2_128Concat",) and entry.value_type == enum_id and not entry.optional
    assert ext.types[entry.key_types[0]]["path"] == ["sp_core", "crypto", "AccountId32"]
    assert ext.decode(entry.value_type, entry.default) == "Swap"  # ValueQuery default: RootClaimTypeEnum::Swap
    assert ext.decode(entry.value_type, KEEP_SUBNETS_1_5) == {"KeepSubnets": {"subnets": [1, 5]}}
    for name in base.pallets:
        want = _pallet(base, name)
        if name == "SubtensorModule":
            want["storage"] = {**want["storage"], "RootClaimType": entry}
        assert _pallet(ext, name) == want, name
    with pytest.raises(MetadataExtensionError, match="already"):
        extend_metadata(ext.raw)


def test_extension_refuses_other_runtimes_and_damaged_bytes(base: RuntimeMetadata) -> None:
    version = base.constant_raw("System", "Version")[1]
    other = version.replace(struct.pack("<I", 461), struct.pack("<I", 460), 1)
    with pytest.raises(MetadataExtensionError, match="applies to spec 461, got spec 460"):
        extend_metadata(base.raw.replace(version, other, 1))
    with pytest.raises(MetadataExtensionError, match="ends early"):
        extend_metadata(base.raw[: len(base.raw) // 2])
    with pytest.raises(MetadataExtensionError, match="V14/V15"):
        extend_metadata(b"meta\x0d" + base.raw[5:])


def test_v15_extension_decodes_with_bt_decode() -> None:
    option = bytes.fromhex(V15_PATH.read_text().strip().removeprefix("0x"))
    before, after = _v15(option), _v15(extend_metadata_option(option))
    assert after["apis"] == before["apis"] and after["outer_enums"] == before["outer_enums"]
    assert after["types"]["types"][:-1] == before["types"]["types"]
    enum = after["types"]["types"][-1]
    assert enum["type"]["path"] == ["pallet_subtensor", "pallet", "RootClaimTypeEnum"]
    entries = {e["name"]: e for p in after["pallets"] if p["name"] == "SubtensorModule"
               for e in p["storage"]["entries"]}
    assert entries["RootClaimType"]["ty"] == {"Map": {"hashers": ["Blake2_128Concat"], "key": 0, "value": enum["id"]}}
    registry = bt_decode.PortableRegistry.from_metadata_v15(
        bt_decode.MetadataV15.decode_from_metadata_option(extend_metadata_option(option)))
    decode = lambda data: bt_decode.decode(f"scale_info::{enum['id']}", registry, data)  # noqa: E731
    assert decode(KEEP_SUBNETS_1_5) == {"KeepSubnets": {"subnets": (((1,), (5,)),)}}  # NetUid newtypes
    assert decode(b"\x00") == {"Swap": ()} and decode(b"\x01") == {"Keep": ()}
    assert extend_metadata_option(b"\x00") == b"\x00"  # None (version not served) passes through


def test_metadata_at_version_wrapper_extends_v15_once() -> None:
    option = bytes.fromhex(V15_PATH.read_text().strip().removeprefix("0x"))

    def served(ctx: None, data: bytes) -> bytes:
        return option if data[:4] == struct.pack("<I", 15) else b"\x01\x00"

    wrapped = extending_metadata_at_version(served)
    v15 = wrapped(None, struct.pack("<I", 15))
    assert v15 == extend_metadata_option(option)
    assert wrapped(None, struct.pack("<I", 15)) is v15  # extended once, then reused
    assert wrapped(None, struct.pack("<I", 14)) == b"\x01\x00"  # V14 comes from the extended runtime as is
    assert extending_metadata_at_version(lambda ctx, data: v15)(None, struct.pack("<I", 15)) == v15  # idempotent


def test_localnet_serves_the_extended_runtime(localnet_url: str) -> None:
    substrate = SubstrateInterface(url=localnet_url)
    try:
        substrate.init_runtime()
        assert substrate.runtime_version == EXTENDED_SPEC_VERSION
        coldkey = ss58_encode(bytes(range(32)), 42)
        assert substrate.query("SubtensorModule", "RootClaimType", [coldkey]).value == "Swap"
        assert substrate.query_map("SubtensorModule", "RootClaimType").records == []  # nothing written
        raw = substrate.rpc_request("state_call", ["Metadata_metadata_at_version", "0x0f000000"])["result"]
        v15 = _v15(bytes.fromhex(raw[2:]))
        names = {e["name"] for p in v15["pallets"] if p["name"] == "SubtensorModule" for e in p["storage"]["entries"]}
        assert "RootClaimType" in names
        opaque = substrate.rpc_request("state_getMetadata", [])["result"]
        assert b"RootClaimType".hex() in opaque
        obj = substrate.runtime_config.create_scale_object(
            substrate.metadata.get_metadata_pallet("SubtensorModule").get_storage_function("RootClaimType")
            .get_value_type_string(), data=ScaleBytes(KEEP_SUBNETS_1_5))
        assert obj.decode() == {"KeepSubnets": {"subnets": [1, 5]}}
    finally:
        substrate.close()


def test_v15_option_length_prefix_is_rewritten() -> None:
    option = bytes.fromhex(V15_PATH.read_text().strip().removeprefix("0x"))
    extended = extend_metadata_option(option)
    length, offset = decode_compact(extended, 1, canonical=True)
    assert extended[0] == 1 and offset + length == len(extended) and extended[offset:offset + 4] == b"meta"
