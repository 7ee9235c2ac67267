"""Subtensor runtime APIs (`state_call`) decoded with the runtime's V15 type registry (bt-decode).

One `state_call` answers what would otherwise take hundreds of storage reads (a 4096-uid metagraph, all
subnets' pools), which is why the portfolio and browsers use them. The V15 metadata comes from the node
(`Metadata_metadata_at_version(15)`); nodes that only serve V14 (our localnet) fall back to a bundled V15
file of the same spec version. Arguments are plain SCALE (u16 netuids, u64 amounts, 32-byte accounts).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bt_decode

from node.client.client import ChainClient
from node.client.runtime import hash_storage_key, twox_128
from node.scale_compact import decode_compact
from tao_wallet.paths import ASSETS
from tao_wallet.services import metadata_cache
from tao_wallet.services.errors import WalletError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StorageEntry:
    """One storage item as the metadata describes it."""

    prefix: bytes
    hashers: tuple[str, ...]
    value_type: int
    default: bytes
    optional: bool


@dataclass(frozen=True)
class _Api:
    registry: Any
    outputs: dict[str, int]
    storage: dict[tuple[str, str], StorageEntry]
    types: dict[int, dict[str, Any]]


#: Decoded V15 registries by runtime (see metadata_cache.cache_key): decoding costs ~20 ms, fetching
#: the 0.8 MB metadata more on a remote node; the raw bytes are also kept on disk by the same key.
_CACHE: dict[str, _Api] = {}
_LOCK = threading.Lock()

#: Fixed-width SCALE primitives: stdlib `array` typecode by scale-info primitive name (not numpy: importing
#: it costs ~0.1 s, more than decoding a 4096-item vector with `array`).
FIXED_WIDTH = {"bool": "B", "u8": "B", "u16": "H", "u32": "I", "u64": "Q", "i16": "h", "i32": "i", "i64": "q"}


def u16(value: int) -> bytes:
    """SCALE u16 (netuids)."""
    return value.to_bytes(2, "little")


def u64(value: int) -> bytes:
    """SCALE u64 (rao / alpha amounts)."""
    return value.to_bytes(8, "little")


def num(value: Any) -> int:
    """An integer field; bt-decode wraps newtypes (NetUid, AlphaBalance) in 1-tuples."""
    while isinstance(value, tuple | list) and len(value) == 1:
        value = value[0]
    return int(value)


def unwrap(value: Any) -> Any:
    """Strip bt-decode's newtype 1-tuples from a scalar (not for vectors: a 1-element vector is a 1-tuple too)."""
    while isinstance(value, tuple | list) and len(value) == 1:
        value = value[0]
    return value


def acct(value: Any) -> bytes:
    """A 32-byte AccountId field (bt-decode: a 1-tuple holding 32 ints)."""
    while isinstance(value, tuple | list) and len(value) == 1:
        value = value[0]
    if isinstance(value, bytes):
        return value
    return bytes(int(v) for v in value)


