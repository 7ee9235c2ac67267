"""An in-process JSON-RPC shim so substrate-interface itself can drive a Chain without sockets.

Only the handful of methods substrate-interface needs to compose, sign, submit and query are mapped; the
real WebSocket server lives in node/localnet/rpc and has its own tests. Other chain tests import
`shim_interface` from here.
"""

from __future__ import annotations

from typing import Any

import pytest
from substrateinterface import Keypair, SubstrateInterface
from substrateinterface.exceptions import SubstrateRequestException

from node.localnet.chain import Chain
from node.localnet.metadata_extension import EXTENDED_SPEC_VERSION
from node.localnet.validity import InvalidTransaction


def _h(value: str | None) -> bytes | None:
    return None if value is None else bytes.fromhex(value.removeprefix("0x"))


class ChainRpcShim:
    """Maps JSON-RPC method names to Chain calls, returning JSON-RPC response dicts."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain

    def request(self, method: str, params: list[Any]) -> dict[str, Any]:
        try:
            return {"jsonrpc": "2.0", "id": 1, "result": self._dispatch(method, params)}
        except InvalidTransaction as exc:
            return {"jsonrpc": "2.0", "id": 1,
                    "error": {"code": exc.code, "message": exc.message, "data": exc.data}}

    def _dispatch(self, method: str, params: list[Any]) -> Any:
        c = self.chain
        if method == "chain_getBlockHash":
            n = params[0] if params else None
            h = c.best_hash if n is None else c.block_hash(int(n))
            return None if h is None else "0x" + h.hex()
        if method in ("chain_getHead", "chain_getFinalizedHead"):
            h = c.best_hash if method == "chain_getHead" else c.finalized_hash
            return "0x" + h.hex()
        if method == "chain_getHeader":
            header = c.header(_h(params[0]) if params and params[0] else c.best_hash)
            return None if header is None else header.to_json()
        if method == "chain_getBlock":
            got = c.block(_h(params[0]) if params and params[0] else c.best_hash)
            if got is None:
                return None
            header, xts = got
            return {"block": {"header": header.to_json(), "extrinsics": ["0x" + x.hex() for x in xts]},
                    "justifications": None}
        if method in ("state_getRuntimeVersion", "chain_getRuntimeVersion"):
            return c.runtime_version()
        if method == "state_getMetadata":
            return "0x" + c.metadata.hex()
        if method == "system_properties":
            return c.properties
        if method == "system_chain":
            return c.chain_name
        if method in ("system_name", "system_version"):
            return "tao-wallet-localnet"
        if method in ("state_getStorageAt", "state_getStorage"):
            at = _h(params[1]) if len(params) > 1 else None
            v = c.storage(_h(params[0]) or b"", at)
            return None if v is None else "0x" + v.hex()
        if method == "system_accountNextIndex":
            from scalecodec.utils.ss58 import ss58_decode

            return c.account_next_index(bytes.fromhex(ss58_decode(params[0])))
        if method == "author_submitExtrinsic":
            return "0x" + c.submit(_h(params[0]) or b"").hex()
        if method == "state_call":
            at = _h(params[2]) if len(params) > 2 else None
            return "0x" + c.state_call(params[0], _h(params[1]) or b"", at).hex()
        if method == "payment_queryInfo":
            at = _h(params[1]) if len(params) > 1 else None
            return c.query_info(_h(params[0]) or b"", at)
        if method == "rpc_methods":
            return {"methods": ["author_submitExtrinsic", "chain_getBlock", "state_call"]}
        raise NotImplementedError(method)


class _ProcessMetadataCache:
    """A dogpile-style cache region so every shim interface decodes the (same) metadata only once."""

    store: dict[str, Any] = {}

    def get(self, key: str) -> Any:
        return self.store.get(key)

    def set(self, key: str, value: Any) -> None:
        self.store[key] = value


def shim_interface(chain: Chain) -> SubstrateInterface:
    """A SubstrateInterface whose rpc_request goes straight to `chain` (no transport is ever used)."""
    shim = ChainRpcShim(chain)

    class InProcessSubstrate(SubstrateInterface):  # type: ignore[misc]
        def rpc_request(self, method: str, params: list[Any], result_handler: Any = None) -> dict[str, Any]:
            resp = shim.request(method, params)
            if "error" in resp:
                raise SubstrateRequestException(resp["error"])
            return resp

    return InProcessSubstrate(url="http://127.0.0.1:9/never-contacted", ss58_format=42,
                              cache_region=_ProcessMetadataCache())


@pytest.fixture
def alice() -> Keypair:
    return Keypair.create_from_uri("//Alice")


def test_shim_reports_runtime_identity() -> None:
    chain = Chain(None)
    si = shim_interface(chain)
    si.init_runtime()
    assert si.runtime_version == EXTENDED_SPEC_VERSION
    assert si.get_chain_head() == "0x" + chain.best_hash.hex()
    assert si.get_block_number(si.get_chain_head()) == 0
    chain.close()
