"""SS58 addresses (Substrate's base58 + blake2b checksum); Bittensor uses network prefix 42."""

from __future__ import annotations

import hashlib

from keystore.errors import InvalidAddressError

SS58_FORMAT = 42
_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
_PREFIX = b"SS58PRE"


def b58encode(data: bytes) -> str:
    """Bitcoin-alphabet base58."""
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, rem = divmod(n, 58)
        out.append(_ALPHABET[rem])
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    """Inverse of b58encode; raises InvalidAddressError on a character outside the alphabet."""
    n = 0
    for pos, ch in enumerate(text, start=1):
        digit = _INDEX.get(ch)
        if digit is None:
            raise InvalidAddressError(f"invalid base58 character {ch!r} at position {pos}")
        n = n * 58 + digit
    pad = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * pad + body


def _checksum(payload: bytes) -> bytes:
    return hashlib.blake2b(_PREFIX + payload, digest_size=64).digest()[:2]


def _encode_prefix(ss58_format: int) -> bytes:
    if not 0 <= ss58_format < 16384 or ss58_format in (46, 47):
        raise InvalidAddressError(f"unsupported SS58 format {ss58_format}")
    if ss58_format < 64:
        return bytes([ss58_format])
    first = ((ss58_format & 0b1111_1100) >> 2) | 0b0100_0000
    second = (ss58_format >> 8) | ((ss58_format & 0b11) << 6)
    return bytes([first, second])


def ss58_encode(public_key: bytes, ss58_format: int = SS58_FORMAT) -> str:
    """Encode a 32-byte public key (AccountId32) as an SS58 address.

    Raises:
        InvalidAddressError: the key is not 32 bytes or the format is out of range.
    """
    if len(public_key) != 32:
        raise InvalidAddressError(f"public key must be 32 bytes, got {len(public_key)}")
    payload = _encode_prefix(ss58_format) + bytes(public_key)
    return b58encode(payload + _checksum(payload))


def ss58_decode_with_format(address: str) -> tuple[int, bytes]:
    """Decode any valid 32-byte-account SS58 address into (network prefix, public key).

    Raises:
        InvalidAddressError: bad characters, wrong length or bad checksum.
    """
    if not isinstance(address, str) or not address:
        raise InvalidAddressError("address is empty")
    raw = b58decode(address.strip())
    if not raw:
        raise InvalidAddressError("address is empty")
    prefix_len = 2 if raw[0] & 0b0100_0000 else 1
    if raw[0] >= 128:
        raise InvalidAddressError("invalid SS58 prefix byte")
    if len(raw) != prefix_len + 32 + 2:
        raise InvalidAddressError(
            f"not an SS58 account address: decodes to {len(raw)} bytes, expected {prefix_len + 34}"
        )
    payload, check = raw[:-2], raw[-2:]
    if _checksum(payload) != check:
        raise InvalidAddressError("SS58 checksum mismatch: the address is mistyped or damaged")
    two_byte = ((raw[0] & 0b0011_1111) << 2) | (raw[1] >> 6) | ((raw[1] & 0b0011_1111) << 8)
    fmt = raw[0] if prefix_len == 1 else two_byte
    return fmt, bytes(payload[prefix_len:])


def ss58_decode(address: str, ss58_format: int | None = SS58_FORMAT) -> bytes:
    """Decode an SS58 address to its 32-byte public key.

    Args:
        address: the SS58 string.
        ss58_format: required network prefix; None accepts any valid prefix.

    Raises:
        InvalidAddressError: malformed, bad checksum, or a prefix other than ``ss58_format``
            (the message names both prefixes).
    """
    fmt, key = ss58_decode_with_format(address)
    if ss58_format is not None and fmt != ss58_format:
        raise InvalidAddressError(
            f"address uses SS58 network prefix {fmt}, expected {ss58_format} (Bittensor addresses start with 5)"
        )
    return key


def is_valid_ss58(address: str, ss58_format: int | None = SS58_FORMAT) -> bool:
    """True if ``address`` decodes (with ``ss58_format``'s prefix unless None)."""
    try:
        ss58_decode(address, ss58_format)
    except InvalidAddressError:
        return False
    return True
