"""A fast metadata-driven SCALE decoder producing scalecodec's value format.

scalecodec builds a Python object per nested value (~30-60 µs for a small struct); storage-heavy pallet
logic decodes thousands of values per block, so State uses this decoder. Its output equals scalecodec's
(accounts, hashes and byte vectors as "0x.." hex, unit variants as "Name", other variants as
{"Name": value}, Option as None/value, tuples as tuples, single-field newtypes unwrapped); a differential
test in tests/localnet/test_runtime_codec.py checks every storage value type of the metadata against
scalecodec on random inputs. Types it does not handle raise :class:`FastDecodeUnsupported` so callers
fall back to scalecodec.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from node.localnet.hashing import decode_compact

Decoder = Callable[[bytes, int], tuple[Any, int]]

_INTS = {"u8": (1, False), "u16": (2, False), "u32": (4, False), "u64": (8, False), "u128": (16, False),
         "u256": (32, False), "i8": (1, True), "i16": (2, True), "i32": (4, True), "i64": (8, True),
         "i128": (16, True)}


class FastDecodeUnsupported(Exception):
    """This type's scalecodec value format is not reproduced; use scalecodec."""


class FastDecodeError(ValueError):
    """Input bytes do not decode as the type (truncated, bad variant index, ...)."""


class FastDecoder:
    """Compiles per-type decode closures from a portable type registry (lazily, cached)."""

    def __init__(self, types: dict[int, dict[str, Any]]) -> None:
        self.types = types
        self._cache: dict[int, Decoder] = {}
        self._unsupported: set[int] = set()

    def decode(self, type_id: int, data: bytes) -> Any:
        """Decode all of `data` as `type_id`.

        Raises:
            FastDecodeUnsupported: use scalecodec instead. FastDecodeError: malformed/trailing input.
        """
        value, end = self.decoder(type_id)(data, 0)
        if end != len(data):
            raise FastDecodeError(f"{len(data) - end} trailing bytes")
        return value

    def decoder(self, type_id: int) -> Decoder:
        """The compiled decoder of `type_id`."""
        if type_id in self._unsupported:
            raise FastDecodeUnsupported(type_id)
        fn = self._cache.get(type_id)
        if fn is None:
            # placeholder for recursive types: resolved at call time through the cache
            self._cache[type_id] = lambda d, o, t=type_id: self._cache[t](d, o)  # type: ignore[misc]
            try:
                fn = self._compile(type_id)
            except FastDecodeUnsupported:
                del self._cache[type_id]
                self._unsupported.add(type_id)
                raise
            self._cache[type_id] = fn
        return fn

    def _is_u8(self, type_id: int) -> bool:
        return bool(self.types[type_id]["def"].get("primitive") == "u8")

    def _compile(self, type_id: int) -> Decoder:
        ty = self.types[type_id]
        d = ty["def"]
        path = ty.get("path") or []
        if path in (["primitive_types", "U256"], ["primitive_types", "U512"]):
            size = 32 if path[-1] == "U256" else 64

            def dec_big(data: bytes, off: int) -> tuple[Any, int]:
                end = off + size
                if end > len(data):
                    raise FastDecodeError("truncated big integer")
                return int.from_bytes(data[off:end], "little"), end
            return dec_big
        if "primitive" in d:
            return _primitive(d["primitive"])
        if "compact" in d:
            def dec_compact(data: bytes, off: int) -> tuple[Any, int]:
                try:
                    return decode_compact(data, off)
                except ValueError as exc:
                    raise FastDecodeError(str(exc)) from None
            return dec_compact
        if "sequence" in d:
            elem_id = d["sequence"]["type"]
            if self._is_u8(elem_id):
                def dec_bytes(data: bytes, off: int) -> tuple[Any, int]:
                    n, off = _compact(data, off)
                    end = off + n
                    if end > len(data):
                        raise FastDecodeError("truncated byte vector")
                    raw = data[off:end]
                    try:  # scalecodec's Bytes: text when it is valid UTF-8, else hex
                        return raw.decode(), end
                    except UnicodeDecodeError:
                        return "0x" + raw.hex(), end
                return dec_bytes
            elem = self.decoder(elem_id)

            def dec_seq(data: bytes, off: int) -> tuple[Any, int]:
                n, off = _compact(data, off)
                if n > len(data) - off and n > 0 and not _zero_sized(self, elem_id):
                    raise FastDecodeError("sequence longer than input")
                out = []
                for _ in range(n):
                    v, off = elem(data, off)
                    out.append(v)
                return out, off
            return dec_seq
        if "array" in d:
            n = int(d["array"]["len"])
            elem_id = d["array"]["type"]
            if self._is_u8(elem_id):
                def dec_arr_bytes(data: bytes, off: int) -> tuple[Any, int]:
                    end = off + n
                    if end > len(data):
                        raise FastDecodeError("truncated byte array")
                    return "0x" + data[off:end].hex(), end
                return dec_arr_bytes
            elem = self.decoder(elem_id)

            def dec_arr(data: bytes, off: int) -> tuple[Any, int]:
                out = []
                for _ in range(n):
                    v, off = elem(data, off)
                    out.append(v)
                return out, off
            return dec_arr
        if "tuple" in d:
            ids = d["tuple"]
            if not ids:
                return lambda data, off: ((), off)
            elems = [self.decoder(t) for t in ids]

            def dec_tuple(data: bytes, off: int) -> tuple[Any, int]:
                out = []
                for e in elems:
                    v, off = e(data, off)
                    out.append(v)
                return tuple(out), off
            return dec_tuple
        if "composite" in d:
            fields = d["composite"]["fields"]
            if not fields:
                return lambda data, off: ((), off)
            if len(fields) == 1 and fields[0]["name"] is None:
                return self.decoder(fields[0]["type"])
            if fields[0]["name"] is None:
                raise FastDecodeUnsupported(type_id)
            named = [(f["name"], self.decoder(f["type"])) for f in fields]

            def dec_struct(data: bytes, off: int) -> tuple[Any, int]:
                out = {}
                for name, e in named:
                    out[name], off = e(data, off)
                return out, off
            return dec_struct
        if "variant" in d:
            variants = d["variant"]["variants"]
            if path == ["Option"]:
                some = next(v for v in variants if v["name"] == "Some")
                inner = self.decoder(some["fields"][0]["type"])
                if self.types[some["fields"][0]["type"]]["def"].get("primitive") == "bool":
                    raise FastDecodeUnsupported(type_id)  # scalecodec's OptionBool is special

                def dec_option(data: bytes, off: int) -> tuple[Any, int]:
                    if off >= len(data):
                        raise FastDecodeError("truncated option")
                    tag = data[off]
                    if tag == 0:
                        return None, off + 1
                    if tag != 1:
                        raise FastDecodeError("bad option tag")
                    return inner(data, off + 1)
                return dec_option
            table: dict[int, tuple[str, Decoder | None, list[tuple[str, Decoder]] | None]] = {}
            for var in variants:
                vf = var["fields"]
                if not vf:
                    table[var["index"]] = (var["name"], None, None)
                elif len(vf) == 1 and vf[0]["name"] is None:
                    table[var["index"]] = (var["name"], self.decoder(vf[0]["type"]), None)
                elif vf[0]["name"] is None:
                    raise FastDecodeUnsupported(type_id)
                else:
                    table[var["index"]] = (var["name"], None, [(f["name"], self.decoder(f["type"])) for f in vf])

            def dec_variant(data: bytes, off: int) -> tuple[Any, int]:
                if off >= len(data):
                    raise FastDecodeError("truncated enum")
                entry = table.get(data[off])
                if entry is None:
                    raise FastDecodeError(f"bad variant index {data[off]}")
                name, single, named_fields = entry
                off += 1
                if single is not None:
                    v, off = single(data, off)
                    return {name: v}, off
                if named_fields is not None:
                    out = {}
                    for fname, e in named_fields:
                        out[fname], off = e(data, off)
                    return {name: out}, off
                return name, off
            return dec_variant
        raise FastDecodeUnsupported(type_id)


