"""The localnet's runtime upgrade on top of spec 461: storage items clients read that spec 461 lacks.

btcli 9.23.2 `subnets show` (and `stake claim`) reads `SubtensorModule.RootClaimType`, a storage map the
spec-461 metadata does not have (spec 461 dropped it for basket claims), and async-substrate-interface
raises `StorageFunctionNotFound` for it. The localnet therefore serves "spec 461 + RootClaimType" under
spec_version 462: the same metadata with one type (`RootClaimTypeEnum`) appended to the portable registry,
one storage entry inserted after `RootClaimed`, and `System.Version.spec_version` bumped. The item is
defined as in subtensor's `pallets/subtensor/src/lib.rs` (`StorageMap<Blake2_128Concat, AccountId,
RootClaimTypeEnum, ValueQuery, Swap>`); nothing on the localnet writes it, so every coldkey reads the
chain default `Swap`.

The edit works on the raw bytes of a V14 or V15 `RuntimeMetadataPrefixed` (the two share the registry and
storage layout; V15 pallets carry one more `docs` field), so everything not touched stays byte-identical.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from node.metadata_reader import MetadataReader
from node.scale_compact import decode_compact, encode_compact

BASE_SPEC_VERSION = 461
"""The runtime the extension applies to."""
EXTENDED_SPEC_VERSION = 462
"""spec_version the localnet reports for "spec 461 + RootClaimType" (clients refresh cached metadata)."""
MAGIC = b"meta"
HASHER_BLAKE2_128_CONCAT = 2
MODIFIER_DEFAULT = 1

ROOT_CLAIM_TYPE_PATH = ("pallet_subtensor", "pallet", "RootClaimTypeEnum")


class MetadataExtensionError(ValueError):
    """The metadata is not the one the extension applies to (wrong version, already extended, ...)."""


@dataclass
class _TypeHead:
    """Where one registry type sits, with its path and type parameters (what lookups need)."""

    type_id: int
    path: tuple[str, ...]
    params: tuple[int | None, ...]


@dataclass
class _Layout:
    """Byte positions of everything the extension edits, found by one walk over the metadata."""

    types_count: tuple[int, int, int]  # (start, end, value) of the registry's length prefix
    types_end: int
    types: list[_TypeHead]
    subtensor_entries_count: tuple[int, int, int]
    entry_ends: dict[str, int]  # SubtensorModule storage entry name -> offset after it
    spec_version_at: int  # offset of System.Version's spec_version (u32 LE)


class _Reader(MetadataReader):
    """The shared metadata cursor, raising MetadataExtensionError."""

    def __init__(self, data: bytes, pos: int) -> None:
        super().__init__(data, pos, MetadataExtensionError)

    def option(self, inner: Callable[[], object]) -> None:
        if self.optional():
            inner()

    def registry_type(self) -> _TypeHead:
        return _TypeHead(*self.type_head())


def _walk(data: bytes) -> _Layout:
    """Locate the registry, SubtensorModule's storage entries and System.Version in prefixed metadata."""
    if data[:4] != MAGIC or data[4] not in (14, 15):
        raise MetadataExtensionError("not V14/V15 RuntimeMetadataPrefixed bytes")
    v15 = data[4] == 15
    r = _Reader(data, 5)
    types_count = r.counted()
    types = [r.registry_type() for _ in range(types_count[2])]
    types_end = r.pos
    entries_count: tuple[int, int, int] | None = None
    entry_ends: dict[str, int] = {}
    spec_at: int | None = None
    for _ in range(r.compact()):
        pallet = r.string()
        if r.byte():  # storage
            r.string()
            counted = r.counted()
            for _ in range(counted[2]):
                name = r.string()
                r.byte()
                if r.byte() == 0:
                    r.compact()
                else:
                    r.take(r.compact())
                    r.compact()
                    r.compact()
                r.take(r.compact())
                r.strings()
                if pallet == "SubtensorModule":
                    entry_ends[name] = r.pos
            if pallet == "SubtensorModule":
                entries_count = counted
        r.option(r.compact)  # calls
        r.option(r.compact)  # event
        for _ in range(r.compact()):
            name = r.string()
            r.compact()
            value_len = r.compact()
            value_at = r.pos
            r.take(value_len)
            r.strings()
            if pallet == "System" and name == "Version":
                inner = _Reader(data, value_at)
                inner.string()
                inner.string()
                inner.take(4)
                spec_at = inner.pos
        r.option(r.compact)  # error
        r.byte()  # index
        if v15:
            r.strings()
    if entries_count is None or spec_at is None:
        raise MetadataExtensionError("metadata has no SubtensorModule storage or System.Version")
    return _Layout(types_count, types_end, types, entries_count, entry_ends, spec_at)


def _string(s: str) -> bytes:
    raw = s.encode()
    return encode_compact(len(raw)) + raw


def _strings(items: tuple[str, ...]) -> bytes:
    return encode_compact(len(items)) + b"".join(_string(s) for s in items)


def _find(types: list[_TypeHead], path: tuple[str, ...], params: tuple[int | None, ...] | None = None) -> int:
    for t in types:
        if t.path == path and (params is None or t.params == params):
            return t.type_id
    raise MetadataExtensionError(f"type {'::'.join(path)}{list(params or [])} is not in the metadata")