def text(value: Any) -> str:
    """A Vec<u8> name/identity field as text (invalid UTF-8 replaced)."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, tuple | list):
        return bytes(int(v) for v in value).decode("utf-8", "replace")
    return str(value)


class RuntimeApi:
    """Calls runtime APIs through a ChainClient and decodes their answers.

    Args:
        client: the chain connection.
        cache_root: where the V15 metadata cache lives (default: `paths.cache_dir()`).
    """

    def __init__(self, client: ChainClient, cache_root: Path | None = None) -> None:
        self.client = client
        self.cache_root = cache_root
        self._current: tuple[float, _Api] | None = None

    def _api(self) -> _Api:
        # the runtime version comes from a cheap RPC, re-checked like ChainClient.runtime() does (an upgrade
        # is noticed within `runtime_recheck` seconds); reads never need scalecodec's full metadata decode
        now = time.monotonic()
        if self._current is not None and now - self._current[0] < self.client.runtime_recheck:
            return self._current[1]
        version = self.client.runtime_version()
        key = metadata_cache.cache_key(self.client.genesis_hash, version)
        with _LOCK:
            cached = _CACHE.get(key)
        if cached is None:
            cached = self._load(key, int(version["specVersion"]))
            with _LOCK:
                _CACHE[key] = cached
        self._current = (now, cached)
        return cached

    def _load(self, key: str, spec: int) -> _Api:
        raw = metadata_cache.load(key, self.cache_root)
        if raw is not None:
            try:
                return self._decode(raw)
            except Exception:  # a cache file that does not decode is a miss (bt-decode raises plain errors)
                logger.warning("cached V15 metadata does not decode; fetching it again", exc_info=True)
        raw = self._v15_from_node()
        if raw is None:
            return self._decode(self._v15_bundled(spec))
        api = self._decode(raw)
        metadata_cache.store(key, raw, self.cache_root)
        return api

    @staticmethod
    def _decode(raw: bytes) -> _Api:
        md = bt_decode.MetadataV15.decode_from_metadata_option(raw)
        value = md.value()
        outputs = {f"{api['name']}_{m['name']}": int(m["output"]) for api in value["apis"] for m in api["methods"]}
        storage: dict[tuple[str, str], StorageEntry] = {}
        for pallet in value["pallets"]:
            if not pallet.get("storage"):
                continue
            prefix = twox_128(pallet["storage"]["prefix"].encode())
            for entry in pallet["storage"]["entries"]:
                ty = entry["ty"]
                hashers, value_type = ((), int(ty["Plain"])) if "Plain" in ty else (
                    tuple(ty["Map"]["hashers"]), int(ty["Map"]["value"]))
                storage[(pallet["name"], entry["name"])] = StorageEntry(
                    prefix + twox_128(entry["name"].encode()), hashers, value_type, bytes(entry["default"]),
                    entry["modifier"] == "Optional")
        types = {int(t["id"]): t["type"] for t in value["types"]["types"]}
        return _Api(bt_decode.PortableRegistry.from_metadata_v15(md), outputs, storage, types)

    def _v15_from_node(self) -> bytes | None:
        try:
            result = self.client.read("state_call", ["Metadata_metadata_at_version", "0x0f000000"])
        except Exception:  # nodes without the API answer with an RPC error: use the bundled file
            logger.debug("node has no Metadata_metadata_at_version", exc_info=True)
            return None
        raw = bytes.fromhex(str(result)[2:])
        return raw if raw[:1] == b"\x01" else None

    @staticmethod
    def _v15_bundled(spec_version: int) -> bytes:
        for path in sorted((ASSETS / "localnet").glob(f"*spec{spec_version}.v15.hex")):
            return bytes.fromhex(path.read_text().strip()[2:])
        raise WalletError("runtime_mismatch", f"the node serves no V15 metadata and none is bundled for spec "
                          f"{spec_version}; runtime APIs cannot be decoded")

    def storage(self, pallet: str, item: str, *keys: bytes, default: Any = None, at: bytes | None = None) -> Any:
        """A storage value decoded with the V15 types; absent optional values give `default`, absent
        values with a chain default give that default (as the runtime would)."""
        entry, raw = self.storage_raw(pallet, item, *keys, at=at)
        if raw is None:
            return default
        return self.decode(entry.value_type, raw)

    def storage_raw(self, pallet: str, item: str, *keys: bytes, at: bytes | None = None) -> tuple[StorageEntry, bytes | None]:
        """The item's metadata and its raw value: the chain's default when absent, None only for an absent
        optional value.

        Raises:
            WalletError: "runtime_mismatch" when this runtime has no such item.
        """
        entry = self.entry(pallet, item)
        if entry is None:
            raise WalletError("runtime_mismatch", f"this chain's runtime has no storage {pallet}.{item}")
        key = self.storage_key(entry, *keys)
        params: list[Any] = ["0x" + key.hex()] + ([] if at is None else ["0x" + at.hex()])
        result = self.client.read("state_getStorage", params)
        if result is None:
            return entry, (None if entry.optional else entry.default)
        return entry, bytes.fromhex(str(result)[2:])

    def scalar(self, type_id: int, raw: bytes) -> Any:
        """A value of a fixed-width primitive type (seen through newtypes) decoded directly, as bt-decode
        would after `unwrap` (an int, or a bool); other types through bt-decode, unwrapped."""
        prim = self.primitive(type_id)
        code = FIXED_WIDTH.get(prim or "")
        if code is not None and len(raw) == array(code).itemsize:
            if prim == "bool" and raw[0] in (0, 1):
                return raw[0] == 1
            if prim != "bool":
                return int.from_bytes(raw, "little", signed=prim.startswith("i"))  # type: ignore[union-attr]
        return unwrap(self.decode(type_id, raw))

    def account(self, public_key: bytes) -> tuple[int, int, int, int]:
        """(free, reserved, frozen, nonce) in rao from System.Account."""
        info = self.storage("System", "Account", public_key)
        data = info["data"]
        return num(data["free"]), num(data["reserved"]), num(data.get("frozen", 0)), num(info["nonce"])

    def call(self, method: str, args: bytes = b"", at: bytes | None = None) -> Any:
        """Call `method` (e.g. "SubnetInfoRuntimeApi_get_metagraph"); bt-decode's value (read it with num/acct/text)."""
        api = self._api()
        output = api.outputs.get(method)
        if output is None:
            raise WalletError("runtime_mismatch", f"this chain's runtime has no {method}")
        params: list[Any] = [method, "0x" + args.hex()]
        if at is not None:
            params.append("0x" + at.hex())
        raw = bytes.fromhex(str(self.client.read("state_call", params))[2:])
        return bt_decode.decode(f"scale_info::{output}", api.registry, raw)


    def call_many(self, calls: Sequence[tuple[str, bytes]], at: bytes | None = None) -> list[Any]:
        """Several runtime-API calls pipelined in one round trip (each decoded as `call` does)."""
        api = self._api()
        outputs = []
        for method, _ in calls:
            output = api.outputs.get(method)
            if output is None:
                raise WalletError("runtime_mismatch", f"this chain's runtime has no {method}")
            outputs.append(output)
        tail = [] if at is None else ["0x" + at.hex()]
        results = self.client.read_many([("state_call", [method, "0x" + args.hex(), *tail]) for method, args in calls])
        return self.decode_many(outputs, [bytes.fromhex(str(result)[2:]) for result in results])

    # --- raw storage, for reads too large for one-value-at-a-time decoding ------------------------------

    def entry(self, pallet: str, item: str) -> StorageEntry | None:
        """The metadata's description of a storage item (None when this runtime has no such item)."""
        return self._api().storage.get((pallet, item))

    @staticmethod
    def storage_key(entry: StorageEntry, *keys: bytes) -> bytes:
        """The full storage key of `entry` at the SCALE-encoded `keys`."""
        if len(keys) != len(entry.hashers):
            raise ValueError(f"storage item takes {len(entry.hashers)} key(s), got {len(keys)}")
        return entry.prefix + b"".join(hash_storage_key(h, k) for h, k in zip(entry.hashers, keys, strict=True))

    def raw_values(self, keys: Sequence[bytes | str], at: bytes, chunk: int = 2048) -> list[bytes | None]:
        """Raw values of many storage keys (bytes, or "0x" hex as the node writes them) at one block
        (`state_queryStorageAt`, chunks pipelined); None where nothing is stored."""
        hexes = [k if isinstance(k, str) else "0x" + k.hex() for k in keys]
        block = "0x" + at.hex()
        calls = [("state_queryStorageAt", [hexes[i:i + chunk], block]) for i in range(0, len(hexes), chunk)]
        found: dict[str, str | None] = {}
        for result in self.client.read_many(calls):
            for change_set in result or ():
                found.update(change_set["changes"])
        fromhex = bytes.fromhex
        return [None if (v := found.get(h)) is None else fromhex(v[2:]) for h in hexes]

    def decode(self, type_id: int, raw: bytes) -> Any:
        """Decode `raw` as the runtime's type `type_id` with bt-decode."""
        return bt_decode.decode(f"scale_info::{type_id}", self._api().registry, raw)

    def decode_many(self, type_ids: Sequence[int], raws: Sequence[bytes]) -> list[Any]:
        """Decode several values in one bt-decode call: each `decode` call copies the whole registry
        (~2 ms), `decode_list` does so once."""
        if not raws:
            return []
        values: list[Any] = bt_decode.decode_list([f"scale_info::{t}" for t in type_ids], self._api().registry,
                                                  list(raws))
        return values

    def primitive(self, type_id: int) -> str | None:
        """The scale-info primitive behind `type_id` (seeing through one-field newtypes such as AlphaBalance
        or PerU16), or None when it is not a primitive."""
        types = self._api().types
        for _ in range(8):
            definition = types[type_id]["def"]
            if "primitive" in definition:
                return str(definition["primitive"])
            fields = definition.get("composite", {}).get("fields")
            if not fields or len(fields) != 1:
                return None
            type_id = int(fields[0]["type"])
        return None

    def vector_dtype(self, type_id: int) -> str | None:
        """`array` typecode of the elements when `type_id` is a Vec of a fixed-width primitive, else None."""
        definition = self._api().types[type_id]["def"]
        if "sequence" not in definition:
            return None
        return FIXED_WIDTH.get(self.primitive(int(definition["sequence"]["type"])) or "")


def fixed_vector(raw: bytes, typecode: str) -> list[int]:
    """A SCALE `Vec<fixed-width>` (compact length, then little-endian items) decoded with `array`.

    Raises:
        ValueError: the bytes are not exactly such a vector.
    """
    length, offset = decode_compact(raw, 0, canonical=False)
    items = array(typecode)
    if len(raw) != offset + length * items.itemsize:
        raise ValueError(f"a Vec of {length} x {items.itemsize}-byte items needs "
                         f"{offset + length * items.itemsize} bytes, got {len(raw)}")
    items.frombytes(raw[offset:])
    if sys.byteorder == "big":
        items.byteswap()
    return items.tolist()
