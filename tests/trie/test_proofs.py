"""Read proofs: generation, verification, tampering, absence, garbage, and real chain proofs."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node.trie import (
    EMPTY_ROOT,
    InvalidProofError,
    MemoryNodeStore,
    Trie,
    blake2_256,
    verify_read_proof,
)
from node.trie.codec import HashedValue, Node, decode_node, encode_branch, encode_leaf

DATA = Path(__file__).parent / "data" / "smoldot_proofs.json.gz"


def _state(n: int = 500) -> dict[bytes, bytes]:
    rng = random.Random(7)
    pairs = {}
    for i in range(n):
        key = b"\x26\xaa\x39\x4e" + blake2_256(i.to_bytes(4, "little"))[: rng.choice([8, 16, 32])]
        pairs[key] = bytes(rng.randrange(256) for _ in range(rng.choice([0, 4, 16, 32, 33, 80])))
    pairs[b"\x26\xaa"] = b"short prefix value"
    return pairs


@pytest.fixture(scope="module")
def proven() -> tuple[bytes, dict[bytes, bytes], Trie]:
    pairs = _state()
    trie = Trie(MemoryNodeStore())
    for key, value in pairs.items():
        trie.set(key, value)
    return trie.commit(), pairs, trie


def test_presence_and_absence(proven: tuple[bytes, dict[bytes, bytes], Trie]) -> None:
    root, pairs, trie = proven
    present = list(pairs)[:20]
    absent = [b"\x26\xaa\x39\x4e" + b"\xff" * 9, b"\x26", b"", b"\x99" * 40, present[0] + b"\x00"]
    proof = trie.prove(present + absent)
    assert len(proof) == len(set(proof))
    result = verify_read_proof(root, proof, present + absent)
    assert result == {**{k: pairs[k] for k in present}, **dict.fromkeys(absent)}


def test_proof_includes_value_nodes(proven: tuple[bytes, dict[bytes, bytes], Trie]) -> None:
    root, pairs, trie = proven
    key = next(k for k, v in pairs.items() if len(v) >= 33)
    proof = trie.prove([key])
    assert pairs[key] in proof  # the raw value node, referenced by hash from its leaf
    without_value = [p for p in proof if p != pairs[key]]
    with pytest.raises(InvalidProofError, match="value node"):
        verify_read_proof(root, without_value, [key])


def test_proof_order_and_extra_nodes_do_not_matter(proven: tuple[bytes, dict[bytes, bytes], Trie]) -> None:
    root, pairs, trie = proven
    keys = list(pairs)[5:15]
    proof = trie.prove(keys)
    noisy = [*reversed(proof), *trie.prove(list(pairs)[100:103]), b"garbage", proof[0]]
    assert verify_read_proof(root, noisy, keys) == {k: pairs[k] for k in keys}


def test_removed_node_is_rejected(proven: tuple[bytes, dict[bytes, bytes], Trie]) -> None:
    root, pairs, trie = proven
    key = list(pairs)[3]
    proof = trie.prove([key])
    for i in range(len(proof)):
        with pytest.raises(InvalidProofError, match="missing or altered"):
            verify_read_proof(root, proof[:i] + proof[i + 1 :], [key])


def test_flipped_byte_anywhere_is_rejected(proven: tuple[bytes, dict[bytes, bytes], Trie]) -> None:
    root, pairs, trie = proven
    key = next(k for k, v in pairs.items() if len(v) >= 33)
    proof = trie.prove([key])
    for i, node in enumerate(proof):
        for pos in range(0, len(node), max(1, len(node) // 7)):
            bad = bytearray(node)
            bad[pos] ^= 0x01
            tampered = [*proof[:i], bytes(bad), *proof[i + 1 :]]
            with pytest.raises(InvalidProofError):
                verify_read_proof(root, tampered, [key])


def test_changed_value_with_consistent_hashes_still_fails_at_root(proven: tuple[bytes, dict[bytes, bytes], Trie]) -> None:
    # Re-encode the whole path with a forged value: every parent hash is consistent except the
    # root's, which the verifier trusts, so the proof must fail.
    root, pairs, _ = proven
    key = next(k for k, v in pairs.items() if 0 < len(v) < 33)
    forged = Trie(MemoryNodeStore())
    for k, v in pairs.items():
        forged.set(k, v)
    forged.set(key, b"forged")
    forged.commit()
    with pytest.raises(InvalidProofError):
        verify_read_proof(root, forged.prove([key]), [key])
    assert verify_read_proof(forged.root, forged.prove([key]), [key]) == {key: b"forged"}


def test_wrong_root_and_bad_inputs() -> None:
    with pytest.raises(InvalidProofError, match="32 bytes"):
        verify_read_proof(b"\x00" * 31, [], [b"k"])
    with pytest.raises(InvalidProofError, match="missing or altered"):
        verify_read_proof(b"\x00" * 32, [], [b"k"])
    with pytest.raises(InvalidProofError, match="must be bytes"):
        verify_read_proof(b"\x00" * 32, ["0xdead"], [b"k"])  # type: ignore[list-item]


def test_empty_trie_proves_absence() -> None:
    trie = Trie(MemoryNodeStore())
    trie.commit()
    assert verify_read_proof(EMPTY_ROOT, trie.prove([b"a"]), [b"a"]) == {b"a": None}
    assert verify_read_proof(EMPTY_ROOT, [b"\x00"], [b"a"]) == {b"a": None}


def test_malformed_node_under_a_matching_hash_is_rejected() -> None:
    garbage = b"\x80\x00\x00"  # branch without children
    with pytest.raises(InvalidProofError, match="malformed"):
        verify_read_proof(blake2_256(garbage), [garbage], [b"k"])


def test_prove_at_historical_root() -> None:
    trie = Trie(MemoryNodeStore())
    trie.set(b"balance", b"100")
    old_root = trie.commit()
    trie.set(b"balance", b"50")
    trie.set(b"other", b"1")
    trie.commit()
    assert verify_read_proof(old_root, trie.prove([b"balance", b"other"], old_root), [b"balance", b"other"]) == {
        b"balance": b"100",
        b"other": None,
    }


@settings(max_examples=300, deadline=None)
@given(proof=st.lists(st.binary(max_size=80), max_size=6), key=st.binary(max_size=6))
def test_garbage_never_crashes(proof: list[bytes], key: bytes) -> None:
    # Every item is a candidate root so the decoder really parses the garbage.
    for item in proof:
        try:
            result = verify_read_proof(blake2_256(item), proof, [key])
        except InvalidProofError:
            continue
        assert set(result) == {key}


# -- real chain data ---------------------------------------------------------------------------


def _cases() -> list[dict[str, object]]:
    return list(json.loads(gzip.decompress(DATA.read_bytes()))["cases"])


@pytest.mark.parametrize("case", _cases(), ids=lambda c: str(c["name"]))
def test_real_chain_proofs(case: dict[str, object]) -> None:
    """Proofs served by real Polkadot-family nodes (smoldot's test data) verify, with known values."""
    root = bytes.fromhex(str(case["root"]))
    proof = [bytes.fromhex(x) for x in case["proof"]]  # type: ignore[attr-defined]
    for key, value in case["present"].items():  # type: ignore[attr-defined]
        assert verify_read_proof(root, proof, [bytes.fromhex(key)]) == {bytes.fromhex(key): bytes.fromhex(value)}
    for key in case["absent"]:  # type: ignore[attr-defined]
        assert verify_read_proof(root, proof, [bytes.fromhex(key)]) == {bytes.fromhex(key): None}
    for key in case["incomplete"]:  # type: ignore[attr-defined]
        with pytest.raises(InvalidProofError):
            verify_read_proof(root, proof, [bytes.fromhex(key)])
    wanted = [bytes.fromhex(k) for k in case.get("has_value", [])]  # type: ignore[attr-defined]
    if wanted:
        values = verify_read_proof(root, proof, wanted)
        assert all(values[k] is not None for k in wanted)
    # A flipped byte in the root node invalidates everything.
    root_node = next(p for p in proof if blake2_256(p) == root)
    bad = bytes([root_node[0] ^ 0x80]) + root_node[1:]
    with pytest.raises(InvalidProofError):
        verify_read_proof(root, [bad if p == root_node else p for p in proof], [b"\x01"])


def _reencode(node: Node) -> bytes:
    value = node.value
    hashed = isinstance(value, HashedValue)
    raw = value.hash if isinstance(value, HashedValue) else value
    if node.children is None:
        assert raw is not None
        return encode_leaf(node.partial, raw, hashed)
    refs: list[bytes | None] = []
    for child in node.children:
        refs.append(_reencode(child) if isinstance(child, Node) else child)
    return encode_branch(node.partial, raw, hashed, refs)


def test_real_nodes_reencode_byte_for_byte() -> None:
    """Every trie node of the real proofs (V0 and V1 with hashed values) re-encodes identically."""
    seen_hashed_value = False
    count = 0
    for case in _cases():
        proof = [bytes.fromhex(x) for x in case["proof"]]  # type: ignore[attr-defined]
        referenced_values = set()
        for item in proof:
            try:
                node = decode_node(item)
            except ValueError:
                continue  # raw value nodes are not trie nodes
            if node is None:
                continue
            if isinstance(node.value, HashedValue):
                seen_hashed_value = True
                referenced_values.add(node.value.hash)
            assert _reencode(node) == item
            count += 1
    assert count > 1500
    assert seen_hashed_value  # the issue_2035 proofs come from a state-version-1 chain
