"""Subtensor runtime APIs (`state_call`) decoded with the runtime's V15 type registry (bt-decode).

One `state_call` answers what would otherwise take hundreds of storage reads (a 4096-uid metagraph, all
subnets' pools), which is why the portfolio and browsers use them. The V15 metadata comes from the node
(`Metadata_metadata_at_version(15)`); nodes that only serve V14 (our localnet) fall back to a bundled V15
file of the same spec version. Arguments are plain SCALE (u16 netuids, u64 amounts, 32-byte accounts).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

import bt_decode

from node.client.client import ChainClient
from node.client.runtime import hash_storage_key, twox_128
from tao_wallet.paths import ASSETS
from tao_wallet.services.errors import WalletError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Entry:
    prefix: bytes
    hashers: tuple[str, ...]
    value_type: int
    default: bytes
    optional: bool


@dataclass(frozen=True)
class _Api:
    registry: Any
    outputs: dict[str, int]
    storage: dict[tuple[str, str], _Entry]


#: Decoded V15 registries by (genesis, spec version): decoding costs ~0.3 s.
_CACHE: dict[tuple[bytes, int], _Api] = {}
_LOCK = threading.Lock()


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
    """

    def __init__(self, client: ChainClient) -> None:
        self.client = client

    def _api(self) -> _Api:
        # the spec version comes from a cheap RPC: reads never need scalecodec's (slow) full metadata decode
        spec = int(self.client.runtime_version()["specVersion"])
        key = (self.client.genesis_hash, spec)
        with _LOCK:
            cached = _CACHE.get(key)
        if cached is not None:
            return cached
        raw = self._v15_from_node()
        if raw is None:
            raw = self._v15_bundled(spec)
        md = bt_decode.MetadataV15.decode_from_metadata_option(raw)
        value = md.value()
        outputs = {f"{api['name']}_{m['name']}": int(m["output"]) for api in value["apis"] for m in api["methods"]}
        storage: dict[tuple[str, str], _Entry] = {}
        for pallet in value["pallets"]:
            if not pallet.get("storage"):
                continue
            prefix = twox_128(pallet["storage"]["prefix"].encode())
            for entry in pallet["storage"]["entries"]:
                ty = entry["ty"]
                hashers, value_type = ((), int(ty["Plain"])) if "Plain" in ty else (
                    tuple(ty["Map"]["hashers"]), int(ty["Map"]["value"]))
                storage[(pallet["name"], entry["name"])] = _Entry(
                    prefix + twox_128(entry["name"].encode()), hashers, value_type, bytes(entry["default"]),
                    entry["modifier"] == "Optional")
        api = _Api(bt_decode.PortableRegistry.from_metadata_v15(md), outputs, storage)
        with _LOCK:
            _CACHE[key] = api
        return api

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
        api = self._api()
        entry = api.storage.get((pallet, item))
        if entry is None:
            raise WalletError("runtime_mismatch", f"this chain's runtime has no storage {pallet}.{item}")
        if len(keys) != len(entry.hashers):
            raise ValueError(f"{pallet}.{item} takes {len(entry.hashers)} key(s), got {len(keys)}")
        key = entry.prefix + b"".join(hash_storage_key(h, k) for h, k in zip(entry.hashers, keys, strict=True))
        params: list[Any] = ["0x" + key.hex()] + ([] if at is None else ["0x" + at.hex()])
        result = self.client.read("state_getStorage", params)
        if result is None:
            if entry.optional:
                return default
            raw = entry.default
        else:
            raw = bytes.fromhex(str(result)[2:])
        return bt_decode.decode(f"scale_info::{entry.value_type}", api.registry, raw)

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

