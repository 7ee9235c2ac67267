"""Verified storage reads: every value is checked against the state root of a verified header."""

from __future__ import annotations

from collections.abc import Sequence

from node.light.endpoints import EndpointPool
from node.light.errors import LyingEndpointError
from node.light.headers import VerifiedHeader
from node.light.rpc import RpcEndpoint
from node.trie import InvalidProofError, verify_read_proof

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


def _verify(url: str, header: VerifiedHeader, chunk: Sequence[bytes], proof_answer: object,
            values_answer: object | None) -> dict[bytes, bytes | None]:
    try:
        proof = [bytes.fromhex(p[2:]) for p in proof_answer["proof"]]  # type: ignore[index]
        proven = verify_read_proof(header.state_root, proof, chunk)
    except (InvalidProofError, KeyError, TypeError, ValueError) as exc:
        raise LyingEndpointError(url, f"bad read proof at #{header.number}: {exc}") from exc
    if values_answer is not None:
        served = _parse_values(url, values_answer, chunk)
        for k in chunk:
            if served[k] != proven[k]:
                raise LyingEndpointError(url, f"wrong storage value at #{header.number} for key 0x{k.hex()[:24]}..")
    return proven


def read_many_on(ep: RpcEndpoint, jobs: Sequence[tuple[VerifiedHeader, Sequence[bytes]]],
                 check_values: bool = True) -> list[dict[bytes, bytes | None]]:
    """Verified reads at several headers in one pipelined round trip (each job at most CHUNK keys)."""
    reqs: list[tuple[str, list[object]]] = []
    for header, keys in jobs:
        if len(keys) > CHUNK:
            raise ValueError(f"at most {CHUNK} keys per job")
        hex_keys, at = [_hex(k) for k in keys], _hex(header.hash)
        reqs.append(("state_getReadProof", [hex_keys, at]))
        if check_values:
            reqs.append(("state_queryStorageAt", [hex_keys, at]))
    answers = ep.call_many(reqs)
    step = 2 if check_values else 1
    return [_verify(ep.url, header, keys, answers[i * step], answers[i * step + 1] if check_values else None)
            for i, (header, keys) in enumerate(jobs)]


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
