"""Verified header fetching: hashes by number, headers by hash, each re-hashed and linked."""

from __future__ import annotations

from node.light.errors import LyingEndpointError
from node.light.headers import VerifiedHeader, check_header
from node.light.rpc import RpcEndpoint


def _b(h: object, endpoint: str, what: str) -> bytes:
    if not isinstance(h, str) or not h.startswith("0x") or len(h) != 66:
        raise LyingEndpointError(endpoint, f"{what} is not a 32-byte hash: {h!r}")
    return bytes.fromhex(h[2:])


def fetch_range(ep: RpcEndpoint, start: int, end: int, parent: bytes | None = None
                ) -> list[VerifiedHeader]:
    """Headers ``start..end`` of the endpoint's canonical chain, verified and parent-linked.

    The list stops early where a parent link breaks (the chain reorganised between requests), or
    where the endpoint does not know a block yet. It is empty if the first header does not link
    to ``parent`` because the endpoint's chain moved to another branch (the caller handles the reorg).

    Raises:
        LyingEndpointError: a header that does not hash to the hash the endpoint gave for it, or a
            first header that does not link to ``parent`` although the endpoint still calls
            ``parent`` canonical.
    """
    numbers = list(range(start, end + 1))
    hashes_raw = ep.call_many([("chain_getBlockHash", [n]) for n in numbers])
    hashes: list[bytes] = []
    for h in hashes_raw:
        if h is None:
            break
        hashes.append(_b(h, ep.url, "block hash"))
    answers = ep.call_many([("chain_getHeader", ["0x" + h.hex()]) for h in hashes])
    out: list[VerifiedHeader] = []
    for n, h, data in zip(numbers, hashes, answers, strict=False):
        header = check_header(ep.url, data, h, n)
        if out and header.parent_hash != out[-1].hash:
            break
        if not out and parent is not None and header.parent_hash != parent:
            [still] = canonical_hashes(ep, [start - 1])
            if still == parent:
                raise LyingEndpointError(ep.url, f"block #{start} does not link to the canonical "
                                                 f"block #{start - 1} it serves")
            return []
        out.append(header)
    return out


def fetch_by_hash(ep: RpcEndpoint, block_hash: bytes) -> VerifiedHeader:
    """One header by hash, verified."""
    return check_header(ep.url, ep.call("chain_getHeader", ["0x" + block_hash.hex()]), block_hash)


def heads(ep: RpcEndpoint) -> tuple[VerifiedHeader, VerifiedHeader]:
    """(best, finalized) headers, both verified by hash."""
    best_hash, fin_hash = ep.call_many([("chain_getBlockHash", []), ("chain_getFinalizedHead", [])])
    best_b, fin_b = _b(best_hash, ep.url, "best hash"), _b(fin_hash, ep.url, "finalized hash")
    best, fin = ep.call_many([("chain_getHeader", ["0x" + best_b.hex()]),
                              ("chain_getHeader", ["0x" + fin_b.hex()])])
    return check_header(ep.url, best, best_b), check_header(ep.url, fin, fin_b)


def canonical_hashes(ep: RpcEndpoint, numbers: list[int]) -> list[bytes | None]:
    """The endpoint's canonical hashes at these numbers (None where unknown)."""
    raw = ep.call_many([("chain_getBlockHash", [n]) for n in numbers])
    return [None if h is None else _b(h, ep.url, "block hash") for h in raw]
