"""Benchmark the localnet state trie: build, incremental commits, proofs.

Run: ``.venv/bin/python benchmarks/trie.py [--keys 100000]``. Keys look like ``System.Account``
entries (32-byte pallet/item prefix + blake2_128 + 32-byte account id) with 80-byte values, which
state version 1 stores as separate value nodes.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import resource
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from node.trie import MemoryNodeStore, SqliteNodePruner, SqliteNodeStore, Trie, verify_read_proof

PREFIX = bytes.fromhex("26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9")


def account_key(i: int) -> bytes:
    account = hashlib.blake2b(i.to_bytes(8, "little"), digest_size=32).digest()
    return PREFIX + hashlib.blake2b(account, digest_size=16).digest() + account


def account_value(i: int, nonce: int = 0) -> bytes:
    return nonce.to_bytes(4, "little") + b"\x00" * 12 + (10**12 + i).to_bytes(16, "little") + b"\x00" * 48


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_commits(
    trie: Trie, n_keys: int, rounds: int, seed: int, wrap: Callable[[Callable[[], None]], None]
) -> float:
    """Average time to change 10 random accounts and commit; ``seed`` makes every call's values new."""
    rng = random.Random(seed)
    total = 0.0
    for r in range(rounds):
        picks = [rng.randrange(n_keys) for _ in range(10)]

        def step(picks: list[int] = picks, r: int = r) -> None:
            for i in picks:
                trie.set(account_key(i), account_value(i, seed * rounds + r + 1))
            trie.commit()

        start = time.perf_counter()
        wrap(step)
        total += time.perf_counter() - start
    return total / rounds


def localnet_like(blocks: int = 1000) -> None:
    """A small dev-chain state (2,000 keys); each block rewrites 8 System items, in SQLite with pruning."""
    system = hashlib.blake2b(b"System", digest_size=16).digest()
    items = [system + hashlib.blake2b(name, digest_size=16).digest() for name in
             (b"Number", b"ParentHash", b"Events", b"EventCount", b"Digest", b"Now", b"BlockWeight")]
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "state.sqlite")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        store = SqliteNodeStore(conn)
        pruner = SqliteNodePruner(conn, store)
        trie = Trie(store)
        with conn:
            for i in range(2000):
                trie.set(account_key(i), account_value(i))
            trie.commit()
            pruner.record(0, trie.last_delta)
        start = time.perf_counter()
        for block in range(1, blocks + 1):
            with conn:
                for key in items:
                    trie.set(key, block.to_bytes(4, "little") * (40 if key == items[2] else 2))
                trie.set(system + b"BlockHash" + block.to_bytes(4, "little"), b"h" * 32)
                trie.commit()
                pruner.record(block, trie.last_delta)
                pruner.prune(block - 256)
        per_block = (time.perf_counter() - start) / blocks
        print(f"localnet-like block (2k keys, 8 changed, SQLite tx + pruning to 256 states): {per_block * 1e3:.3f} ms")
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    n = args.keys
    keys = [account_key(i) for i in range(n)]
    values = [account_value(i) for i in range(n)]

    store = MemoryNodeStore()
    trie = Trie(store)

    def build() -> None:
        for k, v in zip(keys, values, strict=True):
            trie.set(k, v)
        trie.commit()

    t_build = timed(build)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"build {n} keys + first commit (memory): {t_build:.2f} s  ({len(store)} nodes, max RSS {rss:.0f} MiB)")

    # Key-building cost is included in the commit figures below; measure it to subtract mentally.
    t_keys = timed(lambda: [account_key(i) + account_value(i) for i in range(10 * args.rounds)]) / args.rounds
    t_mem = bench_commits(trie, n, args.rounds, 1, lambda f: f())
    print(f"commit 10 changed keys (memory store):  {t_mem * 1e3:.3f} ms  (key/value building {t_keys * 1e3:.3f} ms)")

    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "state.sqlite")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        sql_store = SqliteNodeStore(conn)
        fresh = Trie(sql_store)
        pruner = SqliteNodePruner(conn, sql_store)

        def build_sql() -> None:
            with conn:
                for k, v in zip(keys, values, strict=True):
                    fresh.set(k, v)
                fresh.commit()
                pruner.record(0, fresh.last_delta)

        print(f"build {n} keys + first commit (SQLite store): {timed(build_sql):.2f} s")
        cold = Trie(sql_store, fresh.root)  # reopened: every node is loaded from SQLite on demand

        def in_tx(f: Callable[[], None]) -> None:
            with conn:
                f()

        t_sql_cold = bench_commits(cold, n, args.rounds, 2, in_tx)
        t_sql = bench_commits(cold, n, args.rounds, 3, in_tx)
        print(f"commit 10 changed keys (SQLite store, WAL, one tx each): {t_sql * 1e3:.3f} ms "
              f"(first {args.rounds} rounds with cold node loading: {t_sql_cold * 1e3:.3f} ms)")

        block = 0

        def with_pruning(f: Callable[[], None]) -> None:
            nonlocal block
            block += 1
            with conn:
                f()
                pruner.record(block, cold.last_delta)
                pruner.prune(block - 256)

        t_prune = bench_commits(cold, n, args.rounds * 2, 4, with_pruning)
        print(f"  ... plus reference-counted pruning keeping 256 states: {t_prune * 1e3:.3f} ms")
        t_batch = bench_commits(cold, n, args.rounds, 5, lambda f: f())
        with conn:
            pass
        print(f"  ... without a transaction per block (batching blocks): {t_batch * 1e3:.3f} ms")
        conn.close()

    localnet_like()

    sample = [keys[i] for i in random.Random(2).sample(range(n), 200)]
    proofs: list[list[bytes]] = []
    t_prove = timed(lambda: proofs.extend(trie.prove([k]) for k in sample)) / len(sample)
    t_verify = timed(lambda: [verify_read_proof(trie.root, p, [k]) for p, k in zip(proofs, sample, strict=True)])
    t_verify /= len(sample)
    size = sum(sum(len(x) for x in p) for p in proofs) / len(proofs)
    print(f"prove one key: {t_prove * 1e6:.0f} us, verify: {t_verify * 1e6:.0f} us, proof size {size:.0f} bytes")
    t_prove10 = timed(lambda: trie.prove(sample[:10]))
    print(f"prove 10 keys at once: {t_prove10 * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
