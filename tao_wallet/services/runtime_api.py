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
from tao_wallet.paths import ASSETS
from tao_wallet.services.errors import WalletError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Api:
    registry: Any
    outputs: dict[str, int]


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
        runtime = self.client.runtime()
        key = (self.client.genesis_hash, runtime.spec_version)
        with _LOCK:
            cached = _CACHE.get(key)
        if cached is not None:
            return cached
        raw = self._v15_from_node()
        if raw is None:
            raw = self._v15_bundled(runtime.spec_version)
        md = bt_decode.MetadataV15.decode_from_metadata_option(raw)
        value = md.value()
        outputs = {f"{api['name']}_{m['name']}": int(m["output"]) for api in value["apis"] for m in api["methods"]}
        api = _Api(bt_decode.PortableRegistry.from_metadata_v15(md), outputs)
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


def storage_or(client: ChainClient, pallet: str, item: str, *keys: bytes, default: Any = None) -> Any:
    """A storage value, or `default` when the key is absent (avoids decoding metadata defaults)."""
    runtime = client.runtime()
    raw = client.read("state_getStorage", ["0x" + runtime.storage_key(pallet, item, *keys).hex()])
    if raw is None:
        return default
    return runtime.decode_storage(pallet, item, bytes.fromhex(raw[2:]))
