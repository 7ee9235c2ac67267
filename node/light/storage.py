"""Storage keys and value decoding driven by the runtime's own metadata.

Keys are built from metadata prefixes and hashers, values decoded by the metadata's type ids, so
nothing here hard-codes a pallet layout. The metadata decoder (`node.localnet.metadata`) is the
project's generic v14 decoder; it does not depend on the localnet chain.
"""

from __future__ import annotations

import hashlib
import struct
import threading
from typing import Any

import numpy as np
import numpy.typing as npt

from node.client.runtime import hash_storage_key
from node.localnet.metadata import RuntimeMetadata, StorageEntry

S = "SubtensorModule"
KEY_CACHE = 1 << 17
"""Memoized storage keys per schema (~25 MB at most; a 256-uid epoch uses ~2,400)."""


def u16(value: int) -> bytes:
    """SCALE u16 (netuids and uids in storage keys)."""
    return struct.pack("<H", value)


def account_hex(value: Any) -> bytes:
    """AccountId32 as decoded ('0x..' hex) to raw bytes."""
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str) and value.startswith("0x") and len(value) == 66:
        return bytes.fromhex(value[2:])
    raise ValueError(f"not an account id: {value!r}")


class StorageSchema:
    """Key construction and value decoding for one runtime (one metadata blob)."""

    def __init__(self, metadata: bytes) -> None:
        self.metadata = RuntimeMetadata(metadata)
        self._entries: dict[tuple[str, str], StorageEntry] = {}
        self._keys: dict[tuple[str, str, tuple[bytes, ...]], bytes] = {}

    def entry(self, pallet: str, name: str) -> StorageEntry:
        """The metadata entry (raises MetadataError if absent)."""
        found = self._entries.get((pallet, name))
        if found is None:
            found = self.metadata.pallets[pallet].storage[name]
            self._entries[(pallet, name)] = found
        return found

    def has(self, pallet: str, name: str) -> bool:
        """Whether the runtime has this storage item."""
        pal = self.metadata.pallets.get(pallet)
        return pal is not None and name in pal.storage

    def key(self, pallet: str, name: str, *keys: bytes) -> bytes:
        """Full storage key from SCALE-encoded key parts (memoized: epochs re-read the same keys)."""
        memo = (pallet, name, keys)
        found = self._keys.get(memo)
        if found is not None:
            return found
        e = self.entry(pallet, name)
        if len(keys) != len(e.hashers):
            raise ValueError(f"{pallet}.{name} takes {len(e.hashers)} key(s), got {len(keys)}")
        full = e.prefix + b"".join(hash_storage_key(h, k) for h, k in zip(e.hashers, keys, strict=True))
        if len(self._keys) >= KEY_CACHE:
            self._keys.clear()
        self._keys[memo] = full
        return full

    def is_u16_pairs(self, pallet: str, name: str) -> bool:
        """Whether the item's value type is ``Vec<(u16, u16)>`` (weights and bonds rows)."""
        types = self.metadata.types
        seq = types[self.entry(pallet, name).value_type]["def"].get("sequence")
        if not seq:
            return False
        tup = types[seq["type"]]["def"].get("tuple")
        return bool(tup) and len(tup) == 2 and all(
            types[t]["def"].get("primitive") == "u16" for t in tup)

    def decode(self, pallet: str, name: str, raw: bytes | None) -> Any:
        """Decode a value; an absent value decodes as the metadata default (None if optional)."""
        e = self.entry(pallet, name)
        if raw is None:
            if e.optional:
                return None
            raw = e.default
        return self.metadata.fast.decode(e.value_type, raw)


_CACHE: dict[bytes, StorageSchema] = {}
_CACHE_LOCK = threading.Lock()


def schema_for(metadata: bytes) -> StorageSchema:
    """A StorageSchema per distinct metadata blob (decoding metadata takes seconds)."""
    digest = hashlib.blake2b(metadata, digest_size=32).digest()
    with _CACHE_LOCK:
        found = _CACHE.get(digest)
        if found is None:
            found = _CACHE[digest] = StorageSchema(metadata)
        return found


def decode_u16_pairs(raw: bytes | None) -> npt.NDArray[np.uint16]:
    """SCALE ``Vec<(u16, u16)>`` as an (n, 2) array, without per-entry Python objects.

    Raises:
        ValueError: the bytes are not such a vector.
    """
    if raw is None:
        return np.zeros((0, 2), np.uint16)
    mode = raw[0] & 3
    if mode == 0:
        n, off = raw[0] >> 2, 1
    elif mode == 1:
        n, off = int.from_bytes(raw[:2], "little") >> 2, 2
    elif mode == 2:
        n, off = int.from_bytes(raw[:4], "little") >> 2, 4
    else:
        size = (raw[0] >> 2) + 4
        n, off = int.from_bytes(raw[1 : 1 + size], "little"), 1 + size
    if len(raw) != off + 4 * n:
        raise ValueError("not a SCALE Vec<(u16, u16)>")
    return np.frombuffer(raw, dtype="<u2", offset=off).reshape(n, 2)
