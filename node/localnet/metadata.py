"""The runtime's V14 metadata, decoded once per process, and the lookups the localnet derives from it.

Every pallet/call/event/error index, storage key prefix, storage type and constant the localnet uses comes
from here, so the chain behaves like the runtime that produced the metadata: subtensor spec 461 plus the
storage items of `metadata_extension` (served as spec_version 462, see docs/localnet.md).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from scalecodec.base import RuntimeConfigurationObject, ScaleBytes
from scalecodec.type_registry import load_type_registry_preset

from node.assets import asset_path
from node.localnet.hashing import twox128
from node.localnet.metadata_extension import extend_metadata
from node.localnet.scale_decode import FastDecoder, FastDecodeUnsupported
from node.localnet.scale_encode import encode_value

SPEC461_HEX = "subtensor-localnet-spec461.v14.hex"

ASSETS_METADATA = asset_path("metadata", SPEC461_HEX).parent
"""Where the spec-461 metadata blob ships (repo checkout or installed wheel, see node.assets)."""


class MetadataError(LookupError):
    """A pallet, storage item, call, event, error or constant is not in the metadata."""


@dataclass(frozen=True)
class StorageEntry:
    """One storage item: its key prefix, hashers, key/value type ids and default."""

    pallet: str
    name: str
    prefix: bytes
    hashers: tuple[str, ...]
    key_types: tuple[int, ...]
    value_type: int
    optional: bool
    default: bytes


@dataclass(frozen=True)
class VariantInfo:
    """A call/event/error variant: its index and named fields as (name, type id)."""

    pallet: str
    pallet_index: int
    name: str
    index: int
    fields: tuple[tuple[str | None, int], ...]


@dataclass
class PalletInfo:
    """Indices and items of one pallet."""

    name: str
    index: int
    storage: dict[str, StorageEntry] = field(default_factory=dict)
    calls: dict[str, VariantInfo] = field(default_factory=dict)
    events: dict[str, VariantInfo] = field(default_factory=dict)
    errors: dict[str, VariantInfo] = field(default_factory=dict)
    constants: dict[str, tuple[int, bytes]] = field(default_factory=dict)


@dataclass(frozen=True)
class SignedExtensionInfo:
    """A signed extension: identifier, type of its `extra`, type of its `additional signed`."""

    identifier: str
    extra_type: int
    additional_type: int


class RuntimeMetadata:
    """Decoded metadata plus a scalecodec runtime configuration able to encode/decode its types.

    Build with :func:`load_metadata` (cached per path); decoding takes ~1 s.
    """

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        rc = RuntimeConfigurationObject()
        rc.update_type_registry(load_type_registry_preset("core"))
        rc.update_type_registry(load_type_registry_preset("legacy"))
        obj = rc.create_scale_object("MetadataVersioned", data=ScaleBytes(raw))
        obj.decode()
        rc.add_portable_registry(obj)
        self.rc = rc
        self.scale_obj = obj
        v14 = obj.value[1]["V14"]
        self.types: dict[int, dict[str, Any]] = {t["id"]: t["type"] for t in v14["types"]["types"]}
        self.fast = FastDecoder(self.types)
        self.key_cache: dict[tuple[Any, ...], bytes] = {}
        """Storage keys by (pallet, item, *map keys), shared by every State (bounded by State.key)."""
        self.pallets: dict[str, PalletInfo] = {}
        self.pallets_by_index: dict[int, PalletInfo] = {}
        self._codec_lock = threading.Lock()
        for pallet_obj in obj[1][1]["pallets"]:
            self._load_pallet(pallet_obj)
        ext = v14["extrinsic"]
        self.extrinsic_version: int = ext["version"]
        self.signed_extensions = tuple(
            SignedExtensionInfo(e["identifier"], e["ty"], e["additional_signed"])
            for e in ext["signed_extensions"]
        )
        params = {p["name"]: p["type"] for p in self.types[ext["ty"]]["params"]}
        if "Address" not in params:  # fp_self_contained wraps the generic UncheckedExtrinsic
            inner = self.types[ext["ty"]]["def"]["composite"]["fields"][0]["type"]
            params = {p["name"]: p["type"] for p in self.types[inner]["params"]}
        self.address_type: int = params["Address"]
        self.call_type: int = params["Call"]
        self.signature_type: int = params["Signature"]
        self.version: dict[str, Any] = self.decode(*self.constant_raw("System", "Version"))

    def _load_pallet(self, p: Any) -> None:
        name = p["name"].value
        info = PalletInfo(name=name, index=p["index"].value)
        if p["storage"].value is not None:
            storage = p["storage"].value_object
            prefix_name = storage["prefix"].value
            for entry in storage["entries"]:
                ev = entry.value
                ty = ev["type"]
                if "Plain" in ty:
                    hashers: tuple[str, ...] = ()
                    key_types: tuple[int, ...] = ()
                    value_type = ty["Plain"]
                else:
                    m = ty["Map"]
                    hashers = tuple(m["hashers"])
                    value_type = m["value"]
                    key_types = (m["key"],) if len(hashers) == 1 else self._tuple_fields(m["key"])
                info.storage[ev["name"]] = StorageEntry(
                    pallet=name,
                    name=ev["name"],
                    prefix=twox128(prefix_name.encode()) + twox128(ev["name"].encode()),
                    hashers=hashers,
                    key_types=key_types,
                    value_type=value_type,
                    optional=ev["modifier"] == "Optional",
                    default=bytes(entry["default"].value_object),
                )
        for kind, target in (("calls", info.calls), ("event", info.events), ("error", info.errors)):
            ref = p[kind].value
            if ref is None:
                continue
            for var in self.types[ref["ty"]]["def"]["variant"]["variants"]:
                fields = tuple((f["name"], f["type"]) for f in var["fields"])
                target[var["name"]] = VariantInfo(name, info.index, var["name"], var["index"], fields)
        for const in p["constants"]:
            info.constants[const["name"].value] = (const["type"].value, bytes(const["value"].value_object))
        self.pallets[name] = info
        self.pallets_by_index[info.index] = info

    def _tuple_fields(self, type_id: int) -> tuple[int, ...]:
        d = self.types[type_id]["def"]
        return tuple(d["tuple"]) if "tuple" in d else (type_id,)

    # ---- lookups -------------------------------------------------------------------------------

    def pallet(self, name: str) -> PalletInfo:
        """Return a pallet by name or raise MetadataError."""
        try:
            return self.pallets[name]
        except KeyError:
            raise MetadataError(f"pallet {name!r} is not in the metadata") from None

    def storage_entry(self, pallet: str, item: str) -> StorageEntry:
        """Return the storage entry `pallet.item` or raise MetadataError."""
        try:
            return self.pallet(pallet).storage[item]
        except KeyError:
            raise MetadataError(f"storage {pallet}.{item} is not in the metadata") from None

    def call(self, pallet: str, name: str) -> VariantInfo:
        """Return the call variant `pallet.name` or raise MetadataError."""
        try:
            return self.pallet(pallet).calls[name]
        except KeyError:
            raise MetadataError(f"call {pallet}.{name} is not in the metadata") from None

    def event(self, pallet: str, name: str) -> VariantInfo:
        """Return the event variant `pallet.name` or raise MetadataError."""
        try:
            return self.pallet(pallet).events[name]
        except KeyError:
            raise MetadataError(f"event {pallet}.{name} is not in the metadata") from None

    def error(self, pallet: str, name: str) -> VariantInfo:
        """Return the error variant `pallet.name` or raise MetadataError."""
        try:
            return self.pallet(pallet).errors[name]
        except KeyError:
            raise MetadataError(f"error {pallet}.{name} is not in the metadata") from None

    def constant_raw(self, pallet: str, name: str) -> tuple[int, bytes]:
        """Return (type id, SCALE bytes) of a pallet constant."""
        try:
            return self.pallet(pallet).constants[name]
        except KeyError:
            raise MetadataError(f"constant {pallet}.{name} is not in the metadata") from None

    def constant(self, pallet: str, name: str) -> Any:
        """Return a pallet constant decoded to its python value."""
        return self.decode(*self.constant_raw(pallet, name))

    def type_by_path(self, *path: str) -> int:
        """Id of the (first) type with this path, e.g. ("sp_weights", "weight_v2", "Weight")."""
        want = list(path)
        for type_id, ty in self.types.items():
            if ty.get("path") == want:
                return type_id
        raise MetadataError(f"type {'::'.join(path)} is not in the metadata")

    def variant_by_index(self, type_id: int, index: int) -> dict[str, Any] | None:
        """Return the raw variant definition with `index` of enum type `type_id`."""
        for var in self.types[type_id]["def"]["variant"]["variants"]:
            if var["index"] == index:
                return dict(var)
        return None

    # ---- codec ---------------------------------------------------------------------------------

    def encode(self, type_id: int | str, value: Any) -> bytes:
        """SCALE-encode a python value (scalecodec value format; bytes are accepted for byte arrays)."""
        if isinstance(type_id, int):
            return encode_value(self.types, type_id, value)
        obj = self.rc.create_scale_object(_type_string(type_id))
        return bytes(obj.encode(to_scale_value(value)).data)

    def decode(self, type_id: int | str, data: bytes) -> Any:
        """Decode SCALE bytes of `type_id` to a python value (scalecodec value format); whole input.

        Uses the fast decoder (same values, see scale_decode.py) and scalecodec for what it doesn't cover.
        """
        if isinstance(type_id, int):
            try:
                return self.fast.decode(type_id, bytes(data))
            except FastDecodeUnsupported:
                pass
        obj = self.rc.create_scale_object(_type_string(type_id), data=ScaleBytes(bytes(data)))
        return obj.decode()

    def decode_prefix(self, type_id: int | str, data: bytes | bytearray, offset: int = 0) -> tuple[Any, int]:
        """Decode one value of `type_id` starting at `offset`; return (value, offset after it)."""
        if isinstance(type_id, int):
            try:
                return self.fast.decoder(type_id)(bytes(data), offset)
            except FastDecodeUnsupported:
                pass
        sb = ScaleBytes(bytearray(data))
        sb.offset = offset
        obj = self.rc.create_scale_object(_type_string(type_id), data=sb)
        value = obj.decode(check_remaining=False)
        return value, sb.offset

    def decode_call(self, data: bytes | bytearray, offset: int = 0) -> tuple[dict[str, Any], int]:
        """Decode a RuntimeCall at `offset`; return (scalecodec call dict, offset after it)."""
        sb = ScaleBytes(bytearray(data))
        sb.offset = offset
        obj = self.rc.create_scale_object("Call", data=sb, metadata=self.scale_obj)
        value = obj.decode(check_remaining=False)
        return value, sb.offset

    def encode_call(self, pallet: str, name: str, args: dict[str, Any]) -> bytes:
        """Encode a RuntimeCall from pallet/call names and python args."""
        info = self.call(pallet, name)
        try:  # fast path: plain argument types (nested calls go through scalecodec)
            return bytes([info.pallet_index, info.index]) + b"".join(
                encode_value(self.types, type_id, args[field_name or ""]) for field_name, type_id in info.fields)
        except (ValueError, KeyError, TypeError):
            pass
        obj = self.rc.create_scale_object("Call", metadata=self.scale_obj)
        value = {"call_module": pallet, "call_function": name, "call_args": to_scale_value(args)}
        return bytes(obj.encode(value).data)


def _type_string(type_id: int | str) -> str:
    return f"scale_info::{type_id}" if isinstance(type_id, int) else type_id


def to_scale_value(value: Any) -> Any:
    """Convert python values to the form scalecodec encodes: bytes become '0x' hex strings."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, dict):
        return {k: to_scale_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_scale_value(v) for v in value]
    return value


@cache
def load_metadata(path: Path | None = None) -> RuntimeMetadata:
    """Load (once per process) and decode a metadata hex file.

    Default: the localnet's runtime, i.e. the shipped spec-461 blob extended by `metadata_extension`
    (spec 461 + RootClaimType, spec_version 462). An explicit path is decoded as it is.
    """
    if path is None:
        return RuntimeMetadata(extend_metadata(read_metadata_hex(ASSETS_METADATA / SPEC461_HEX)))
    return RuntimeMetadata(read_metadata_hex(path))


def read_metadata_hex(path: Path) -> bytes:
    """The bytes of a `0x`-prefixed metadata hex file."""
    return bytes.fromhex(path.read_text().strip().removeprefix("0x"))
