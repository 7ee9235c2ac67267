"""Block headers: SCALE encoding, blake2_256 hash and the JSON shape of chain_getHeader."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from node.localnet.hashing import blake2_256, compact, decode_compact

AURA_ENGINE = b"aura"

# sp_runtime::generic::DigestItem variant indices (stable in Substrate; checked against the metadata
# in tests/localnet/test_chain_header.py).
DIGEST_OTHER = 0
DIGEST_CONSENSUS = 4
DIGEST_SEAL = 5
DIGEST_PRE_RUNTIME = 6


@dataclass(frozen=True)
class DigestItem:
    """One digest log: kind index, 4-byte engine id (empty for Other) and payload."""

    kind: int
    engine: bytes
    data: bytes

    def encode(self) -> bytes:
        """SCALE bytes of this DigestItem."""
        if self.kind == DIGEST_OTHER:
            return bytes([self.kind]) + compact(len(self.data)) + self.data
        return bytes([self.kind]) + self.engine + compact(len(self.data)) + self.data


def aura_pre_digest(slot: int) -> DigestItem:
    """PreRuntime(aura, slot as u64 LE), what Aura block authors put first in the digest."""
    return DigestItem(DIGEST_PRE_RUNTIME, AURA_ENGINE, struct.pack("<Q", slot))


def encode_digest(items: tuple[DigestItem, ...]) -> bytes:
    """SCALE Digest (Vec<DigestItem>)."""
    return compact(len(items)) + b"".join(i.encode() for i in items)


@dataclass(frozen=True)
class Header:
    """A Substrate header (u32 block numbers, BlakeTwo256)."""

    parent_hash: bytes
    number: int
    state_root: bytes
    extrinsics_root: bytes
    digest: tuple[DigestItem, ...] = field(default_factory=tuple)

    def encode(self) -> bytes:
        """SCALE: parent_hash ++ compact(number) ++ state_root ++ extrinsics_root ++ digest."""
        return (self.parent_hash + compact(self.number) + self.state_root + self.extrinsics_root
                + encode_digest(self.digest))

    def hash(self) -> bytes:
        """blake2_256 of the encoding: the block hash."""
        return blake2_256(self.encode())

    def to_json(self) -> dict[str, Any]:
        """The chain_getHeader JSON shape."""
        return {
            "parentHash": "0x" + self.parent_hash.hex(),
            "number": hex(self.number),
            "stateRoot": "0x" + self.state_root.hex(),
            "extrinsicsRoot": "0x" + self.extrinsics_root.hex(),
            "digest": {"logs": ["0x" + d.encode().hex() for d in self.digest]},
        }

    @staticmethod
    def decode(data: bytes) -> Header:
        """Decode SCALE header bytes (raises ValueError on malformed input)."""
        parent = data[:32]
        number, off = decode_compact(data, 32)
        state_root = data[off : off + 32]
        ext_root = data[off + 32 : off + 64]
        off += 64
        count, off = decode_compact(data, off)
        items = []
        for _ in range(count):
            kind = data[off]
            off += 1
            engine = b""
            if kind != DIGEST_OTHER:
                engine = data[off : off + 4]
                off += 4
            n, off = decode_compact(data, off)
            items.append(DigestItem(kind, engine, data[off : off + n]))
            off += n
        if off != len(data) or len(parent) != 32 or len(ext_root) != 32:
            raise ValueError("malformed header")
        return Header(parent, number, state_root, ext_root, tuple(items))
