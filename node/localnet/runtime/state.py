"""Block-building state: a layered write overlay over committed storage, with typed access by metadata names.

Pallets read and write storage through :class:`State` using the metadata's pallet and item names, with
python values in scalecodec's value format (ints, bools, dicts for structs, ``"0x.."`` hex strings for
accounts and hashes; ``bytes`` are accepted anywhere a byte array/account id is expected)::

    acct = state.get("System", "Account", alice)            # dict, the default if absent
    state.set("SubtensorModule", "Tempo", 1, value=100)       # map key(s) positional, value keyword
    state.remove("SubtensorModule", "Tempo", 1)
    for (netuid,), tempo in state.iter_prefix("SubtensorModule", "Tempo"):
        ...
    raw = state.get_raw(state.key("System", "Number"))        # bytes | None, no decoding

Transactions: ``begin()`` pushes a layer, ``commit()`` merges it down, ``rollback()`` drops it. Dispatch
runs each call in its own layer so a failed call leaves no storage changes (as FRAME's transactional
dispatch does) while its fee is still charged.
"""

from __future__ import annotations

import bisect
import struct
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from node.localnet.hashing import CONCAT_HASH_LEN, HASHERS
from node.localnet.metadata import RuntimeMetadata, StorageEntry

_UINT_FORMATS = {"u8": "<B", "u16": "<H", "u32": "<I", "u64": "<Q"}


class StateBackend(Protocol):
    """Committed storage a :class:`State` reads through (latest or historical)."""

    def get(self, key: bytes) -> bytes | None:
        """Return the committed value of `key` or None."""
        ...

    def keys_from(self, prefix: bytes, start: bytes | None = None) -> Iterator[bytes]:
        """Yield committed keys starting with `prefix`, in order, strictly after `start` if given."""
        ...


class DictBackend:
    """A sorted in-memory backend (the chain's latest state; also handy in tests)."""

    def __init__(self, items: dict[bytes, bytes] | None = None) -> None:
        self.data: dict[bytes, bytes] = dict(items or {})
        self.sorted_keys: list[bytes] = sorted(self.data)

    def get(self, key: bytes) -> bytes | None:
        """Return the value of `key` or None."""
        return self.data.get(key)

    def keys_from(self, prefix: bytes, start: bytes | None = None) -> Iterator[bytes]:
        """Yield keys with `prefix` in order, strictly after `start`."""
        keys = self.sorted_keys
        if start is not None and start >= prefix:
            i = bisect.bisect_right(keys, start)
        else:
            i = bisect.bisect_left(keys, prefix)
        while i < len(keys) and keys[i].startswith(prefix):
            yield keys[i]
            i += 1

    def apply(self, changes: dict[bytes, bytes | None]) -> None:
        """Apply a change set (None deletes)."""
        for key, value in changes.items():
            if value is None:
                if key in self.data:
                    del self.data[key]
                    i = bisect.bisect_left(self.sorted_keys, key)
                    del self.sorted_keys[i]
            else:
                if key not in self.data:
                    bisect.insort(self.sorted_keys, key)
                self.data[key] = value


