"""The fast SCALE decoder/encoder against scalecodec: same values for every storage type of the metadata."""

from __future__ import annotations

import random
from typing import Any

import pytest
from scalecodec.base import ScaleBytes

from node.localnet.hashing import compact
from node.localnet.metadata import RuntimeMetadata, load_metadata
from node.localnet.scale_decode import FastDecoder, FastDecodeUnsupported
from node.localnet.scale_encode import encode_value


class Uninhabited(Exception):
    """An enum without variants (no value exists)."""


def random_encoding(md: RuntimeMetadata, type_id: int, rng: random.Random, depth: int = 0) -> bytes:
    """Valid SCALE bytes of a random value of `type_id` (short sequences, random variants)."""
    d = md.types[type_id]["def"]
    if "primitive" in d:
        p = d["primitive"]
        if p == "bool":
            return bytes([rng.randint(0, 1)])
        if p == "str":
            s = "".join(rng.choice("abcxyz") for _ in range(rng.randint(0, 5))).encode()
            return compact(len(s)) + s
        size = {"u8": 1, "u16": 2, "u32": 4, "u64": 8, "u128": 16, "u256": 32, "i8": 1, "i16": 2, "i32": 4,
                "i64": 8, "i128": 16}[p]
        return rng.randbytes(size)
    if "compact" in d:
        return compact(rng.choice([0, 1, 63, 64, 16383, 16384, 2**30 - 1, 2**30, 2**40, 2**63]))
    if "sequence" in d:
        n = 0 if depth > 3 else rng.randint(0, 3)
        return compact(n) + b"".join(random_encoding(md, d["sequence"]["type"], rng, depth + 1) for _ in range(n))
    if "array" in d:
        return b"".join(random_encoding(md, d["array"]["type"], rng, depth + 1) for _ in range(d["array"]["len"]))
    if "tuple" in d:
        return b"".join(random_encoding(md, t, rng, depth + 1) for t in d["tuple"])
    if "composite" in d:
        return b"".join(random_encoding(md, f["type"], rng, depth + 1) for f in d["composite"]["fields"])
    if "variant" in d:
        variants = d["variant"]["variants"]
        if depth > 4:  # prefer field-less variants deep down to bound recursion
            variants = [v for v in variants if not v["fields"]] or variants
        if not variants:
            raise Uninhabited(type_id)
        var = rng.choice(variants)
        return bytes([var["index"]]) + b"".join(
            random_encoding(md, f["type"], rng, depth + 1) for f in var["fields"])
    raise NotImplementedError(d)


def storage_types(md: RuntimeMetadata) -> list[int]:
    ids: set[int] = set()
    for pallet in md.pallets.values():
        for entry in pallet.storage.values():
            ids.add(entry.value_type)
            ids.update(entry.key_types)
        for ev in pallet.events.values():
            ids.update(t for _, t in ev.fields)
    return sorted(ids)


@pytest.mark.parametrize("chunk", range(4))
def test_fast_decoder_matches_scalecodec(chunk: int) -> None:
    md = load_metadata()
    fast = FastDecoder(md.types)
    ids = storage_types(md)[chunk::4]
    rng = random.Random(1234 + chunk)
    checked = 0
    for type_id in ids:
        for _ in range(6):
            try:
                data = random_encoding(md, type_id, rng)
            except Uninhabited:
                break
            try:
                expected = md.rc.create_scale_object(f"scale_info::{type_id}", data=ScaleBytes(data)).decode()
            except Exception:
                continue
            try:
                got = fast.decode(type_id, data)
            except FastDecodeUnsupported:
                break
            assert _norm(got) == _norm(expected), (type_id, md.types[type_id]["path"], data.hex())
            # and our encoder turns the value back into the same bytes
            assert encode_value(md.types, type_id, got) == data, (type_id, md.types[type_id]["path"])
            checked += 1
    assert checked > len(ids)


def _norm(v: Any) -> Any:
    if isinstance(v, tuple | list):
        return [_norm(x) for x in v]
    if isinstance(v, dict):
        return {k: _norm(x) for k, x in v.items()}
    return v


@pytest.mark.parametrize(("pallet", "name", "args"), [
    ("Timestamp", "set", {"now": 1795378073110}),
    ("Balances", "transfer_keep_alive", {"dest": "0x" + "11" * 32, "value": 10**12}),
    ("SubtensorModule", "add_stake", {"hotkey": "0x" + "22" * 32, "netuid": 3, "amount_staked": 5}),
    ("Utility", "batch", {"calls": [{"call_module": "System", "call_function": "remark",
                                     "call_args": {"remark": "0x01"}}]}),
])
def test_call_encoding_matches_scalecodec(pallet: str, name: str, args: dict[str, Any]) -> None:
    md = load_metadata()
    obj = md.rc.create_scale_object("Call", metadata=md.scale_obj)
    expected = bytes(obj.encode({"call_module": pallet, "call_function": name, "call_args": args}).data)
    assert md.encode_call(pallet, name, args) == expected
    decoded, end = md.decode_call(expected)
    assert end == len(expected) and decoded["call_function"] == name