def _zero_sized(dec: FastDecoder, type_id: int) -> bool:
    d = dec.types[type_id]["def"]
    return ("tuple" in d and not d["tuple"]) or ("composite" in d and not d["composite"]["fields"])


def _compact(data: bytes, off: int) -> tuple[int, int]:
    try:
        return decode_compact(data, off)
    except ValueError as exc:
        raise FastDecodeError(str(exc)) from None


def _primitive(prim: str) -> Decoder:
    if prim in _INTS:
        size, signed = _INTS[prim]

        def dec_int(data: bytes, off: int) -> tuple[Any, int]:
            end = off + size
            if end > len(data):
                raise FastDecodeError(f"truncated {prim}")
            return int.from_bytes(data[off:end], "little", signed=signed), end
        return dec_int
    if prim == "bool":
        def dec_bool(data: bytes, off: int) -> tuple[Any, int]:
            if off >= len(data) or data[off] > 1:
                raise FastDecodeError("bad bool")
            return data[off] == 1, off + 1
        return dec_bool
    if prim == "str":
        def dec_str(data: bytes, off: int) -> tuple[Any, int]:
            n, off = _compact(data, off)
            end = off + n
            if end > len(data):
                raise FastDecodeError("truncated string")
            try:
                return data[off:end].decode(), end
            except UnicodeDecodeError:
                raise FastDecodeError("invalid utf-8") from None
        return dec_str
    raise FastDecodeUnsupported(prim)
