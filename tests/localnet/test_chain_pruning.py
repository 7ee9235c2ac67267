"""State pruning (`keep_blocks`): flat history and trie nodes both bounded, pruned state refused alike."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from node.localnet.chain import Chain
from node.localnet.store import StatePrunedError
from node.trie import trie_root, verify_read_proof

KEEP = 32
CHURN_ACCOUNTS = 40


def churn(chain: Chain, blocks: int, start: int = 0) -> None:
    """Mint into a rotating set of accounts: every block rewrites state, the set of accounts stays put."""
    for i in range(start, start + blocks):
        chain.fund(bytes([i % CHURN_ACCOUNTS + 1]) * 32, 1_000 + i)


def node_rows(chain: Chain) -> int:
    return int(chain.store.conn.execute("SELECT count(*) FROM trie_nodes").fetchone()[0])


def used_pages(chain: Chain) -> int:
    conn = chain.store.conn
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return int(conn.execute("PRAGMA page_count").fetchone()[0]) - int(
        conn.execute("PRAGMA freelist_count").fetchone()[0])


def number_key(chain: Chain) -> bytes:
    return chain._state_key("System", "Number")


def test_pruning_bounds_trie_nodes_and_database(tmp_path: Path) -> None:
    archive = Chain(tmp_path / "archive.sqlite")
    churn(archive, 100)
    archive_start = node_rows(archive)
    churn(archive, 300, start=100)
    archive_per_block = (node_rows(archive) - archive_start) / 300
    archive.close()

    pruned = Chain(tmp_path / "pruned.sqlite", keep_blocks=KEEP)
    churn(pruned, 1000)
    rows_1000, pages_1000 = node_rows(pruned), used_pages(pruned)
    churn(pruned, 1000, start=1000)
    rows_2000, pages_2000 = node_rows(pruned), used_pages(pruned)
    # The archive keeps every block's new nodes (~20 a block); the pruned chain only what its window
    # needs, plus the slow growth of the state itself (System.BlockHash gains an entry a block).
    assert archive_per_block > 10
    assert rows_2000 - rows_1000 < archive_per_block * 1000 / 5, (rows_1000, rows_2000, archive_per_block)
    assert pages_2000 < pages_1000 * 1.5, (pages_1000, pages_2000)
    assert pruned.trie.root == trie_root(pruned.latest.data)
    flat_old = pruned.store.conn.execute("SELECT count(*) FROM kv WHERE block < ?",
                                         (pruned.store.pruned_below,)).fetchone()[0]
    assert flat_old <= len(pruned.latest.data)  # at most one pre-window version per live key
    pruned.close()


def test_recent_proofs_verify_pruned_ones_refused_consistently(tmp_path: Path) -> None:
    db = tmp_path / "chain.sqlite"
    chain = Chain(db, keep_blocks=KEEP)
    churn(chain, 300)
    assert chain.store.pruned_below == 256 - KEEP
    key, acct_key = number_key(chain), chain._state_key("System", "Account", bytes([5]) * 32)
    for number in (chain.store.pruned_below, chain.best_number - 1, chain.best_number):
        at = chain.block_hash(number)
        header = chain.header(at) if at is not None else None
        assert at is not None and header is not None
        proven = verify_read_proof(header.state_root, chain.read_proof([key, acct_key], at), [key, acct_key])
        assert proven[key] == chain.storage(key, at) == number.to_bytes(4, "little")
        assert proven[acct_key] == chain.storage(acct_key, at)
    old = chain.block_hash(chain.store.pruned_below - 1)
    assert old is not None
    with pytest.raises(StatePrunedError):
        chain.read_proof([key], old)
    with pytest.raises(StatePrunedError):
        chain.storage(key, old)
    with pytest.raises(StatePrunedError):
        chain.keys_paged(b"", 10, None, old)
    with pytest.raises(StatePrunedError):
        chain.state_call("Core_version", b"", old)
    assert chain.header(old) is not None  # blocks themselves stay
    # The old state's nodes are really gone (not just refused): its root cannot be walked.
    old_header = chain.header(old)
    assert old_header is not None and chain.store.nodes.get(old_header.state_root) is None
    best_hash, root = chain.best_hash, chain.trie.root
    chain.close()

    again = Chain(db, keep_blocks=KEEP)  # restart after pruning
    assert (again.best_hash, again.trie.root) == (best_hash, root)
    with pytest.raises(StatePrunedError):
        again.read_proof([key], old)
    churn(again, 100, start=300)
    assert again.store.pruned_below == 384 - KEEP
    assert again.trie.root == trie_root(again.latest.data)
    recent = again.block_hash(again.best_number - KEEP + 1)
    header = again.header(recent) if recent is not None else None
    assert recent is not None and header is not None
    assert verify_read_proof(header.state_root, again.read_proof([key], recent), [key])[key] is not None
    again.close()


def test_archive_mode_keeps_every_state(tmp_path: Path) -> None:
    chain = Chain(tmp_path / "archive.sqlite", keep_blocks=None)
    churn(chain, 200)
    key = number_key(chain)
    for number in (0, 1, 100):
        at = chain.block_hash(number)
        header = chain.header(at) if at is not None else None
        assert at is not None and header is not None
        proven = verify_read_proof(header.state_root, chain.read_proof([key], at), [key])
        assert proven[key] == chain.storage(key, at)
    chain.close()


KILL_SCRIPT = """
import sys
from pathlib import Path
from node.localnet.chain import Chain
chain = Chain(Path(sys.argv[1]), keep_blocks=int(sys.argv[2]))
print("ready", flush=True)
i = 0
while True:
    chain.fund(bytes([i % 40 + 1]) * 32, 1000 + i)
    i += 1
"""


def test_kill_9_while_pruning_leaves_a_consistent_chain(tmp_path: Path) -> None:
    db = tmp_path / "chain.sqlite"
    # keep_blocks=1: a prune runs every 64 blocks; kill at several moments to land in or near one.
    for delay in (0.8,):
        proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(db), "1"], stdout=subprocess.PIPE,
                                cwd=Path(__file__).resolve().parents[2], env={**os.environ})
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        chain = Chain(db, keep_blocks=1)
        assert chain.best_number > 0
        assert chain.trie.root == chain._best_header.state_root == trie_root(chain.latest.data)
        below = chain.store.pruned_below
        assert below == 0 or below % 64 == 63  # only whole prunes (number - keep_blocks) are ever visible
        chain.produce_blocks(70)  # crosses a prune: every node the kept states need is there
        assert chain.trie.root == trie_root(chain.latest.data)
        at = chain.block_hash(chain.best_number - 1)
        header = chain.header(at) if at is not None else None
        assert at is not None and header is not None
        verify_read_proof(header.state_root, chain.read_proof([number_key(chain)], at), [number_key(chain)])
        chain.close()
