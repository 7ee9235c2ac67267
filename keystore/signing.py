"""Signing helpers: btcli-compatible message signatures and Substrate extrinsic payloads.

Callers pass a freshly unlocked Keypair and drop it afterwards; nothing here keeps keys.
"""

from __future__ import annotations

import hashlib

from keystore.keypair import CryptoType, Keypair, verify_signature

MAX_UNHASHED_PAYLOAD = 256


def sign_message(keypair: Keypair, message: str) -> str:
    """Like ``btcli wallet sign``: sign the UTF-8 bytes, return the signature as hex without ``0x``.

    Raises:
        PublicKeyOnlyError: watch-only key.
    """
    return keypair.sign(message.encode("utf-8")).hex()


def verify_message(
    signer: str, message: str, signature: str | bytes, crypto_type: CryptoType | None = None
) -> bool:
    """Like ``btcli wallet verify``: UTF-8 message, hex signature (``0x`` optional).

    Args:
        signer: SS58 address or 32-byte hex public key.
        message: the text that was signed.
        signature: hex or raw 64 bytes.
        crypto_type: None tries sr25519 then ed25519 (btcli itself only checks sr25519).

    Raises:
        InvalidAddressError: bad signer. InvalidKeyMaterialError: malformed signature.
    """
    return verify_signature(signer, message.encode("utf-8"), signature, crypto_type)


def extrinsic_signing_payload(payload: bytes) -> bytes:
    """Substrate rule: payloads longer than 256 bytes are signed as their blake2b-256 hash."""
    if len(payload) > MAX_UNHASHED_PAYLOAD:
        return hashlib.blake2b(payload, digest_size=32).digest()
    return bytes(payload)


def sign_extrinsic_payload(keypair: Keypair, payload: bytes) -> bytes:
    """Sign a SCALE-encoded signing payload (call ‖ extra ‖ additional signed).

    Raises:
        PublicKeyOnlyError: watch-only key.
    """
    return keypair.sign(extrinsic_signing_payload(payload))


def multisignature(keypair: Keypair, signature: bytes) -> bytes:
    """SCALE ``MultiSignature``: variant byte (0 = Ed25519, 1 = Sr25519) ‖ 64-byte signature.

    Raises:
        ValueError: the signature is not 64 bytes.
    """
    if len(signature) != 64:
        raise ValueError(f"signature must be 64 bytes, got {len(signature)}")
    return bytes([int(keypair.crypto_type)]) + bytes(signature)