class State:
    """Layered overlay over a backend with storage access by metadata names."""

    def __init__(self, metadata: RuntimeMetadata, backend: StateBackend) -> None:
        self.md = metadata
        self.backend = backend
        self.layers: list[dict[bytes, bytes | None]] = [{}]
        self._key_cache = metadata.key_cache  # shared by every State of this metadata (keys never change)
        self._overlay_keys: list[bytes] = []
        """Sorted keys written in any layer (kept incrementally so prefix iteration stays cheap)."""

    # ---- transactions --------------------------------------------------------------------------

    def begin(self) -> None:
        """Open a nested transactional layer."""
        self.layers.append({})

    def commit(self) -> None:
        """Merge the top layer into the one below."""
        top = self.layers.pop()
        self.layers[-1].update(top)

    def rollback(self) -> None:
        """Discard the top layer."""
        top = self.layers.pop()
        for key in top:
            if not any(key in layer for layer in self.layers):
                i = bisect.bisect_left(self._overlay_keys, key)
                del self._overlay_keys[i]

    def changes(self) -> dict[bytes, bytes | None]:
        """All changes of the committed (bottom) layer; call with no open nested layers."""
        if len(self.layers) != 1:
            raise RuntimeError("open storage transaction")
        return self.layers[0]

    # ---- raw access ----------------------------------------------------------------------------

    def get_raw(self, key: bytes) -> bytes | None:
        """Return the current raw value of `key` (overlay first, then backend)."""
        for layer in reversed(self.layers):
            if key in layer:
                return layer[key]
        return self.backend.get(key)

    def _note_key(self, key: bytes) -> None:
        if not any(key in layer for layer in self.layers):
            bisect.insort(self._overlay_keys, key)

    def set_raw(self, key: bytes, value: bytes) -> None:
        """Write raw bytes at `key`."""
        top = self.layers[-1]
        if key not in top:
            self._note_key(key)
        top[key] = bytes(value)

    def remove_raw(self, key: bytes) -> None:
        """Delete `key`."""
        top = self.layers[-1]
        if key not in top:
            self._note_key(key)
        top[key] = None

    def keys_raw(self, prefix: bytes, start: bytes | None = None) -> Iterator[bytes]:
        """Yield existing keys with `prefix` in order (merging overlay and backend), after `start`."""
        okeys = self._overlay_keys
        if start is not None and start >= prefix:
            i = bisect.bisect_right(okeys, start)
        else:
            i = bisect.bisect_left(okeys, prefix)
        overlay: dict[bytes, bytes | None] = {}
        while i < len(okeys) and okeys[i].startswith(prefix):
            overlay[okeys[i]] = self.get_raw(okeys[i])
            i += 1
        extra = [k for k, v in overlay.items() if v is not None]
        j = 0
        for k in self.backend.keys_from(prefix, start):
            while j < len(extra) and extra[j] < k:
                yield extra[j]
                j += 1
            if j < len(extra) and extra[j] == k:
                j += 1
            if k in overlay and overlay[k] is None:
                continue
            yield k
        yield from extra[j:]

    def clear_prefix_raw(self, prefix: bytes) -> int:
        """Delete every key with `prefix`; return how many were removed."""
        keys = list(self.keys_raw(prefix))
        for k in keys:
            self.remove_raw(k)
        return len(keys)

    # ---- keys ----------------------------------------------------------------------------------

    def entry(self, pallet: str, item: str) -> StorageEntry:
        """Return the metadata storage entry (raises MetadataError if unknown)."""
        return self.md.storage_entry(pallet, item)

    def key(self, pallet: str, item: str, *keys: Any) -> bytes:
        """Full storage key of `pallet.item` with map keys (a prefix if fewer keys than hashers)."""
        cache_key = (pallet, item, *[bytes(k) if isinstance(k, bytearray) else k for k in keys])
        try:
            return self._key_cache[cache_key]
        except (KeyError, TypeError):
            pass
        entry = self.md.storage_entry(pallet, item)
        if len(keys) > len(entry.hashers):
            raise ValueError(f"{pallet}.{item} takes {len(entry.hashers)} key(s), got {len(keys)}")
        out = entry.prefix
        for hasher, type_id, k in zip(entry.hashers, entry.key_types, keys, strict=False):
            out += HASHERS[hasher](self.encode_value(type_id, k))
        try:
            if len(self._key_cache) > 200_000:
                self._key_cache.clear()
            self._key_cache[cache_key] = out
        except TypeError:  # unhashable key value (dict); fine, just not cached
            pass
        return out

    def encode_value(self, type_id: int, value: Any) -> bytes:
        """SCALE-encode `value` as metadata type `type_id` (see :func:`encode_fast`)."""
        return encode_fast(self.md, type_id, value)

    def decode_key(self, entry: StorageEntry, full_key: bytes) -> tuple[Any, ...]:
        """Decode the map keys of a full storage key (only for *Concat/Identity hashers)."""
        off = len(entry.prefix)
        out: list[Any] = []
        for hasher, type_id in zip(entry.hashers, entry.key_types, strict=True):
            if hasher not in CONCAT_HASH_LEN:
                raise ValueError(f"{entry.pallet}.{entry.name}: hasher {hasher} cannot be reversed")
            off += CONCAT_HASH_LEN[hasher]
            value, off = self.md.decode_prefix(type_id, full_key, off)
            out.append(value)
        return tuple(out)

    # ---- typed access --------------------------------------------------------------------------

    def get(self, pallet: str, item: str, *keys: Any) -> Any:
        """Decoded value of `pallet.item[keys]`; the metadata default if absent (None for Optional)."""
        entry = self.md.storage_entry(pallet, item)
        raw = self.get_raw(self.key(pallet, item, *keys))
        if raw is None:
            if entry.optional:
                return None
            raw = entry.default
        return self.md.decode(entry.value_type, raw)

    def exists(self, pallet: str, item: str, *keys: Any) -> bool:
        """True if a value is stored (defaults don't count)."""
        return self.get_raw(self.key(pallet, item, *keys)) is not None

    def set(self, pallet: str, item: str, *keys: Any, value: Any) -> None:
        """Encode and store `value` at `pallet.item[keys]`."""
        entry = self.md.storage_entry(pallet, item)
        self.set_raw(self.key(pallet, item, *keys), self.encode_value(entry.value_type, value))

    def remove(self, pallet: str, item: str, *keys: Any) -> None:
        """Delete `pallet.item[keys]`."""
        self.remove_raw(self.key(pallet, item, *keys))

    def take(self, pallet: str, item: str, *keys: Any) -> Any:
        """Return the value (or default) and delete it."""
        value = self.get(pallet, item, *keys)
        self.remove(pallet, item, *keys)
        return value

    def mutate(self, pallet: str, item: str, *keys: Any, fn: Callable[[Any], Any]) -> Any:
        """Replace the value with `fn(value)`; return the new value."""
        new = fn(self.get(pallet, item, *keys))
        self.set(pallet, item, *keys, value=new)
        return new

    def iter_prefix(self, pallet: str, item: str, *keys: Any) -> Iterator[tuple[tuple[Any, ...], Any]]:
        """Yield (all map keys, value) for entries under the given leading keys, in key order."""
        entry = self.md.storage_entry(pallet, item)
        prefix = self.key(pallet, item, *keys)
        for full in list(self.keys_raw(prefix)):
            raw = self.get_raw(full)
            if raw is None:
                continue
            yield self.decode_key(entry, full), self.md.decode(entry.value_type, raw)

    def clear_prefix(self, pallet: str, item: str, *keys: Any) -> int:
        """Delete all entries under the given leading keys; return the count."""
        return self.clear_prefix_raw(self.key(pallet, item, *keys))