def _root_claim_type_enum(type_id: int, subnets_set: int) -> bytes:
    """`RootClaimTypeEnum { Swap, Keep, KeepSubnets { subnets: BTreeSet<NetUid> } }` as a registry entry."""
    def variant(name: str, index: int, doc: str, fields: bytes = b"\x00") -> bytes:
        return _string(name) + fields + bytes([index]) + _strings((doc,))

    subnets_field = (b"\x04" + b"\x01" + _string("subnets") + encode_compact(subnets_set)
                     + b"\x01" + _string("BTreeSet<NetUid>")
                     + _strings(("Subnets to keep alpha emissions (swap everything else).",)))
    variants = (variant("Swap", 0, "Swap any alpha emission for TAO.")
                + variant("Keep", 1, "Keep all alpha emission.")
                + variant("KeepSubnets", 2, "Keep all alpha emission for specified subnets.", subnets_field))
    return (encode_compact(type_id) + _strings(ROOT_CLAIM_TYPE_PATH) + b"\x00"  # no type params
            + b"\x01" + encode_compact(3) + variants
            + _strings(("Enum for the per-coldkey root claim setting.",)))


def _root_claim_type_entry(account: int, value_type: int) -> bytes:
    """The `RootClaimType` storage entry: Blake2_128Concat(coldkey) -> RootClaimTypeEnum, default Swap."""
    return (_string("RootClaimType") + bytes([MODIFIER_DEFAULT])
            + b"\x01" + encode_compact(1) + bytes([HASHER_BLAKE2_128_CONCAT])
            + encode_compact(account) + encode_compact(value_type)
            + encode_compact(1) + b"\x00"  # default: Swap
            + _strings((" MAP ( cold ) --> root_claim_type enum (localnet: spec 461 + RootClaimType).",)))


def extend_metadata(prefixed: bytes) -> bytes:
    """Return spec-461 V14/V15 metadata bytes extended to "spec 461 + RootClaimType" (spec 462).

    Raises:
        MetadataExtensionError: if the input is not spec-461 V14/V15 metadata or already has RootClaimType.
    """
    data = bytes(prefixed)
    layout = _walk(data)
    spec = int.from_bytes(data[layout.spec_version_at:layout.spec_version_at + 4], "little")
    if "RootClaimType" in layout.entry_ends:
        raise MetadataExtensionError("SubtensorModule.RootClaimType is already in the metadata")
    if spec != BASE_SPEC_VERSION:
        raise MetadataExtensionError(f"the extension applies to spec {BASE_SPEC_VERSION}, got spec {spec}")
    new_id = layout.types_count[2]
    netuid = _find(layout.types, ("subtensor_runtime_common", "NetUid"))
    subnets_set = _find(layout.types, ("BTreeSet",), (netuid,))
    account = _find(layout.types, ("sp_core", "crypto", "AccountId32"))
    after = layout.entry_ends.get("RootClaimed")
    if after is None:
        raise MetadataExtensionError("SubtensorModule.RootClaimed (the insertion point) is missing")
    edits = [  # (start, end, replacement), applied back to front so offsets stay valid
        (layout.types_count[0], layout.types_count[1], encode_compact(new_id + 1)),
        (layout.types_end, layout.types_end, _root_claim_type_enum(new_id, subnets_set)),
        (layout.subtensor_entries_count[0], layout.subtensor_entries_count[1],
         encode_compact(layout.subtensor_entries_count[2] + 1)),
        (after, after, _root_claim_type_entry(account, new_id)),
        (layout.spec_version_at, layout.spec_version_at + 4, EXTENDED_SPEC_VERSION.to_bytes(4, "little")),
    ]
    out = data
    for start, end, replacement in sorted(edits, key=lambda e: e[0], reverse=True):
        out = out[:start] + replacement + out[end:]
    return out


def extend_metadata_option(option: bytes) -> bytes:
    """Extend an `Option<OpaqueMetadata>` answer of `Metadata_metadata_at_version` (None passes through)."""
    if option[:1] != b"\x01":
        return option
    length, offset = decode_compact(option, 1, canonical=False)
    extended = extend_metadata(option[offset:offset + length])
    return b"\x01" + encode_compact(len(extended)) + extended


Ctx = TypeVar("Ctx")


def extending_metadata_at_version(handler: Callable[[Ctx, bytes], bytes]) -> Callable[[Ctx, bytes], bytes]:
    """Wrap a `Metadata_metadata_at_version` handler so its V15 answer is the extended runtime too.

    The V14 answer comes from the runtime's own (already extended) metadata and passes through; the V15
    blob (runtime-API types for async-substrate-interface clients such as btcli) is extended once.
    """
    cache: dict[bytes, bytes] = {}

    def metadata_at_version(ctx: Ctx, data: bytes) -> bytes:
        answer = handler(ctx, data)
        if data[:4] != (15).to_bytes(4, "little"):
            return answer
        if answer not in cache:
            cache.clear()
            cache[answer] = answer if _has_root_claim_type(answer) else extend_metadata_option(answer)
        return cache[answer]

    return metadata_at_version


def _has_root_claim_type(option: bytes) -> bool:
    if option[:1] != b"\x01":
        return True  # None: nothing to extend
    _, offset = decode_compact(option, 1, canonical=False)
    return "RootClaimType" in _walk(option[offset:]).entry_ends
