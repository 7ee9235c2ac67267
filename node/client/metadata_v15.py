"""V15 runtime metadata as the single source of truth for signing with a metadata hash (RFC-0078).

The chain's `CheckMetadataHash` commits to the digest of its V15 metadata, while this client decodes and
composes calls with scalecodec, which only understands V14. If the two came from different sources, a
signer could be shown a call decoded with a forged V14 while signing over the honest V15 digest -- the
exact attack the metadata hash exists to stop. So the V14 used next to a digest is *derived* from the V15
bytes: same portable registry, same pallets (minus the docs V15 adds), the extrinsic section rewritten
into its V14 shape. Whatever the V14 decodes is then what the digest (and so the chain) vouches for.

Layout (frame-metadata): ``"meta" ++ version ++ registry ++ pallets ++ extrinsic ++ outer type ++ ...``;
V15 appends runtime APIs, outer enums and custom data after the outer type, which V14 does not have.
"""

from __future__ import annotations

from dataclasses import dataclass

from node.metadata_reader import MetadataFormatError, MetadataReader
from node.scale_compact import decode_compact, encode_compact

__all__ = ["MetadataFormatError", "metadata_version", "unwrap_metadata", "v14_from_v15"]

MAGIC = b"meta"
V14 = 14
V15 = 15


@dataclass(frozen=True)
class _ExtrinsicV15:
    version: int
    address_ty: int
    call_ty: int
    signature_ty: int
    extra_ty: int
    signed_extensions: bytes
    """The encoded `Vec<SignedExtensionMetadata>` (same encoding in V14 and V15)."""


class _Reader(MetadataReader):
    """The shared metadata cursor, plus the V15 parts this module walks."""

    def registry(self) -> dict[int, tuple[tuple[str, ...], tuple[int | None, ...]]]:
        """Walk the portable registry; returns {type id: (path, type parameter ids)}."""
        heads: dict[int, tuple[tuple[str, ...], tuple[int | None, ...]]] = {}
        for _ in range(self.compact()):
            type_id, path, params = self.type_head()
            heads[type_id] = (path, params)
        return heads

    def pallet_v14_part(self) -> None:
        """Skip the fields a V14 and a V15 pallet share (everything but the V15 docs)."""
        self.string()  # name
        if self.optional():  # storage
            self.string()
            for _ in range(self.compact()):
                self.string()
                self.byte()  # modifier
                kind = self.byte()
                if kind == 0:
                    self.compact()
                elif kind == 1:
                    self.take(self.compact())  # hashers (one byte each)
                    self.compact()
                    self.compact()
                else:
                    raise MetadataFormatError(f"unknown StorageEntryType {kind}")
                self.take(self.compact())  # default
                self.strings()
        for _ in range(2):  # calls, event
            if self.optional():
                self.compact()
        for _ in range(self.compact()):  # constants
            self.string()
            self.compact()
            self.take(self.compact())
            self.strings()
        if self.optional():  # error
            self.compact()
        self.byte()  # index


def unwrap_metadata(blob: bytes) -> bytes:
    """The `RuntimeMetadataPrefixed` bytes of `blob`, which may also be the `Option<OpaqueMetadata>` that
    `Metadata_metadata_at_version` returns (as in assets/localnet/*.v15.hex)."""
    if blob[:4] == MAGIC:
        return blob
    if blob[:1] == b"\x01":
        try:
            length, off = decode_compact(blob, 1, canonical=False)
        except (ValueError, IndexError):
            raise MetadataFormatError("not runtime metadata") from None
        inner = blob[off:]
        if len(inner) == length and inner[:4] == MAGIC:
            return inner
    raise MetadataFormatError("not runtime metadata (no 'meta' magic)")


def metadata_version(metadata: bytes) -> int:
    """The version byte of `RuntimeMetadataPrefixed` bytes (14, 15, ...)."""
    if metadata[:4] != MAGIC or len(metadata) < 5:
        raise MetadataFormatError("not runtime metadata (no 'meta' magic)")
    return metadata[4]


def v14_from_v15(metadata: bytes) -> bytes:
    """Derive the V14 metadata of the same runtime from V15 `RuntimeMetadataPrefixed` bytes.

    Raises:
        MetadataFormatError: not V15, malformed, or without an `UncheckedExtrinsic` type matching the
            extrinsic section (V14 names the extrinsic by that type; V15 lists its parts instead).
    """
    if metadata_version(metadata) != V15:
        raise MetadataFormatError(f"expected V15 metadata, got V{metadata[4]}")
    reader = _Reader(metadata, 5)
    start = reader.pos
    heads = reader.registry()
    registry = metadata[start : reader.pos]
    pallets = []
    for _ in range(reader.compact()):
        begin = reader.pos
        reader.pallet_v14_part()
        pallets.append(metadata[begin : reader.pos])
        reader.strings()  # V15 pallet docs
    extrinsic = _extrinsic_v15(reader)
    outer_ty = reader.compact()
    xt_type = _unchecked_extrinsic_type(heads, extrinsic)
    return (
        MAGIC + bytes([V14]) + registry + encode_compact(len(pallets)) + b"".join(pallets)
        + encode_compact(xt_type) + bytes([extrinsic.version]) + extrinsic.signed_extensions
        + encode_compact(outer_ty)
    )


def _extrinsic_v15(reader: _Reader) -> _ExtrinsicV15:
    version = reader.byte()
    address_ty, call_ty, signature_ty, extra_ty = (reader.compact() for _ in range(4))
    begin = reader.pos
    for _ in range(reader.compact()):
        reader.string()
        reader.compact()
        reader.compact()
    return _ExtrinsicV15(version, address_ty, call_ty, signature_ty, extra_ty,
                         reader.data[begin : reader.pos])


def _unchecked_extrinsic_type(heads: dict[int, tuple[tuple[str, ...], tuple[int | None, ...]]],
                              extrinsic: _ExtrinsicV15) -> int:
    wanted = (extrinsic.address_ty, extrinsic.call_ty, extrinsic.signature_ty, extrinsic.extra_ty)
    for type_id, (path, params) in heads.items():
        if path and path[-1] == "UncheckedExtrinsic" and params == wanted:
            return type_id
    raise MetadataFormatError("the V15 registry has no UncheckedExtrinsic<Address, Call, Signature, Extra> "
                              "matching its extrinsic section; cannot derive V14")
