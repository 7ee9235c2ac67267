"""Headers: SCALE encoding and hash as Substrate (checked with scalecodec/substrate-interface), roots."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from scalecodec.base import ScaleBytes

from node.localnet.chain import Chain
from node.localnet.hashing import blake2_256
from node.localnet.header import DIGEST_CONSENSUS, DIGEST_OTHER, DIGEST_PRE_RUNTIME, DIGEST_SEAL, Header
from node.localnet.metadata_extension import EXTENDED_SPEC_VERSION
from node.trie import ordered_trie_root
from tests.localnet.test_chain_rpcshim import shim_interface


@pytest.fixture(scope="module")
def chain() -> Iterator[Chain]:
    c = Chain(None)
    c.produce_blocks(3)
    yield c
    c.close()


def test_header_decodes_with_scalecodec_and_hash_matches(chain: Chain) -> None:
    si = shim_interface(chain)
    si.init_runtime()
    header = chain.header(chain.best_hash)
    assert header is not None
    digest = chain.md.type_by_path("sp_runtime", "generic", "digest", "Digest")
    si.runtime_config.update_type_registry({"types": {"LocalnetTestHeader": {"type": "struct", "type_mapping": [
        ["parent_hash", "H256"], ["number", "Compact<u32>"], ["state_root", "H256"],
        ["extrinsics_root", "H256"], ["digest", f"scale_info::{digest}"]]}}})
    obj = si.runtime_config.create_scale_object("LocalnetTestHeader", data=ScaleBytes(header.encode()))
    value = obj.decode()
    assert value["parent_hash"] == "0x" + header.parent_hash.hex()
    assert value["number"] == 3
    assert value["state_root"] == "0x" + header.state_root.hex()
    assert value["extrinsics_root"] == "0x" + header.extrinsics_root.hex()
    logs = value["digest"]["logs"]
    assert len(logs) == 1 and "PreRuntime" in logs[0]
    assert chain.best_hash == blake2_256(header.encode()) == header.hash()
    # substrate-interface reads the header over "RPC" and recomputes nothing: the chain links by hash
    got = si.get_block_header(block_hash="0x" + chain.best_hash.hex())["header"]
    assert got["number"] == 3
    assert got["parentHash"] == "0x" + chain.block_hash(2).hex()  # type: ignore[union-attr]
    assert Header.decode(header.encode()) == header


def test_digest_indices_match_metadata(chain: Chain) -> None:
    digest_item = chain.md.type_by_path("sp_runtime", "generic", "digest", "DigestItem")
    variants = {v["name"]: v["index"] for v in chain.md.types[digest_item]["def"]["variant"]["variants"]}
    assert variants["PreRuntime"] == DIGEST_PRE_RUNTIME
    assert variants["Consensus"] == DIGEST_CONSENSUS
    assert variants["Seal"] == DIGEST_SEAL
    assert variants["Other"] == DIGEST_OTHER


def test_extrinsics_root_and_timestamp_inherent(chain: Chain) -> None:
    got = chain.block(chain.best_hash)
    assert got is not None
    header, xts = got
    assert header.extrinsics_root == ordered_trie_root(xts)
    assert len(xts) == 1  # the Timestamp.set inherent only
    call, _ = chain.md.decode_call(xts[0], 2)  # 1-byte length prefix + version byte
    assert (call["call_module"], call["call_function"]) == ("Timestamp", "set")
    now = chain.read("Timestamp", "Now")
    assert call["call_args"][0]["value"] == now
    slot = chain.read("Aura", "CurrentSlot")
    assert header.digest[0].data == slot.to_bytes(8, "little")


def test_system_bookkeeping(chain: Chain) -> None:
    assert chain.read("System", "Number") == 3
    assert chain.read("System", "ParentHash") == "0x" + chain.block_hash(2).hex()  # type: ignore[union-attr]
    assert chain.read("System", "BlockHash", 0) == "0x" + chain.genesis_hash.hex()
    assert chain.read("System", "BlockHash", 2) == "0x" + chain.block_hash(2).hex()  # type: ignore[union-attr]
    assert chain.read("System", "ExtrinsicCount") is None  # taken at finalize, as frame_system does
    assert chain.read("System", "EventCount") == 1
    events = chain.read("System", "Events")
    assert events[0]["phase"] == "ApplyExtrinsic" and events[0]["event"]["event_id"] == "ExtrinsicSuccess"
    assert chain.read("System", "LastRuntimeUpgrade") == {"spec_version": EXTENDED_SPEC_VERSION, "spec_name": "node-subtensor"}
    digest = chain.read("System", "Digest")
    assert len(digest["logs"]) == 1
    material = chain.read("RandomnessCollectiveFlip", "RandomMaterial")
    assert material == ["0x" + chain.block_hash(n).hex() for n in range(3)]  # type: ignore[union-attr]


def test_timestamps_and_slots_strictly_increase(chain: Chain) -> None:
    times = [chain.read("Timestamp", "Now", at=chain.block_hash(n)) for n in (1, 2, 3)]
    assert times[0] < times[1] < times[2]
    assert all(b - a >= chain.runtime.slot_duration_ms for a, b in itertools.pairwise(times))


def test_genesis_is_deterministic() -> None:
    a, b = Chain(None), Chain(None)
    assert a.genesis_hash == b.genesis_hash
    g = a.header(a.genesis_hash)
    assert g is not None and g.number == 0 and g.parent_hash == bytes(32)
    assert a.read("System", "BlockHash", 0) == "0x" + bytes([69] * 32).hex()
    a.close()
    b.close()


def test_runtime_version_from_metadata(chain: Chain) -> None:
    v = chain.runtime_version()
    assert v["specName"] == "node-subtensor" and v["specVersion"] == EXTENDED_SPEC_VERSION and v["transactionVersion"] == 1
    assert v["stateVersion"] == 1
    ids = dict(v["apis"])
    import hashlib

    def api_id(name: str) -> str:
        return "0x" + hashlib.blake2b(name.encode(), digest_size=8).hexdigest()

    from node.localnet.runtime.apis import KNOWN_RUNTIME_APIS
    from node.localnet.runtime.apis import api_id as runtime_api_id

    for name in KNOWN_RUNTIME_APIS:
        assert "0x" + runtime_api_id(name).hex() in ids, name
    assert ids[api_id("Core")] == 5 and ids[api_id("SubnetInfoRuntimeApi")] == 2
    assert api_id("Metadata") in ids and api_id("TransactionPaymentApi") in ids
    assert api_id("AccountNonceApi") in ids and api_id("BlockBuilder") in ids
    assert chain.properties == {"ss58Format": 42, "tokenDecimals": 9, "tokenSymbol": "TAO"}
