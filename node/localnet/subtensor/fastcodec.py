"""Fast storage access for the subtensor pallets: struct-based codecs for the simple value shapes.

Most subtensor storage values are integers, bools, accounts, vectors of those, or small structs of
integers (SafeFloat, fixed-point bits, the balancer weight). Decoding them through scalecodec costs
~100 us each; these codecs do it in ~1 us and produce the same python values (accounts as '0x' hex).
Anything else falls back to the framework's metadata codec.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from node.localnet.hashing import compact, decode_compact
from node.localnet.metadata import RuntimeMetadata
from node.localnet.runtime.state import State, encode_fast

_PRIM = {"u8": "<B", "u16": "<H", "u32": "<I", "u64": "<Q", "i8": "<b", "i16": "<h", "i32": "<i", "i64": "<q"}
_WIDE = {"u128": (16, False), "i128": (16, True)}

Decoder = Callable[[bytes, int], tuple[Any, int]]
Encoder = Callable[[Any], bytes]
_CACHE: dict[tuple[int, int], tuple[Decoder, Encoder] | None] = {}


def _prim(name: str) -> tuple[Decoder, Encoder] | None:
    if name in _PRIM:
        st = struct.Struct(_PRIM[name])

        def dec(b: bytes, o: int) -> tuple[Any, int]:
            return st.unpack_from(b, o)[0], o + st.size

        return dec, lambda v: st.pack(int(v))
    if name in _WIDE:
        size, signed = _WIDE[name]

        def decw(b: bytes, o: int) -> tuple[Any, int]:
            return int.from_bytes(b[o:o + size], "little", signed=signed), o + size

        return decw, lambda v: int(v).to_bytes(size, "little", signed=signed)
    if name == "bool":
        return (lambda b, o: (b[o] == 1, o + 1)), (lambda v: b"\x01" if v else b"\x00")
    return None


def _build(md: RuntimeMetadata, type_id: int, depth: int = 0) -> tuple[Decoder, Encoder] | None:
    if depth > 4:
        return None
    d = md.types[type_id]["def"]
    if "primitive" in d:
        return _prim(d["primitive"])
    if "array" in d:
        inner = md.types[d["array"]["type"]]["def"]
        n = int(d["array"]["len"])
        if inner.get("primitive") == "u8":
            return ((lambda b, o: ("0x" + b[o:o + n].hex(), o + n)),
                    (lambda v: bytes(v) if isinstance(v, bytes | bytearray) else bytes.fromhex(v[2:])))
        return None
    if "compact" in d:
        return decode_compact, lambda v: compact(int(v))
    if "composite" in d:
        fields = d["composite"]["fields"]
        if len(fields) == 1 and fields[0].get("name") is None:
            return _build(md, fields[0]["type"], depth + 1)
        parts = [(f.get("name"), _build(md, f["type"], depth + 1)) for f in fields]
        if not parts or any(p is None or n is None for n, p in parts):
            return None
        names = [str(n) for n, _ in parts]
        codecs = [p for _, p in parts if p is not None]

        def decs(b: bytes, o: int) -> tuple[Any, int]:
            out = {}
            for name, (dec, _) in zip(names, codecs, strict=True):
                out[name], o = dec(b, o)
            return out, o

        def encs(v: Any) -> bytes:
            return b"".join(enc(v[name]) for name, (_, enc) in zip(names, codecs, strict=True))

        return decs, encs
    if "sequence" in d:
        if md.types[d["sequence"]["type"]]["def"].get("primitive") == "u8":
            return None  # scalecodec decodes byte vectors to str/hex: keep its format
        bulk = _bulk_sequence(md, d["sequence"]["type"])
        if bulk is not None:
            return bulk
        elem = _build(md, d["sequence"]["type"], depth + 1)
        if elem is None:
            return None
        edec, eenc = elem

        def decv(b: bytes, o: int) -> tuple[Any, int]:
            n, o = decode_compact(b, o)
            out = []
            for _ in range(n):
                x, o = edec(b, o)
                out.append(x)
            return out, o

        return decv, lambda v: compact(len(v)) + b"".join(eenc(x) for x in v)
    if "tuple" in d:
        elems = [_build(md, t, depth + 1) for t in d["tuple"]]
        if any(e is None for e in elems):
            return None
        items = [e for e in elems if e is not None]

        def dect(b: bytes, o: int) -> tuple[Any, int]:
            out = []
            for dec, _ in items:
                x, o = dec(b, o)
                out.append(x)
            return tuple(out), o

        return dect, lambda v: b"".join(enc(x) for (_, enc), x in zip(items, v, strict=True))
    return None


def _flat_prims(md: RuntimeMetadata, type_id: int) -> list[str] | None:
    """Primitive names of a type made only of fixed-size primitives (through newtypes/tuples)."""
    d = md.types[type_id]["def"]
    if "primitive" in d:
        return [d["primitive"]] if d["primitive"] in _PRIM or d["primitive"] == "bool" else None
    if "composite" in d and len(d["composite"]["fields"]) == 1 and d["composite"]["fields"][0].get("name") is None:
        return _flat_prims(md, d["composite"]["fields"][0]["type"])
    if d.get("tuple"):
        out: list[str] = []
        for t in d["tuple"]:
            sub = _flat_prims(md, t)
            if sub is None or len(sub) != 1:
                return None
            out += sub
        return out
    return None


def _bulk_sequence(md: RuntimeMetadata, elem_type: int) -> tuple[Decoder, Encoder] | None:
    """Vec<u16>, Vec<u64>, Vec<bool>, Vec<(u16, u16)>...: one struct call for the whole vector."""
    prims = _flat_prims(md, elem_type)
    if prims is None:
        return None
    fmt = "".join("?" if p == "bool" else _PRIM[p][1] for p in prims)
    st = struct.Struct("<" + fmt)
    is_tuple = "tuple" in md.types[elem_type]["def"]

    def dec(b: bytes, o: int) -> tuple[Any, int]:
        n, o = decode_compact(b, o)
        end = o + n * st.size
        items = st.iter_unpack(b[o:end]) if n else iter(())
        out = list(items) if is_tuple else [x[0] for x in items]
        return out, end

    def enc(v: Any) -> bytes:
        body = b"".join(st.pack(*x) for x in v) if is_tuple else struct.pack("<" + fmt * len(v), *v)
        return compact(len(v)) + body

    return dec, enc


def codec_for(md: RuntimeMetadata, type_id: int) -> tuple[Decoder, Encoder] | None:
    """Fast (decoder, encoder) for a type, or None when it needs the metadata codec."""
    key = (id(md), type_id)
    if key not in _CACHE:
        _CACHE[key] = _build(md, type_id)
    return _CACHE[key]


_KEYS: dict[tuple[Any, ...], bytes] = {}


def fkey(state: State, pallet: str, item: str, *keys: Any) -> bytes:
    """`State.key` with a process-wide cache (storage keys do not depend on the state)."""
    ck = (id(state.md), pallet, item, *[bytes(k) if isinstance(k, bytearray) else k for k in keys])
    try:
        return _KEYS[ck]
    except KeyError:
        pass
    except TypeError:  # unhashable key value
        return state.key(pallet, item, *keys)
    if len(_KEYS) > 200_000:
        _KEYS.clear()
    out = _KEYS[ck] = state.key(pallet, item, *keys)
    return out


def fget(state: State, pallet: str, item: str, *keys: Any) -> Any:
    """Like `State.get` (metadata default when absent, None for absent Optional) but fast."""
    entry = state.md.storage_entry(pallet, item)
    raw = state.get_raw(fkey(state, pallet, item, *keys))
    if raw is None:
        if entry.optional:
            return None
        raw = entry.default
    codec = codec_for(state.md, entry.value_type)
    if codec is None:
        return state.md.decode(entry.value_type, raw)
    return codec[0](raw, 0)[0]


def fset(state: State, pallet: str, item: str, *keys: Any, value: Any) -> None:
    """Like `State.set` but with the fast encoders."""
    entry = state.md.storage_entry(pallet, item)
    codec = codec_for(state.md, entry.value_type)
    raw = codec[1](value) if codec is not None else encode_fast(state.md, entry.value_type, value)
    state.set_raw(fkey(state, pallet, item, *keys), raw)


def fiter_prefix(state: State, pallet: str, item: str, *keys: Any) -> list[tuple[tuple[Any, ...], Any]]:
    """Like `State.iter_prefix` (all map keys, value) with the fast value decoders."""
    entry = state.md.storage_entry(pallet, item)
    codec = codec_for(state.md, entry.value_type)
    out = []
    for full in list(state.keys_raw(state.key(pallet, item, *keys))):
        raw = state.get_raw(full)
        if raw is None:
            continue
        value = codec[0](raw, 0)[0] if codec is not None else state.md.decode(entry.value_type, raw)
        out.append((state.decode_key(entry, full), value))
    return out


def fexists(state: State, pallet: str, item: str, *keys: Any) -> bool:
    """Like `State.exists` with the cached key."""
    return state.get_raw(fkey(state, pallet, item, *keys)) is not None


def fremove(state: State, pallet: str, item: str, *keys: Any) -> None:
    """Like `State.remove` with the cached key."""
    state.remove_raw(fkey(state, pallet, item, *keys))