def encode_fast(md: RuntimeMetadata, type_id: int, value: Any) -> bytes:
    """SCALE-encode `value` as metadata type `type_id`, with fast paths for ints and byte arrays."""
    prim = md.types[type_id]["def"].get("primitive")
    if prim in _UINT_FORMATS and isinstance(value, int):
        return struct.pack(_UINT_FORMATS[prim], value)
    if prim == "u128" and isinstance(value, int):
        return value.to_bytes(16, "little")
    if prim == "bool" and isinstance(value, bool):
        return b"\x01" if value else b"\x00"
    if isinstance(value, bytes | bytearray) and _fixed_byte_len(md, type_id) == len(value):
        return bytes(value)
    return md.encode(type_id, value)


_FIXED_LEN_CACHE: dict[tuple[int, int], int | None] = {}


def _fixed_byte_len(md: RuntimeMetadata, type_id: int) -> int | None:
    """Length if `type_id` is `[u8; N]` or a newtype around it (AccountId32, H256), else None."""
    ck = (id(md), type_id)
    if ck not in _FIXED_LEN_CACHE:
        _FIXED_LEN_CACHE[ck] = _compute_fixed_byte_len(md, type_id)
    return _FIXED_LEN_CACHE[ck]


def _compute_fixed_byte_len(md: RuntimeMetadata, type_id: int) -> int | None:
    for _ in range(4):
        d = md.types[type_id]["def"]
        if "array" in d:
            inner = md.types[d["array"]["type"]]["def"]
            return int(d["array"]["len"]) if inner.get("primitive") == "u8" else None
        if "composite" in d and len(d["composite"]["fields"]) == 1:
            type_id = d["composite"]["fields"][0]["type"]
            continue
        return None
    return None
