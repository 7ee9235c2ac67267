"""SCALE codec for the subtensor runtime APIs, driven by the spec-461 V15 metadata's type registry.

V14 metadata (what the localnet serves) has no runtime-API section, so the API parameter and return
types come from the V15 metadata of the same runtime (`assets/localnet/subtensor-localnet-spec461.v15.hex`,
decoded with bt-decode). Encoding uses the localnet's metadata-driven encoder.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import bt_decode

from node.assets import asset_path
from node.localnet.hashing import decode_compact
from node.localnet.scale_encode import encode_value

V15_PATH = asset_path("localnet", "subtensor-localnet-spec461.v15.hex")


@dataclass(frozen=True)
class ApiMethod:
    """One runtime API method: its parameter (name, type id) list and output type id."""

    api: str
    name: str
    inputs: tuple[tuple[str, int], ...]
    output: int


class ApiCodec:
    """Types and methods of the runtime APIs."""

    def __init__(self, raw: bytes) -> None:
        value = bt_decode.MetadataV15.decode_from_metadata_option(raw).value()
        self.types: dict[int, dict[str, Any]] = {t["id"]: t["type"] for t in value["types"]["types"]}
        for t in self.types.values():  # the encoder expects a 'name' key on every field
            d = t["def"]
            for f in d.get("composite", {}).get("fields", []):
                f.setdefault("name", None)
            for var in d.get("variant", {}).get("variants", []):
                for f in var.get("fields", []):
                    f.setdefault("name", None)
        self.methods: dict[str, ApiMethod] = {}
        for api in value["apis"]:
            for m in api["methods"]:
                inputs = tuple((i["name"], int(i["ty"])) for i in m["inputs"])
                self.methods[f"{api['name']}_{m['name']}"] = ApiMethod(api["name"], m["name"], inputs, int(m["output"]))

    def encode(self, type_id: int, value: Any) -> bytes:
        """SCALE-encode a python value (accounts as 32 bytes, structs as dicts, Option as None/value)."""
        return encode_value(self.types, type_id, value)

    def decode_args(self, method: str, data: bytes) -> list[Any]:
        """Decode a state_call argument blob into python values, in parameter order.

        Raises:
            ValueError: malformed or trailing bytes.
        """
        out, off = [], 0
        for _, ty in self.methods[method].inputs:
            value, off = self.decode(ty, data, off)
            out.append(value)
        if off != len(data):
            raise ValueError(f"{len(data) - off} trailing bytes in {method} arguments")
        return out

    def decode(self, type_id: int, data: bytes, off: int) -> tuple[Any, int]:
        """Decode one value (primitives, compacts, sequences, arrays, tuples, newtypes, Option)."""
        ty = self.types[type_id]
        d = ty["def"]
        if "primitive" in d:
            size = {"u8": 1, "u16": 2, "u32": 4, "u64": 8, "u128": 16, "bool": 1}[d["primitive"]]
            if off + size > len(data):
                raise ValueError("truncated argument")
            raw = data[off:off + size]
            value: Any = bool(raw[0]) if d["primitive"] == "bool" else int.from_bytes(raw, "little")
            return value, off + size
        if "compact" in d:
            return decode_compact(data, off)
        if "array" in d:
            inner, n = d["array"]["type"], int(d["array"]["len"])
            if self.types[inner]["def"].get("primitive") == "u8":
                if off + n > len(data):
                    raise ValueError("truncated argument")
                return bytes(data[off:off + n]), off + n
            items = []
            for _ in range(n):
                v, off = self.decode(inner, data, off)
                items.append(v)
            return items, off
        if "sequence" in d:
            n, off = decode_compact(data, off)
            items = []
            for _ in range(n):
                v, off = self.decode(d["sequence"]["type"], data, off)
                items.append(v)
            return items, off
        if "tuple" in d:
            items = []
            for t in d["tuple"]:
                v, off = self.decode(t["type"] if isinstance(t, dict) else int(t), data, off)
                items.append(v)
            return tuple(items), off
        if "composite" in d:
            fields = d["composite"]["fields"]
            if len(fields) == 1:
                return self.decode(fields[0]["type"], data, off)
            out = {}
            for f in fields:
                out[f["name"]], off = self.decode(f["type"], data, off)
            return out, off
        if "variant" in d and ty.get("path", [])[-1:] == ["Option"]:
            if off >= len(data):
                raise ValueError("truncated argument")
            if data[off] == 0:
                return None, off + 1
            return self.decode(ty["params"][0]["type"], data, off + 1)
        raise ValueError(f"cannot decode argument type {type_id}")


@cache
def load_api_codec(path: Path = V15_PATH) -> ApiCodec:
    """The runtime-API codec (decoded once per process, ~0.1 s)."""
    return ApiCodec(bytes.fromhex(path.read_text().strip().removeprefix("0x")))
