"""RFC-0078 metadata digests for `CheckMetadataHash` (mode 1), and the runtime they vouch for.

With mode 1 the signature also covers the 32-byte digest of the chain's V15 metadata, so a signature made
by a signer that decoded the call with other metadata is rejected by the chain (BadProof). The digest is
computed by `bittensor-core` (the chain maintainers' binding of Parity's `merkleized-metadata` crate; the
project checked it against polkadot-api's independent `merkleizeMetadata`, see tests/money).

The chain constants below are what subtensor's runtime bakes into its hash (`runtime/build.rs`:
`enable_metadata_hash("TAO", 9)`, SS58 prefix 42); the spec name and version come from the metadata.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from node.client.metadata_v15 import (
    V15,
    MetadataFormatError,
    metadata_version,
    unwrap_metadata,
    v14_from_v15,
)

if TYPE_CHECKING:
    from node.client.client import ChainClient
    from node.client.runtime import DecodedCall, Runtime

logger = logging.getLogger(__name__)

TOKEN_SYMBOL = "TAO"
DECIMALS = 9
SS58_PREFIX = 42
METADATA_HASH_EXTENSION = "CheckMetadataHash"


class MetadataHashError(ValueError):
    """The digest cannot be computed (metadata not V15, malformed, ...)."""


_DIGESTS: dict[tuple[int, str, bytes], bytes] = {}
_RUNTIMES: dict[bytes, HashedRuntime] = {}
_ONLINE: dict[tuple[bytes, int], OnlineMetadata | None] = {}
_LOCK = threading.Lock()


def _fingerprint(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


def metadata_digest(metadata: bytes, spec_version: int, spec_name: str) -> bytes:
    """The 32-byte RFC-0078 digest of V15 metadata (raw `RuntimeMetadataPrefixed` or the
    `Option<OpaqueMetadata>` of `Metadata_metadata_at_version`), cached per (spec, metadata bytes).

    Raises:
        MetadataHashError: not V15 metadata, or the digest library refuses it.
    """
    try:
        raw = unwrap_metadata(metadata)
    except MetadataFormatError as exc:
        raise MetadataHashError(str(exc)) from None
    key = (spec_version, spec_name, _fingerprint(raw))
    with _LOCK:
        cached = _DIGESTS.get(key)
    if cached is not None:
        return cached
    if metadata_version(raw) != V15:
        raise MetadataHashError(f"the metadata hash is defined over V15 metadata, got V{raw[4]}")
    import bittensor_core

    try:
        digest = bytes(bittensor_core.metadata_digest(raw, spec_version, spec_name, base58_prefix=SS58_PREFIX,
                                                      decimals=DECIMALS, token_symbol=TOKEN_SYMBOL))
    except ValueError as exc:
        raise MetadataHashError(f"cannot compute the metadata hash: {exc}") from None
    if len(digest) != 32:
        raise MetadataHashError(f"metadata digest has {len(digest)} bytes, expected 32")
    with _LOCK:
        _DIGESTS[key] = digest
    return digest


@dataclass(frozen=True)
class HashedRuntime:
    """A runtime whose V14 view was derived from the V15 metadata its digest was computed from.

    Attributes:
        runtime: decodes/encodes calls and signed extensions (V14 derived from `metadata`).
        metadata: the V15 `RuntimeMetadataPrefixed` bytes.
        digest: RFC-0078 digest of `metadata` with the runtime's spec name and version.
    """

    runtime: Runtime
    metadata: bytes
    digest: bytes


def hashed_runtime(metadata: bytes) -> HashedRuntime:
    """Decode V15 metadata for signing with mode 1: the V14 used to decode the call and the digest the
    signature commits to come from the same bytes. Cached per metadata bytes (decoding takes seconds).

    Raises:
        MetadataHashError: not V15, malformed, or the digest cannot be computed.
    """
    from node.client.runtime import Runtime, RuntimeMetadataError

    try:
        raw = unwrap_metadata(metadata)
    except MetadataFormatError as exc:
        raise MetadataHashError(str(exc)) from None
    fingerprint = _fingerprint(raw)
    with _LOCK:
        cached = _RUNTIMES.get(fingerprint)
    if cached is not None:
        return cached
    try:
        runtime = Runtime.from_bytes(v14_from_v15(raw))
    except (MetadataFormatError, RuntimeMetadataError) as exc:
        raise MetadataHashError(f"cannot decode the V15 metadata: {exc}") from None
    result = HashedRuntime(runtime, raw, metadata_digest(raw, runtime.spec_version, runtime.spec_name))
    with _LOCK:
        _RUNTIMES[fingerprint] = result
    return result


def uses_metadata_hash(runtime: Runtime) -> bool:
    """True when the runtime's signed extensions include CheckMetadataHash (so mode 1 is possible)."""
    return any(ext.identifier == METADATA_HASH_EXTENSION for ext in runtime.signed_extensions)


