"""A block whose SQLite transaction fails is undone exactly: trie root, pool, pending mints, database."""

from __future__ import annotations

from pathlib import Path

import pytest
from substrateinterface import Keypair

from node.localnet.chain import Chain
from node.localnet.genesis import DEV_ACCOUNTS
from node.trie import trie_root
from tests.localnet.test_subtensor_chain import Client

BOB = DEV_ACCOUNTS["Bob"]


class InjectedFailure(RuntimeError):
    """The disk 'failed' while committing a block."""


def fail_next_commit(chain: Chain, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make the store's next COMMIT raise once (the transaction is then rolled back)."""
    calls: list[int] = []
    real_commit = chain.store.commit

    def commit() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise InjectedFailure("disk I/O error (injected)")
        real_commit()

    monkeypatch.setattr(chain.store, "commit", commit)
    return calls


def test_failed_block_is_undone_and_the_chain_continues(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "chain.sqlite"
    chain = Chain(db)
    chain.produce_blocks(2)
    alice = Keypair.create_from_uri("//Alice")
    dest = Keypair.create_from_uri("//UndoDest")
    xt = Client(chain).sign(alice, "Balances", "transfer_keep_alive", {"dest": dest.public_key, "value": 7 * 10**9})
    tx_hash = chain.submit(xt)
    best, best_hash, parent_root = chain.best_number, chain.best_hash, chain.trie.root
    latest_before = dict(chain.latest.data)
    bob_before = chain.read("System", "Account", BOB)["data"]["free"]

    calls = fail_next_commit(chain, monkeypatch)
    with pytest.raises(InjectedFailure):
        chain.fund(BOB, 5_000)
    assert calls == [1]
    # Nothing of the failed block survives: best, trie root, flat state, pool, the mint, the database.
    assert (chain.best_number, chain.best_hash, chain.trie.root) == (best, best_hash, parent_root)
    assert chain.latest.data == latest_before
    assert chain.pending_extrinsics() and tx_hash in chain.pool.by_hash
    assert chain.store.best_number() == best
    assert chain.trie.get(next(iter(latest_before))) == latest_before[next(iter(latest_before))]

    new_hash = chain.produce_block()  # the retried block includes the pooled transfer, but no mint
    header = chain.header(new_hash)
    assert header is not None and header.parent_hash == best_hash and header.number == best + 1
    assert header.state_root == trie_root(chain.latest.data) == chain.trie.root
    assert not chain.pending_extrinsics()
    assert chain.read("System", "Account", dest.public_key)["data"]["free"] == 7 * 10**9
    assert chain.read("System", "Account", BOB)["data"]["free"] == bob_before
    chain.produce_blocks(3)
    final_root, final_hash = chain.trie.root, chain.best_hash
    assert final_root == trie_root(chain.latest.data)
    chain.close()

    again = Chain(db)  # the database never saw the failed block
    assert again.best_hash == final_hash and again.trie.root == final_root
    again.produce_block()
    assert again.trie.root == trie_root(again.latest.data)
    again.close()


def test_failed_prune_block_keeps_the_pruning_window(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chain = Chain(tmp_path / "chain.sqlite", keep_blocks=16)
    chain.produce_blocks(63)  # block 64 prunes
    pruned_before = chain.store.pruned_below
    old = chain.block_hash(10)
    assert old is not None
    fail_next_commit(chain, monkeypatch)
    with pytest.raises(InjectedFailure):
        chain.produce_block()
    assert chain.store.pruned_below == pruned_before
    assert chain.storage(chain._state_key("System", "Number"), old) is not None  # still readable
    chain.produce_block()
    assert chain.best_number == 64 and chain.store.pruned_below == 64 - 16
    assert chain.trie.root == trie_root(chain.latest.data)
    chain.close()
