"""ProofChecker: many proofs of one batch verified against one node map, without weakening any check."""

from __future__ import annotations

import pytest

from node.light.errors import LyingEndpointError
from node.light.headers import VerifiedHeader
from node.light.reader import ProofChecker
from node.trie import MemoryNodeStore, Trie

URL = "ws://test"


def _state(values: dict[bytes, bytes]) -> tuple[Trie, VerifiedHeader]:
    trie = Trie(MemoryNodeStore())
    for k, v in values.items():
        trie.set(k, v)
    root = trie.commit()
    return trie, VerifiedHeader(b"\x01" * 32, b"\x00" * 32, 7, root, b"\x00" * 32, b"")


def _answer(nodes: list[bytes]) -> dict[str, list[str]]:
    return {"proof": ["0x" + n.hex() for n in nodes]}


def _values(n: int, tag: bytes) -> dict[bytes, bytes]:
    return {b"key-%04d" % i: tag + b"-%d" % i * (1 + i % 20) for i in range(n)}


def test_two_blocks_two_chunks_each_prove_their_own_values() -> None:
    va, vb = _values(300, b"a"), _values(300, b"b")
    vb[b"key-0005"] = b"changed"
    ta, ha = _state(va)
    tb, hb = _state(vb)
    keys = sorted(va)
    checker = ProofChecker()
    got: dict[bytes, bytes | None] = {}
    for trie, header in ((ta, ha), (tb, hb)):
        for chunk in (keys[:150], keys[150:]):
            checker.add(URL, header, _answer(trie.prove(chunk)))
            proven = checker.prove(URL, header, chunk)
            if header is ha:
                got.update(proven)
            else:
                assert proven == {k: vb[k] for k in chunk}
    assert got == va
    assert checker.prove(URL, hb, [b"absent-key"]) == {b"absent-key": None}


def test_nodes_of_another_chunk_do_not_hide_a_missing_node() -> None:
    ta, ha = _state(_values(300, b"a"))
    keys = sorted(_values(300, b"a"))
    checker = ProofChecker()
    checker.add(URL, ha, _answer(ta.prove(keys[:10])))
    checker.prove(URL, ha, keys[:10])
    with pytest.raises(LyingEndpointError, match="bad read proof at #7"):
        checker.prove(URL, ha, keys[200:210])  # its nodes were never supplied


def test_altered_node_is_rejected_even_next_to_good_ones() -> None:
    ta, ha = _state(_values(300, b"a"))
    keys = sorted(_values(300, b"a"))
    nodes = ta.prove(keys[:50])
    victim = max(range(len(nodes)), key=lambda i: len(nodes[i]))
    bad = bytearray(nodes[victim])
    bad[-1] ^= 0xFF
    checker = ProofChecker()
    checker.add(URL, ha, _answer([*nodes[:victim], bytes(bad), *nodes[victim + 1 :]]))
    with pytest.raises(LyingEndpointError, match="bad read proof"):
        checker.prove(URL, ha, keys[:50])


def test_a_malformed_answer_is_a_lie() -> None:
    _, ha = _state(_values(3, b"a"))
    with pytest.raises(LyingEndpointError, match="bad read proof"):
        ProofChecker().add(URL, ha, {"proof": ["0xzz"]})
    with pytest.raises(LyingEndpointError, match="bad read proof"):
        ProofChecker().add(URL, ha, {"nodes": []})
