"""A tampering proxy between the light node and a real localnet: every kind of lie is caught."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from node.light import LightSync, LyingEndpointError, SyncConfig
from node.localnet.rpc.embedded import LocalnetHandle
from tests.lightnode.proxy import Rewrite, TamperingProxy

LIE_AT = 12


def _flip(hex_str: str, pos: int = -3) -> str:
    raw = bytearray(bytes.fromhex(hex_str[2:]))
    raw[pos] ^= 0x01
    return "0x" + raw.hex()


def wrong_value(method: str, params: list[Any], result: Any) -> Any:
    """state_queryStorageAt answers a changed value at block LIE_AT."""
    if method == "state_queryStorageAt" and result and result[0]["changes"]:
        changes = [[k, v] for k, v in result[0]["changes"]]
        for c in changes:
            if c[1] is not None:
                c[1] = _flip(c[1], 0)
                return [{"block": result[0]["block"], "changes": changes}]
    return result


def bad_proof(method: str, params: list[Any], result: Any) -> Any:
    """state_getReadProof answers with one byte of one proof node changed."""
    if method == "state_getReadProof":
        proof = list(result["proof"])
        proof[-1] = _flip(proof[-1])
        return {"at": result["at"], "proof": proof}
    return result


def wrong_header(method: str, params: list[Any], result: Any) -> Any:
    """chain_getHeader of block LIE_AT answers a different state root."""
    if method == "chain_getHeader" and result and int(result["number"], 16) == LIE_AT:
        return {**result, "stateRoot": "0x" + "11" * 32}
    return result


@pytest.fixture
def proxy_factory(demo_net: LocalnetHandle) -> Iterator[Any]:
    made: list[TamperingProxy] = []

    def make(rewrite: Rewrite) -> TamperingProxy:
        p = TamperingProxy(demo_net.url, rewrite)
        made.append(p)
        return p

    yield make
    for p in made:
        p.stop()


@pytest.mark.parametrize(("rewrite", "reason"), [
    (wrong_value, "wrong storage value"),
    (bad_proof, "bad read proof"),
    (wrong_header, "header hash mismatch at #12"),
])
def test_single_lying_endpoint_is_reported_and_never_believed(
        proxy_factory: Any, tmp_path: Path, rewrite: Rewrite, reason: str) -> None:
    proxy = proxy_factory(rewrite)
    lies: list[LyingEndpointError] = []
    db = tmp_path / "light.sqlite"
    sync = LightSync(SyncConfig(db, (proxy.url,), follow=False, stop_at=30), on_lie=lies.append)
    with pytest.raises(LyingEndpointError, match=reason):
        sync.run(threading.Event())
    assert proxy.tampered >= 1
    assert lies and lies[0].endpoint == proxy.url and reason in lies[0].reason
    conn = sqlite3.connect(db)
    # nothing derived from a lie was stored
    stored = conn.execute("SELECT MAX(number) FROM headers").fetchone()[0]
    if rewrite is wrong_header:
        assert stored is None or stored < LIE_AT
    else:  # genesis needs no read; the first read (epoch check of #1) failed
        assert (stored or 0) == 0 and conn.execute("SELECT COUNT(*) FROM epochs").fetchone()[0] == 0


@pytest.mark.parametrize("rewrite", [wrong_value, bad_proof, wrong_header])
def test_liar_is_dropped_when_an_honest_endpoint_remains(
        proxy_factory: Any, demo_net: LocalnetHandle, tmp_path: Path, rewrite: Rewrite) -> None:
    liar = proxy_factory(rewrite)
    honest = proxy_factory(None)
    lies: list[LyingEndpointError] = []
    db = tmp_path / "light.sqlite"
    progress = LightSync(SyncConfig(db, (liar.url, honest.url), follow=False, stop_at=30),
                         on_lie=lies.append).run(threading.Event())
    assert progress.synced == 30
    health = {h.url: h for h in progress.endpoints}
    assert health[liar.url].status == "dropped" and health[liar.url].lies
    assert health[honest.url].status == "ok" and not health[honest.url].lies
    assert len(lies) == 1
    conn = sqlite3.connect(db)
    for number, h in conn.execute("SELECT number, hash FROM headers"):
        assert bytes(h) == demo_net.chain.block_hash(number)
    assert conn.execute("SELECT SUM(mismatches) FROM audit_summary").fetchone()[0] == 0
