"""GRANDPA finality proofs: a finalized head is believed only with a valid justification.

The endpoint's ``chain_getFinalizedHead`` is a claim. A GRANDPA justification (``chain_getBlock``'s
``justifications``, engine ``FRNK``) proves it: precommits for the block (or a descendant named in the
justification's ancestry headers) signed with ed25519 by authorities holding more than 2/3 of the set's
weight, each over SCALE ``(Message::Precommit(hash, number), round, set_id)``. The authority set
(``Grandpa.Authorities``) and ``Grandpa.CurrentSetId`` are read with a read proof from the state of
the finalized block's parent (the set in force when it was built), a header the node verified (hash
and parent links back to its trust anchor). Limit: authority-set hand-offs are not followed from
genesis, so a self-consistent fake chain with fake state roots could name its own authorities.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import ed25519_zebra
import xxhash

from node.light.errors import LyingEndpointError
from node.light.headers import VerifiedHeader
from node.light.reader import read_verified_on
from node.light.rpc import RpcEndpoint, RpcErrorAnswer
from node.scale_compact import decode_compact as _decode_compact
from node.trie import blake2_256

GRANDPA_ENGINE = b"FRNK"
PRECOMMIT = 1
"""finality_grandpa::Message::Precommit's variant index."""


def decode_compact(data: bytes, offset: int) -> tuple[int, int]:
    """A canonical SCALE compact integer (value, next offset)."""
    return _decode_compact(data, offset, canonical=True)


def _twox128(data: bytes) -> bytes:
    return (xxhash.xxh64(data, seed=0).intdigest().to_bytes(8, "little")
            + xxhash.xxh64(data, seed=1).intdigest().to_bytes(8, "little"))


AUTHORITIES_KEY = _twox128(b"Grandpa") + _twox128(b"Authorities")
SET_ID_KEY = _twox128(b"Grandpa") + _twox128(b"CurrentSetId")


@dataclass(frozen=True)
class Precommit:
    """One signed precommit of a justification."""

    target_hash: bytes
    target_number: int
    signature: bytes
    authority: bytes


@dataclass(frozen=True)
class Justification:
    """A decoded GrandpaJustification."""

    round: int
    target_hash: bytes
    target_number: int
    precommits: tuple[Precommit, ...]
    ancestries: dict[bytes, tuple[bytes, int]]
    """hash -> (parent hash, number) of the votes_ancestries headers (hashed here)."""


def precommit_payload(target_hash: bytes, target_number: int, round_number: int, set_id: int) -> bytes:
    """What an authority signs: SCALE (Message::Precommit(target_hash, target_number), round, set_id)."""
    return (bytes([PRECOMMIT]) + target_hash + struct.pack("<I", target_number)
            + struct.pack("<QQ", round_number, set_id))


def _header_end(data: bytes, off: int) -> tuple[bytes, int, int]:
    """(parent hash, number, end offset) of a SCALE header starting at ``off``."""
    parent = data[off : off + 32]
    number, off = decode_compact(data, off + 32)
    off += 64  # state root, extrinsics root
    logs, off = decode_compact(data, off)
    for _ in range(logs):
        kind = data[off]
        off += 1 if kind == 0 else 5  # DigestItem::Other has no engine id
        size, off = decode_compact(data, off)
        off += size
    if len(parent) != 32 or off > len(data):
        raise ValueError("truncated ancestry header")
    return parent, number, off


def decode_justification(data: bytes) -> Justification:
    """Decode a SCALE GrandpaJustification.

    Raises:
        ValueError: malformed or trailing bytes.
    """
    if len(data) < 44:
        raise ValueError("justification too short")
    round_number = struct.unpack_from("<Q", data, 0)[0]
    target_hash, target_number = data[8:40], struct.unpack_from("<I", data, 40)[0]
    count, off = decode_compact(data, 44)
    precommits = []
    for _ in range(count):
        chunk = data[off : off + 132]
        if len(chunk) != 132:
            raise ValueError("truncated precommit")
        precommits.append(Precommit(chunk[:32], struct.unpack_from("<I", chunk, 32)[0], chunk[36:100],
                                    chunk[100:132]))
        off += 132
    count, off = decode_compact(data, off)
    ancestries: dict[bytes, tuple[bytes, int]] = {}
    for _ in range(count):
        start = off
        parent, number, off = _header_end(data, off)
        ancestries[blake2_256(data[start:off])] = (parent, number)
    if off != len(data):
        raise ValueError(f"{len(data) - off} trailing byte(s)")
    return Justification(round_number, target_hash, target_number, tuple(precommits), ancestries)


