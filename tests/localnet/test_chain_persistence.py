"""SQLite persistence: restarts, kill -9, historical reads, keys paging, pruning, read proofs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from node.localnet.chain import Chain, UnknownBlockError
from node.localnet.genesis import DEV_ACCOUNTS
from node.localnet.store import StatePrunedError
from node.trie import trie_root, verify_read_proof

ALICE = DEV_ACCOUNTS["Alice"]
BOB = DEV_ACCOUNTS["Bob"]


def test_restart_continues_where_it_stopped(tmp_path: Path) -> None:
    db = tmp_path / "chain.sqlite"
    chain = Chain(db)
    chain.fund(BOB, 123)
    chain.produce_blocks(4)
    best, best_hash, genesis = chain.best_number, chain.best_hash, chain.genesis_hash
    bob_free = chain.read("System", "Account", BOB)["data"]["free"]
    chain.close()

    again = Chain(db)
    assert (again.best_number, again.best_hash, again.genesis_hash) == (best, best_hash, genesis)
    assert again.read("System", "Account", BOB)["data"]["free"] == bob_free
    new = again.produce_block()
    header = again.header(new)
    assert header is not None and header.parent_hash == best_hash and header.number == best + 1
    assert trie_root(again.latest.data) == header.state_root
    again.close()


KILL_SCRIPT = """
import sys
from pathlib import Path
from node.localnet.chain import Chain
chain = Chain(Path(sys.argv[1]))
print("ready", flush=True)
while True:
    chain.produce_block()
"""


def test_kill_9_never_corrupts(tmp_path: Path) -> None:
    db = tmp_path / "chain.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(db)], stdout=subprocess.PIPE,
                            cwd=Path(__file__).resolve().parents[2], env={**os.environ})
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"ready"
    time.sleep(1.0)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    chain = Chain(db)
    assert chain.best_number > 0
    header = chain.header(chain.best_hash)
    assert header is not None
    # the persisted flat state and the trie agree with the header of the last committed block
    assert trie_root(chain.latest.data) == header.state_root
    assert chain.read("System", "Number") == chain.best_number
    chain.produce_block()
    chain.close()


def test_historical_reads_and_keys_paged() -> None:
    chain = Chain(None)
    account_key = chain.state_at().key("System", "Account", BOB)
    h1 = chain.fund(BOB, 10**9)
    h2 = chain.fund(BOB, 10**9)
    raw1, raw2 = chain.storage(account_key, h1), chain.storage(account_key, h2)
    assert raw1 is not None and raw2 is not None and raw1 != raw2
    assert chain.read("System", "Account", BOB, at=h1)["data"]["free"] + 10**9 == chain.read(
        "System", "Account", BOB, at=h2)["data"]["free"]
    assert chain.read("System", "Number", at=h1) == 1
    assert chain.storage(account_key) == raw2
    # a new account appears only from its block on
    newbie = bytes(range(32))
    h3 = chain.fund(newbie, 10**9)
    prefix = chain.state_at().key("System", "Account")
    at_h2 = chain.keys_paged(prefix, 100, None, h2)
    at_h3 = chain.keys_paged(prefix, 100, None, h3)
    assert len(at_h3) == len(at_h2) + 1 and at_h2 == sorted(at_h2)
    assert chain.keys_paged(prefix, 100, None, None) == at_h3
    # paging: start_key is exclusive
    page1 = chain.keys_paged(prefix, 3, None, h3)
    page2 = chain.keys_paged(prefix, 3, page1[-1], h3)
    assert page1 + page2 == at_h3[:6]
    assert chain.keys_paged(prefix, 3, page1[-1], h2) == at_h2[3:6]
    # runtime APIs run against historical state too
    nonce_raw = chain.state_call("AccountNonceApi_account_nonce", ALICE, h1)
    assert nonce_raw == b"\x00\x00\x00\x00"
    with pytest.raises(UnknownBlockError):
        chain.storage(account_key, b"\x01" * 32)
    chain.close()


def test_read_proofs_verify_against_header_roots() -> None:
    chain = Chain(None)
    old = chain.fund(BOB, 5)
    chain.produce_blocks(2)
    keys = [chain.state_at().key("System", "Account", ALICE), chain.state_at().key("System", "Number"),
            b"\x12\x34absent"]
    for at in (old, chain.best_hash):
        proof = chain.read_proof(keys, at)
        header = chain.header(at)
        assert header is not None
        proven = verify_read_proof(header.state_root, proof, keys)
        assert proven == {k: chain.storage(k, at) for k in keys}
    chain.close()


def test_pruning_keeps_a_window(tmp_path: Path) -> None:
    chain = Chain(tmp_path / "c.sqlite", keep_blocks=16)
    chain.produce_blocks(130)
    key = chain.state_at().key("System", "Number")
    recent = chain.block_hash(chain.best_number - 10)
    assert chain.storage(key, recent) == (chain.best_number - 10).to_bytes(4, "little")
    with pytest.raises(StatePrunedError):
        chain.storage(key, chain.block_hash(5))
    header = chain.header(chain.block_hash(5))  # type: ignore[arg-type]
    assert header is not None  # blocks and headers are kept; only old state goes
    chain.close()
