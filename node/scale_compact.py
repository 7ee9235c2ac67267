"""SCALE compact integers: the one encoder/decoder shared by node.trie, node.localnet, node.client,
node.light and tao_wallet's services.

Two decoding strictnesses exist on purpose: the trie (and anything checking proofs) must reject
non-canonical encodings so a node has exactly one valid byte form, as parity-scale-codec does; the
localnet's codecs accept any well-formed encoding. keystore/ keeps its own tiny encoder because it must
not import node (import-linter independence contract).
"""

from __future__ import annotations

__all__ = ["MAX_COMPACT_BYTES", "decode_compact", "encode_compact"]

MAX_COMPACT_BYTES = 67
"""Widest big-integer payload the mode-3 length byte can describe ((63 + 4) bytes)."""


def encode_compact(value: int) -> bytes:
    """SCALE-encode a non-negative integer in compact form (always the canonical, shortest form).

    Raises:
        ValueError: if ``value`` is negative or needs more than 67 bytes.
    """
    if value < 0:
        raise ValueError(f"compact integers are unsigned, got {value}")
    if value < 1 << 6:
        return bytes((value << 2,))
    if value < 1 << 14:
        return ((value << 2) | 1).to_bytes(2, "little")
    if value < 1 << 30:
        return ((value << 2) | 2).to_bytes(4, "little")
    raw = value.to_bytes((value.bit_length() + 7) // 8, "little")
    if len(raw) > MAX_COMPACT_BYTES:
        raise ValueError("compact integer too large")
    return bytes((((len(raw) - 4) << 2) | 3,)) + raw


def decode_compact(
    data: bytes | bytearray | memoryview, offset: int = 0, *, canonical: bool, max_bytes: int | None = None
) -> tuple[int, int]:
    """Decode a SCALE compact integer at ``offset``.

    Args:
        data: buffer to read from.
        offset: position of the first byte.
        canonical: reject encodings that are not the shortest form (consensus/proof data).
        max_bytes: with ``canonical``, width of the integer type (4 for ``Compact<u32>``); mode-3
            payloads wider than this are refused. None = no width limit.

    Returns:
        ``(value, new_offset)``.

    Raises:
        ValueError: on truncated input, or (``canonical``) non-canonical or too-wide input.
    """
    if canonical:
        return _decode_canonical(data, offset, max_bytes)
    return _decode_lenient(data, offset)


def _decode_lenient(data: bytes | bytearray | memoryview, offset: int) -> tuple[int, int]:
    if offset >= len(data):
        raise ValueError("compact integer: no bytes")
    b0 = data[offset]
    mode = b0 & 3
    if mode == 0:
        return b0 >> 2, offset + 1
    if mode == 1:
        end = offset + 2
        if end > len(data):
            raise ValueError("compact integer: truncated")
        return int.from_bytes(data[offset:end], "little") >> 2, end
    if mode == 2:
        end = offset + 4
        if end > len(data):
            raise ValueError("compact integer: truncated")
        return int.from_bytes(data[offset:end], "little") >> 2, end
    end = offset + 1 + (b0 >> 2) + 4
    if end > len(data):
        raise ValueError("compact integer: truncated")
    return int.from_bytes(data[offset + 1 : end], "little"), end


def _decode_canonical(
    data: bytes | bytearray | memoryview, offset: int, max_bytes: int | None
) -> tuple[int, int]:
    if offset >= len(data):
        raise ValueError("truncated compact integer")
    first = data[offset]
    mode = first & 3
    if mode == 0:
        return first >> 2, offset + 1
    if mode == 1:
        end = offset + 2
        if end > len(data):
            raise ValueError("truncated compact integer")
        value = int.from_bytes(data[offset:end], "little") >> 2
        if value < 1 << 6:
            raise ValueError("non-canonical compact integer")
        return value, end
    if mode == 2:
        end = offset + 4
        if end > len(data):
            raise ValueError("truncated compact integer")
        value = int.from_bytes(data[offset:end], "little") >> 2
        if value < 1 << 14:
            raise ValueError("non-canonical compact integer")
        return value, end
    size = (first >> 2) + 4
    if max_bytes is not None and size > max_bytes:
        raise ValueError("compact integer too large for its type")
    end = offset + 1 + size
    if end > len(data):
        raise ValueError("truncated compact integer")
    value = int.from_bytes(data[offset + 1 : end], "little")
    if value < 1 << 30 or (value >> (8 * (size - 1))) == 0:
        raise ValueError("non-canonical compact integer")
    return value, end