def grandpa_justification(raw: Any) -> bytes | None:
    """The FRNK justification in a ``chain_getBlock`` ``justifications`` member (None if absent).

    Substrate serialises engine id and payload as arrays of byte values; 0x-hex is accepted too.

    Raises:
        ValueError: the member has the wrong shape.
    """
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise ValueError("justifications is not a list")
    for item in raw:
        if not isinstance(item, list) or len(item) != 2:
            raise ValueError("justification is not an [engine, bytes] pair")
        engine, payload = (_as_bytes(x) for x in item)
        if engine == GRANDPA_ENGINE:
            return payload
    return None


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, str) and value.startswith("0x"):
        return bytes.fromhex(value[2:])
    if isinstance(value, list) and all(isinstance(b, int) and 0 <= b < 256 for b in value):
        return bytes(value)
    raise ValueError("expected bytes (an array of byte values or 0x-hex)")


def _descends(j: Justification, vote_hash: bytes, vote_number: int) -> bool:
    """Whether a precommit's target is the commit target or, through the ancestries, a descendant."""
    current, number = vote_hash, vote_number
    while True:
        if current == j.target_hash and number == j.target_number:
            return True
        if number <= j.target_number or current not in j.ancestries:
            return False
        current, number = j.ancestries[current][0], number - 1


def authority_set(ep: RpcEndpoint, header: VerifiedHeader) -> tuple[dict[bytes, int], int]:
    """(authority id -> weight, set id), proven against ``header``'s state root."""
    values = read_verified_on(ep, header, [AUTHORITIES_KEY, SET_ID_KEY], check_values=False)
    raw = values[AUTHORITIES_KEY] or b"\x00"
    count, off = decode_compact(raw, 0)
    weights: dict[bytes, int] = {}
    for _ in range(count):
        weights[raw[off : off + 32]] = struct.unpack_from("<Q", raw, off + 32)[0]
        off += 40
    set_id = values[SET_ID_KEY]
    return weights, struct.unpack("<Q", set_id)[0] if set_id else 0


def check_justification(url: str, data: bytes, header: VerifiedHeader, weights: dict[bytes, int],
                        set_id: int) -> Justification:
    """Verify a GRANDPA justification of ``header`` against the authority set.

    Raises:
        LyingEndpointError: malformed, for another block, a bad or unknown signer, a vote off the
            target's chain, or not more than 2/3 of the set's weight.
    """
    def lie(reason: str) -> LyingEndpointError:
        return LyingEndpointError(url, f"bad GRANDPA justification for #{header.number}: {reason}")

    try:
        j = decode_justification(data)
    except (ValueError, IndexError, struct.error) as exc:
        raise lie(f"malformed: {exc}") from exc
    if (j.target_hash, j.target_number) != (header.hash, header.number):
        raise lie(f"it commits to #{j.target_number} 0x{j.target_hash.hex()[:16]}..")
    total = sum(weights.values())
    if total == 0:
        raise lie("the proven authority set is empty")
    voted: dict[bytes, int] = {}
    for vote in j.precommits:
        if vote.authority not in weights:
            raise lie(f"signer 0x{vote.authority.hex()[:16]}.. is not in authority set {set_id}")
        payload = precommit_payload(vote.target_hash, vote.target_number, j.round, set_id)
        if not ed25519_zebra.ed_verify(vote.signature, payload, vote.authority):
            raise lie(f"invalid signature of 0x{vote.authority.hex()[:16]}.. (round {j.round}, set {set_id})")
        if not _descends(j, vote.target_hash, vote.target_number):
            raise lie("a precommit is not for the target or a descendant")
        voted[vote.authority] = weights[vote.authority]  # an equivocating voter counts once
    threshold = total - (total - 1) // 3  # more than 2/3 of the weight
    if sum(voted.values()) < threshold:
        raise lie(f"precommit weight {sum(voted.values())} of {total} is below {threshold}")
    return j


def prove_finality(ep: RpcEndpoint, header: VerifiedHeader, parent: VerifiedHeader) -> bool:
    """Check the endpoint's GRANDPA justification of ``header``: True if valid, False if it serves none.

    Args:
        parent: ``header``'s verified parent, whose proven state names the authority set.

    Raises:
        LyingEndpointError: it serves an invalid one (or a malformed ``justifications`` member).
    """
    try:
        block = ep.call("chain_getBlock", ["0x" + header.hash.hex()])
    except RpcErrorAnswer:  # e.g. a header-only endpoint without chain_getBlock: no proof on offer
        return False
    try:
        data = grandpa_justification(block.get("justifications") if isinstance(block, dict) else None)
    except ValueError as exc:
        raise LyingEndpointError(ep.url, f"malformed justifications of #{header.number}: {exc}") from exc
    if data is None:
        return False
    weights, set_id = authority_set(ep, parent)
    check_justification(ep.url, data, header, weights, set_id)
    return True
