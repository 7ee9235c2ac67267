"""Verified storage reads: every value is checked against the state root of a verified header."""

from __future__ import annotations

from collections.abc import Sequence

from node.light.endpoints import EndpointPool
from node.light.errors import LyingEndpointError
from node.light.headers import VerifiedHeader
from node.light.rpc import RpcEndpoint
from node.trie import EMPTY_ROOT, InvalidProofError, blake2_256
from node.trie.codec import Node, NodeDecodeError
from node.trie.proof import lookup

CHUNK = 512
"""Keys per proof request (keeps each answer well under the endpoints' message limits)."""


def _hex(b: bytes) -> str:
    return "0x" + b.hex()


def _parse_values(endpoint: str, answer: object, keys: Sequence[bytes]) -> dict[bytes, bytes | None]:
    if not isinstance(answer, list) or len(answer) != 1 or not isinstance(answer[0], dict):
        raise LyingEndpointError(endpoint, "state_queryStorageAt answer has the wrong shape")
    out: dict[bytes, bytes | None] = {}
    for item in answer[0].get("changes", []):
        k, v = bytes.fromhex(item[0][2:]), item[1]
        out[k] = None if v is None else bytes.fromhex(v[2:])
    return {k: out.get(k) for k in keys}


class ProofChecker:
    """Verifies read proofs against one growing, content-addressed node map.

    Nodes are keyed by their BLAKE2-256 hash and every lookup starts at a verified header's state
    root, so a node from any proof of this batch can only ever stand for itself: checking a proof
    against the union is exactly as strict as checking it alone (extra nodes are ignored, as in
    Substrate). The union saves re-hashing and re-decoding the nodes that proofs of one batch share
    (the paths near the root, and everything the parent and epoch blocks have in common).
    """

    def __init__(self) -> None:
        self._nodes: dict[bytes, bytes] = {EMPTY_ROOT: b"\x00"}
        self._seen: set[str] = set()
        self._decoded: dict[bytes, Node | None] = {}

    def add(self, url: str, header: VerifiedHeader, answer: object) -> None:
        """Add the nodes of one ``state_getReadProof`` answer (each distinct node hashed once)."""
        try:
            items = answer["proof"]  # type: ignore[index]
            for item in items:
                if item not in self._seen:
                    raw = bytes.fromhex(item[2:])
                    self._seen.add(item)
                    self._nodes[blake2_256(raw)] = raw
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise LyingEndpointError(url, f"bad read proof at #{header.number}: {exc}") from exc

    def prove(self, url: str, header: VerifiedHeader, keys: Sequence[bytes]) -> dict[bytes, bytes | None]:
        """Each key's value proven from ``header.state_root`` (None = proven absent).

        Raises:
            LyingEndpointError: a node on some key's path is missing, altered or malformed.
        """
        nodes = self._nodes

        def fetch(node_hash: bytes, what: str) -> bytes:
            data = nodes.get(node_hash)
            if data is None:
                raise InvalidProofError(f"proof lacks {what} 0x{node_hash.hex()} (missing or altered)")
            return data

        try:
            return {k: lookup(fetch, header.state_root, k, self._decoded) for k in keys}
        except InvalidProofError as exc:
            raise LyingEndpointError(url, f"bad read proof at #{header.number}: {exc}") from exc
        except NodeDecodeError as exc:
            raise LyingEndpointError(url, f"bad read proof at #{header.number}: malformed node: {exc}") from exc


def _check_served(url: str, header: VerifiedHeader, chunk: Sequence[bytes], proven: dict[bytes, bytes | None],
                  values_answer: object) -> None:
    served = _parse_values(url, values_answer, chunk)
    for k in chunk:
        if served[k] != proven[k]:
            raise LyingEndpointError(url, f"wrong storage value at #{header.number} for key 0x{k.hex()[:24]}..")


def read_many_on(ep: RpcEndpoint, jobs: Sequence[tuple[VerifiedHeader, Sequence[bytes]]],
                 check_values: bool = True) -> list[dict[bytes, bytes | None]]:
    """Verified reads at several headers in one pipelined round trip (each job at most CHUNK keys).

    Each answer is verified as soon as it arrives, while the endpoint still computes the later
    ones, against one ``ProofChecker`` shared by the whole batch.
    """
    reqs: list[tuple[str, list[object]]] = []
    for header, keys in jobs:
        if len(keys) > CHUNK:
            raise ValueError(f"at most {CHUNK} keys per job")
        hex_keys, at = [_hex(k) for k in keys], _hex(header.hash)
        reqs.append(("state_getReadProof", [hex_keys, at]))
        if check_values:
            reqs.append(("state_queryStorageAt", [hex_keys, at]))
    step = 2 if check_values else 1
    checker = ProofChecker()
    out: list[dict[bytes, bytes | None]] = []

    def on_answer(index: int, answer: object) -> None:
        header, keys = jobs[index // step]
        if index % step == 0:
            checker.add(ep.url, header, answer)
            out.append(checker.prove(ep.url, header, keys))
        else:
            _check_served(ep.url, header, keys, out[-1], answer)

    ep.call_many(reqs, on_answer)
    return out


def read_verified_on(ep: RpcEndpoint, header: VerifiedHeader, keys: Sequence[bytes],
                     check_values: bool = True) -> dict[bytes, bytes | None]:
    """Fetch values and a read proof from one endpoint and verify both against ``header``.

    Args:
        check_values: also fetch the values with ``state_queryStorageAt`` and require them to equal
            the proven ones (catches an endpoint whose value answers disagree with its proofs).

    Raises:
        LyingEndpointError: a bad proof, or a served value that differs from the proven one.
    """
    result: dict[bytes, bytes | None] = {}
    chunks = [list(keys[i : i + CHUNK]) for i in range(0, len(keys), CHUNK)]
    for got in read_many_on(ep, [(header, c) for c in chunks], check_values):
        result.update(got)
    return result


class VerifiedReader:
    """Reads storage through an EndpointPool; only proven values ever leave this object."""

    def __init__(self, pool: EndpointPool, check_values: bool = True) -> None:
        self.pool = pool
        self.check_values = check_values
        self.reads = 0

    def read(self, header: VerifiedHeader, keys: Sequence[bytes]) -> dict[bytes, bytes | None]:
        """Proven values of ``keys`` at ``header`` (None = proven absent)."""
        out = self.pool.run(lambda ep: read_verified_on(ep, header, keys, self.check_values))
        self.reads += len(keys)
        return out

    def read_many(self, jobs: Sequence[tuple[VerifiedHeader, Sequence[bytes]]]) -> list[dict[bytes, bytes | None]]:
        """Proven values for several (header, keys) jobs in one pipelined round trip."""
        out = self.pool.run(lambda ep: read_many_on(ep, jobs, self.check_values))
        self.reads += sum(len(k) for _, k in jobs)
        return out
