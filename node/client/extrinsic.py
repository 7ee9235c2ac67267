"""Signed extrinsics built from the runtime's own list of signed extensions, signed by a callback.

substrate-interface hard-codes the extensions it knows; here every extension the metadata lists is
walked in order. Known ones get their values from `SigningContext`; an unknown extension whose extra
and additional-signed types encode to nothing is accepted (that is how new runtimes add marker
extensions such as `SubtensorTransactionExtension`); an unknown one with data is refused by name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from node.client.era import MortalEra
from node.client.runtime import Runtime, RuntimeMetadataError
from node.scale_compact import encode_compact

#: Substrate signs blake2_256(payload) instead of the payload when it is longer than this.
MAX_UNHASHED_PAYLOAD = 256


class CryptoScheme(StrEnum):
    """Signature schemes, named as the `MultiSignature` variants are."""

    SR25519 = "Sr25519"
    ED25519 = "Ed25519"


class UnsupportedExtensionError(RuntimeMetadataError):
    """The runtime requires a signed extension with data this client does not know how to fill."""


def blake2_256(data: bytes) -> bytes:
    """32-byte BLAKE2b, Substrate's hash for extrinsics, blocks and long signing payloads."""
    return hashlib.blake2b(data, digest_size=32).digest()


@dataclass(frozen=True)
class SigningContext:
    """Everything besides the call that a signature commits to.

    Attributes:
        genesis_hash: the chain's block #0 hash (CheckGenesis).
        spec_version / transaction_version: runtime versions (CheckSpecVersion / CheckTxVersion).
        nonce: the signer's account nonce (CheckNonce).
        era: mortality; None = immortal (not recommended).
        era_block_number / era_block_hash: the block the era is anchored at (its hash is signed).
        tip: priority tip in rao (ChargeTransactionPayment).
        metadata_hash: None = CheckMetadataHash mode 0 (disabled); else the 32-byte RFC-78 hash.
    """

    genesis_hash: bytes
    spec_version: int
    transaction_version: int
    nonce: int
    era: MortalEra | None
    era_block_number: int
    era_block_hash: bytes
    tip: int = 0
    metadata_hash: bytes | None = None

    def valid_until(self) -> int | None:
        """First block number where the transaction is dead, or None when immortal."""
        return None if self.era is None else self.era.death(self.era_block_number)


def _extension_parts(runtime: Runtime, ctx: SigningContext) -> tuple[bytes, bytes]:
    """(extra bytes that go into the extrinsic, additional-signed bytes that only the signature covers)."""
    extra = b""
    additional = b""
    for ext in runtime.signed_extensions:
        name = ext.identifier
        extra_value: Any = None
        extra_raw: bytes | None = None
        add_value: Any = None
        add_raw: bytes | None = None
        if name == "CheckSpecVersion":
            add_raw = ctx.spec_version.to_bytes(4, "little")
        elif name == "CheckTxVersion":
            add_raw = ctx.transaction_version.to_bytes(4, "little")
        elif name == "CheckGenesis":
            add_raw = ctx.genesis_hash
        elif name in ("CheckMortality", "CheckEra"):
            extra_raw = b"\x00" if ctx.era is None else ctx.era.encode()
            add_raw = ctx.genesis_hash if ctx.era is None else ctx.era_block_hash
        elif name == "CheckNonce":
            extra_value = ctx.nonce
        elif name == "ChargeTransactionPayment":
            extra_value = ctx.tip
        elif name == "CheckMetadataHash":
            extra_value = {"mode": "Disabled" if ctx.metadata_hash is None else "Enabled"}
            add_value = None if ctx.metadata_hash is None else "0x" + ctx.metadata_hash.hex()
        if extra_raw is None:
            if extra_value is None and name != "CheckMetadataHash":
                if not runtime.is_empty_type(ext.extra_type):
                    raise UnsupportedExtensionError(
                        f"runtime {runtime.spec_version} requires signed extension {name} with data this "
                        "client cannot fill; update tao-wallet"
                    )
                extra_raw = b""
            else:
                extra_raw = runtime.encode(ext.extra_type, extra_value)
        if add_raw is None:
            if add_value is None and name != "CheckMetadataHash":
                if not runtime.is_empty_type(ext.additional_type):
                    raise UnsupportedExtensionError(
                        f"runtime {runtime.spec_version} signs additional data for extension {name} that this "
                        "client cannot provide; update tao-wallet"
                    )
                add_raw = b""
            else:
                add_raw = runtime.encode(ext.additional_type, add_value)
        extra += extra_raw
        additional += add_raw
    return extra, additional


def signing_payload(runtime: Runtime, call: bytes, ctx: SigningContext) -> bytes:
    """call ++ extra ++ additional_signed: the exact bytes a signature covers (before hashing)."""
    extra, additional = _extension_parts(runtime, ctx)
    return call + extra + additional


def bytes_to_sign(payload: bytes) -> bytes:
    """Apply Substrate's rule: payloads longer than 256 bytes are signed as their blake2_256 hash."""
    return blake2_256(payload) if len(payload) > MAX_UNHASHED_PAYLOAD else payload


def encode_signed_extrinsic(
    runtime: Runtime,
    call: bytes,
    ctx: SigningContext,
    public_key: bytes,
    scheme: CryptoScheme,
    signature: bytes,
) -> bytes:
    """Assemble a signed V4 extrinsic (with its compact length prefix)."""
    if len(public_key) != 32:
        raise ValueError("public key must be 32 bytes")
    if len(signature) != 64:
        raise ValueError("signature must be 64 bytes")
    extra, _ = _extension_parts(runtime, ctx)
    address = runtime.encode(runtime.address_type, {"Id": "0x" + public_key.hex()})
    sig = runtime.encode(runtime.signature_type, {scheme.value: "0x" + signature.hex()})
    body = bytes([0x80 | runtime.extrinsic_version]) + address + sig + extra + call
    return encode_compact(len(body)) + body


Signer = Callable[[bytes], bytes]
"""Signs the bytes given (already hashed when long, see `bytes_to_sign`) and returns a 64-byte signature."""


@dataclass(frozen=True)
class ExternalSigner:
    """A signing callback plus what the extrinsic must say about the signer; holds no key material."""

    public_key: bytes
    scheme: CryptoScheme
    sign: Signer


def sign_extrinsic(runtime: Runtime, call: bytes, ctx: SigningContext, signer: ExternalSigner) -> bytes:
    """Build the payload, ask the signer, and return the encoded signed extrinsic."""
    signature = signer.sign(bytes_to_sign(signing_payload(runtime, call, ctx)))
    return encode_signed_extrinsic(runtime, call, ctx, signer.public_key, signer.scheme, signature)


def fee_probe_extrinsic(runtime: Runtime, call: bytes, ctx: SigningContext, public_key: bytes) -> bytes:
    """An extrinsic with a zero signature: same length and weight as the real one, for fee queries only."""
    return encode_signed_extrinsic(runtime, call, ctx, public_key, CryptoScheme.SR25519, bytes(64))


def extrinsic_hash(extrinsic: bytes) -> bytes:
    """The transaction hash nodes report (blake2_256 of the length-prefixed extrinsic)."""
    return blake2_256(extrinsic)
