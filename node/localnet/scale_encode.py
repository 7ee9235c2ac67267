"""A small metadata-driven SCALE encoder for python values in scalecodec's value format.

Faster than scalecodec for the localnet's hot paths, and symmetric with what scalecodec *decodes*
(scalecodec's own encoder wants newtype-wrapped vectors such as BoundedVec as ``[[...]]``).
"""

from __future__ import annotations

import struct
from typing import Any

from node.localnet.hashing import compact

_INT = {"u8": (1, False), "u16": (2, False), "u32": (4, False), "u64": (8, False), "u128": (16, False),
        "u256": (32, False), "i8": (1, True), "i16": (2, True), "i32": (4, True), "i64": (8, True),
        "i128": (16, True)}


class ScaleEncodeError(ValueError):
    """The value does not fit the type."""


def encode_value(types: dict[int, dict[str, Any]], type_id: int, value: Any) -> bytes:
    """Encode `value` as portable-registry type `type_id`."""
    ty = types[type_id]
    d = ty["def"]
    if ty.get("path") in (["primitive_types", "U256"], ["primitive_types", "U512"]) and isinstance(value, int):
        return value.to_bytes(32 if ty["path"][-1] == "U256" else 64, "little")
    if "primitive" in d:
        return _primitive(d["primitive"], value)
    if "compact" in d:
        inner = value
        while isinstance(inner, dict) and len(inner) == 1:
            inner = next(iter(inner.values()))
        return compact(int(inner))
    if "sequence" in d:
        elem = d["sequence"]["type"]
        if isinstance(value, bytes | bytearray | str) and _is_u8(types, elem):
            raw = _bytes(value)
            return compact(len(raw)) + raw
        return compact(len(value)) + b"".join(encode_value(types, elem, v) for v in value)
    if "array" in d:
        elem = d["array"]["type"]
        n = int(d["array"]["len"])
        if _is_u8(types, elem) and isinstance(value, bytes | bytearray | str):
            raw = _bytes(value)
            if len(raw) != n:
                raise ScaleEncodeError(f"expected {n} bytes, got {len(raw)}")
            return raw
        if len(value) != n:
            raise ScaleEncodeError(f"expected {n} elements")
        return b"".join(encode_value(types, elem, v) for v in value)
    if "tuple" in d:
        ids = d["tuple"]
        if not ids:
            return b""
        if len(ids) == 1 and not isinstance(value, list | tuple):
            value = [value]
        return b"".join(encode_value(types, t, v) for t, v in zip(ids, value, strict=True))
    if "composite" in d:
        fields = d["composite"]["fields"]
        if not fields:
            return b""
        if len(fields) == 1 and (fields[0]["name"] is None or not isinstance(value, dict)):
            return encode_value(types, fields[0]["type"], value)
        if fields[0]["name"] is None:
            return b"".join(encode_value(types, f["type"], v) for f, v in zip(fields, value, strict=True))
        return b"".join(encode_value(types, f["type"], value[f["name"]]) for f in fields)
    if "variant" in d:
        return _variant(types, ty, d["variant"]["variants"], value)
    if "bitsequence" in d:
        raise ScaleEncodeError("bit sequences are not supported")
    raise ScaleEncodeError(f"unsupported type {type_id}")


def _variant(types: dict[int, dict[str, Any]], ty: dict[str, Any], variants: list[dict[str, Any]],
             value: Any) -> bytes:
    path = ty.get("path") or []
    if path == ["Option"]:
        if value is None:
            return b"\x00"
        some = next(v for v in variants if v["name"] == "Some")
        return b"\x01" + encode_value(types, some["fields"][0]["type"], value)
    inner: Any
    if isinstance(value, str):
        name, inner = value, None
    elif isinstance(value, dict) and len(value) == 1:
        (name, inner), = value.items()
    else:
        raise ScaleEncodeError(f"enum value must be 'Variant' or {{'Variant': value}}, got {value!r}")
    var = next((v for v in variants if v["name"] == name), None)
    if var is None:
        raise ScaleEncodeError(f"unknown variant {name!r}")
    fields = var["fields"]
    out = bytes([var["index"]])
    if not fields:
        return out
    if len(fields) == 1 and (fields[0]["name"] is None or not isinstance(inner, dict)):
        return out + encode_value(types, fields[0]["type"], inner)
    if fields[0]["name"] is None:
        return out + b"".join(encode_value(types, f["type"], v) for f, v in zip(fields, inner, strict=True))
    return out + b"".join(encode_value(types, f["type"], inner[f["name"]]) for f in fields)


def _primitive(prim: str, value: Any) -> bytes:
    if prim in _INT:
        size, signed = _INT[prim]
        return int(value).to_bytes(size, "little", signed=signed)
    if prim == "bool":
        return b"\x01" if value else b"\x00"
    if prim == "str":
        raw = value.encode() if isinstance(value, str) else bytes(value)
        return compact(len(raw)) + raw
    if prim == "char":
        return struct.pack("<I", ord(value))
    raise ScaleEncodeError(f"unsupported primitive {prim}")


def _is_u8(types: dict[int, dict[str, Any]], type_id: int) -> bool:
    return bool(types[type_id]["def"].get("primitive") == "u8")


def _bytes(value: bytes | bytearray | str) -> bytes:
    if isinstance(value, str):
        if value.startswith("0x"):
            return bytes.fromhex(value[2:])
        try:
            from scalecodec.utils.ss58 import ss58_decode

            return bytes.fromhex(ss58_decode(value))
        except Exception:  # a plain string is its UTF-8 bytes
            return value.encode()
    return bytes(value)
