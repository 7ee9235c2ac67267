"""Substrate trie node codec (sp-trie ``NodeCodec``, no-extension layout, state versions 0 and 1).

Partial keys are handled as lowercase hex strings, one character per nibble: ``key.hex()`` is the
nibble path of a key, slicing and ``str.startswith`` run in C, and the odd-length padding rule of the
codec is just ``bytes.fromhex("0" + partial)``.

Node byte layout (first byte = kind prefix + nibble count, continued in following bytes if large):
  ``01nnnnnn`` leaf, ``10nnnnnn`` branch without value, ``11nnnnnn`` branch with value,
  ``001nnnnn`` leaf whose value is stored as a separate node (32-byte hash in place of the value),
  ``0001nnnn`` branch with such a hashed value, ``00000000`` the empty trie.
Then the packed partial key, for branches a little-endian u16 children bitmap, the value
(``Compact(len) ++ bytes`` or a bare 32-byte hash), and for branches each present child as
``Compact(len) ++ data`` where data is the child's 32-byte hash or, when the child's encoding is
shorter than 32 bytes, the encoding itself (an inline child).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TypeAlias

from node.scale_compact import decode_compact, encode_compact

__all__ = [
    "HASH_LEN",
    "NIBBLE_INDEX",
    "VALUE_NODE_THRESHOLD",
    "HashedValue",
    "Node",
    "NodeDecodeError",
    "child_ref_bytes",
    "decode_node",
    "encode_branch",
    "encode_leaf",
]

HASH_LEN = 32
VALUE_NODE_THRESHOLD = 33
"""State version 1: values of at least this many bytes live in their own node, referenced by hash."""

NIBBLE_INDEX: dict[str, int] = {c: i for i, c in enumerate("0123456789abcdef")}
HEX_NIBBLES = "0123456789abcdef"

_LEAF = 0x40
_BRANCH_NO_VALUE = 0x80
_BRANCH_WITH_VALUE = 0xC0
_HASHED_LEAF = 0x20
_HASHED_BRANCH = 0x10


class NodeDecodeError(ValueError):
    """Bytes that are not a well-formed trie node."""


class HashedValue:
    """A value kept in its own node and referenced by its BLAKE2-256 hash.

    ``data`` is ``None`` until the value node has been fetched from a store.
    """

    __slots__ = ("data", "hash")

    def __init__(self, value_hash: bytes, data: bytes | None = None) -> None:
        self.hash = value_hash
        self.data = data


ValueSlot: TypeAlias = "bytes | HashedValue | None"
ChildSlot: TypeAlias = "Node | bytes | None"


class Node:
    """A mutable in-memory trie node (leaf when ``children`` is None, else a branch).

    Attributes:
        partial: the node's partial key, one hex character per nibble.
        value: raw value bytes, a :class:`HashedValue`, or None (branch without value).
        children: 16 slots, each a loaded :class:`Node`, an unloaded 32-byte child hash, or None.
        ref: cached reference used by the parent (32-byte hash, or the encoding itself when it is
            shorter than 32 bytes); None while the node is dirty.
    """

    __slots__ = ("children", "partial", "ref", "value")

    def __init__(
        self,
        partial: str,
        value: ValueSlot,
        children: list[ChildSlot] | None,
        ref: bytes | None = None,
    ) -> None:
        self.partial = partial
        self.value = value
        self.children = children
        self.ref = ref


@lru_cache(maxsize=4096)
def _header(prefix: int, mask_bits: int, nibbles: int) -> bytes:
    max_value = 255 >> mask_bits
    if nibbles < max_value:
        return bytes((prefix + nibbles,))
    out = bytearray((prefix + max_value,))
    rem = nibbles - (max_value - 1)
    while rem > 0:
        if rem < 256:
            out.append(rem - 1)
            rem = 0
        else:
            out.append(255)
            rem -= 255
    return bytes(out)


def _partial_bytes(partial: str) -> bytes:
    if len(partial) & 1:
        return bytes.fromhex("0" + partial)
    return bytes.fromhex(partial)


def child_ref_bytes(ref: bytes) -> bytes:
    """Encode a child reference (32-byte hash or inline encoding) as it appears in a branch."""
    if len(ref) == HASH_LEN:
        return b"\x80" + ref
    return bytes((len(ref) << 2,)) + ref


def encode_leaf(partial: str, value: bytes, hashed: bool) -> bytes:
    """Encode a leaf; ``value`` is the 32-byte value hash when ``hashed`` is true."""
    if hashed:
        return _header(_HASHED_LEAF, 3, len(partial)) + _partial_bytes(partial) + value
    return _header(_LEAF, 2, len(partial)) + _partial_bytes(partial) + encode_compact(len(value)) + value


def encode_branch(
    partial: str, value: bytes | None, hashed: bool, child_refs: Sequence[bytes | None]
) -> bytes:
    """Encode a branch from its value (hash when ``hashed``) and its 16 child references."""
    if value is None:
        parts = [_header(_BRANCH_NO_VALUE, 2, len(partial)), _partial_bytes(partial), b""]
    elif hashed:
        parts = [_header(_HASHED_BRANCH, 4, len(partial)), _partial_bytes(partial), b"", value]
    else:
        parts = [
            _header(_BRANCH_WITH_VALUE, 2, len(partial)),
            _partial_bytes(partial),
            b"",
            encode_compact(len(value)),
            value,
        ]
    bitmap = 0
    for i, ref in enumerate(child_refs):
        if ref is not None:
            bitmap |= 1 << i
            if len(ref) == HASH_LEN:
                parts.append(b"\x80")
            else:
                parts.append(bytes((len(ref) << 2,)))
            parts.append(ref)
    parts[2] = bitmap.to_bytes(2, "little")
    return b"".join(parts)


def _take(data: bytes, offset: int, count: int) -> int:
    end = offset + count
    if end > len(data):
        raise NodeDecodeError("node data ends early")
    return end


def _decode_size(data: bytes, offset: int, mask_bits: int) -> tuple[int, int]:
    max_value = 255 >> mask_bits
    result = data[offset] & max_value
    offset += 1
    if result < max_value:
        return result, offset
    result -= 1
    while True:
        if offset >= len(data):
            raise NodeDecodeError("node header ends early")
        n = data[offset]
        offset += 1
        if n < 255:
            return result + n + 1, offset
        result += 255


def decode_node(data: bytes) -> Node | None:
    """Decode one encoded node; returns None for the empty-trie node ``0x00``.

    Inline children are decoded recursively into :class:`Node` objects whose ``ref`` is their
    encoding; hashed children are left as 32-byte hashes. The returned top node has ``ref=None``.

    Raises:
        NodeDecodeError: for anything that is not exactly one well-formed node.
    """
    node, end = _decode_at(data, 0, len(data))
    if end != len(data):
        raise NodeDecodeError("trailing bytes after node")
    return node


def _decode_at(data: bytes, offset: int, limit: int) -> tuple[Node | None, int]:
    if offset >= limit:
        raise NodeDecodeError("empty node data")
    if limit != len(data):
        data = data[:limit]
    first = data[offset]
    if first == 0:
        return None, offset + 1
    kind = first & 0xC0
    if kind == _LEAF:
        is_branch, has_value, hashed, mask = False, True, False, 2
    elif kind == _BRANCH_NO_VALUE:
        is_branch, has_value, hashed, mask = True, False, False, 2
    elif kind == _BRANCH_WITH_VALUE:
        is_branch, has_value, hashed, mask = True, True, False, 2
    elif first & 0xE0 == _HASHED_LEAF:
        is_branch, has_value, hashed, mask = False, True, True, 3
    elif first & 0xF0 == _HASHED_BRANCH:
        is_branch, has_value, hashed, mask = True, True, True, 4
    else:
        raise NodeDecodeError(f"unknown node header byte 0x{first:02x}")
    nibbles, offset = _decode_size(data, offset, mask)
    end = _take(data, offset, (nibbles + 1) // 2)
    raw = data[offset:end].hex()
    if nibbles & 1:
        if raw[0] != "0":
            raise NodeDecodeError("non-zero padding nibble in partial key")
        raw = raw[1:]
    offset = end
    bitmap = 0
    if is_branch:
        end = _take(data, offset, 2)
        bitmap = int.from_bytes(data[offset:end], "little")
        if bitmap == 0:
            raise NodeDecodeError("branch without children")
        offset = end
    value: ValueSlot = None
    if has_value:
        if hashed:
            end = _take(data, offset, HASH_LEN)
            value = HashedValue(data[offset:end])
        else:
            length, offset = _read_len(data, offset)
            end = _take(data, offset, length)
            value = data[offset:end]
        offset = end
    if not is_branch:
        return Node(raw, value, None), offset
    children: list[ChildSlot] = [None] * 16
    for i in range(16):
        if bitmap >> i & 1:
            length, offset = _read_len(data, offset)
            end = _take(data, offset, length)
            if length == HASH_LEN:
                children[i] = data[offset:end]
            elif length > HASH_LEN:
                raise NodeDecodeError("child reference longer than a hash")
            else:
                child, child_end = _decode_at(data, offset, end)
                if child is None or child_end != end:
                    raise NodeDecodeError("malformed inline child node")
                child.ref = data[offset:end]
                children[i] = child
            offset = end
    return Node(raw, value, children), offset


def _read_len(data: bytes, offset: int) -> tuple[int, int]:
    try:
        return decode_compact(data, offset, canonical=True, max_bytes=4)
    except ValueError as exc:
        raise NodeDecodeError(str(exc)) from None