def fetch_metadata_v15(client: ChainClient) -> bytes | None:
    """The node's V15 metadata (`Metadata_metadata_at_version(15)` at the head), or None if it has none."""
    answer: Any = client.read("state_call", ["Metadata_metadata_at_version", "0x" + V15.to_bytes(4, "little").hex()])
    if not isinstance(answer, str) or not answer.startswith("0x"):
        return None
    blob = bytes.fromhex(answer[2:])
    if blob[:1] != b"\x01":
        return None
    return unwrap_metadata(blob)


@dataclass(frozen=True)
class OnlineMetadata:
    """The node's V15 metadata and its digest for the runtime the client signs with."""

    metadata: bytes
    digest: bytes
    spec_version: int
    transaction_version: int

    def check_call(self, call: bytes, decoded: DecodedCall) -> None:
        """Check that `call`, composed/decoded with the node's V14 metadata, reads the same with the V15
        metadata the digest covers: a node serving a V14 that disagrees with its V15 (so that a call
        composed by name means something else on chain) is caught before signing.

        Raises:
            MetadataHashError: the two metadata disagree about this call.
        """
        import bittensor_core

        try:
            other = bittensor_core.Runtime(self.metadata, self.spec_version, self.transaction_version)
            value = other.decode_call(call)
        except (ValueError, KeyError, TypeError) as exc:
            raise MetadataHashError(f"the call does not decode with the chain's V15 metadata: {exc}") from None
        names = (value.get("call_module"), value.get("call_function"))
        args = value.get("call_args") or []
        if names != (decoded.pallet, decoded.function) or len(args) != len(decoded.args) or any(
            a.get("name") != b.name or not _same_value(b.value, a.get("value")) for a, b in zip(args, decoded.args, strict=True)
        ):
            raise MetadataHashError(
                f"the node's V14 and V15 metadata disagree about {decoded.pallet}.{decoded.function}: refusing to "
                "sign a call whose meaning depends on which metadata is believed")


def online_metadata(client: ChainClient, runtime: Runtime) -> OnlineMetadata | None:
    """The V15 metadata and digest to sign with for the node's current runtime, or None for mode 0.

    None when the runtime has no CheckMetadataHash extension or the node serves no V15 metadata. Fetched
    once per (chain, spec version); the digest uses the spec name/version of `runtime` (about 10 ms).

    Raises:
        MetadataHashError: the node's V15 metadata cannot be hashed.
    """
    if not uses_metadata_hash(runtime):
        return None
    key = (client.genesis_hash, runtime.spec_version)
    with _LOCK:
        known = key in _ONLINE
        cached = _ONLINE.get(key)
    if known:
        return cached
    v15 = fetch_metadata_v15(client)
    result: OnlineMetadata | None = None
    if v15 is None:
        logger.info("node serves no V15 metadata: signing with CheckMetadataHash disabled")
    else:
        result = OnlineMetadata(v15, metadata_digest(v15, runtime.spec_version, runtime.spec_name),
                                runtime.spec_version, runtime.transaction_version)
    with _LOCK:
        _ONLINE[key] = result
    return result


def _same_value(ours: Any, theirs: Any) -> bool:
    """Whether one decoded argument agrees across the two decoders, judged on what both render alike:
    integers, and account ids (0x-hex in scalecodec, SS58 in bittensor-core). Shapes the two render
    differently (enums, byte strings) are not compared; their call, argument names and exact length are."""
    if isinstance(ours, bool) or isinstance(theirs, bool):
        return ours == theirs if isinstance(ours, bool) and isinstance(theirs, bool) else True
    if isinstance(ours, int) and isinstance(theirs, int):
        return ours == theirs
    if isinstance(ours, str) and isinstance(theirs, str) and ours.startswith("0x") and len(ours) == 66 \
            and not theirs.startswith("0x"):
        import bittensor_core

        try:
            return bytes(bittensor_core.ss58_decode(theirs)).hex() == ours[2:]
        except ValueError:
            return False
    if isinstance(ours, dict) and isinstance(theirs, dict) and ours.keys() == theirs.keys():
        return all(_same_value(v, theirs[k]) for k, v in ours.items())
    if isinstance(ours, (list, tuple)) and isinstance(theirs, (list, tuple)) and len(ours) == len(theirs):
        return all(_same_value(a, b) for a, b in zip(ours, theirs, strict=True))
    return True
