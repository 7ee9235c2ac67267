"""In-process benchmark of the localnet Chain (no RPC): empty blocks/s, transfers/s, RSS after N blocks.

    .venv/bin/python benchmarks/localnet_core.py [--blocks 2000] [--transfers 1000] [--rss-blocks 10000] [--db]

Transfers are composed and signed beforehand with substrate-interface (offline, through the test shim's
in-process RPC); the timed part is what the chain does: decode + signature check + validate + pool on
submit, then execution, trie root and SQLite commit when included.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from node.localnet.chain import Chain


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--blocks", type=int, default=2000)
    parser.add_argument("--transfers", type=int, default=1000)
    parser.add_argument("--rss-blocks", type=int, default=10_000)
    parser.add_argument("--db", action="store_true", help="use a SQLite file (WAL) instead of :memory:")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    db = Path(tmp.name) / "chain.sqlite" if args.db else None

    chain = Chain(db)
    chain.produce_blocks(10)
    t = time.perf_counter()
    chain.produce_blocks(args.blocks)
    dt = time.perf_counter() - t
    print(f"empty blocks: {args.blocks} in {dt:.2f} s = {args.blocks / dt:.0f} blocks/s")

    from substrateinterface import Keypair

    from tests.localnet.test_chain_rpcshim import shim_interface

    si = shim_interface(chain)
    alice = Keypair.create_from_uri("//Alice")
    bob = Keypair.create_from_uri("//Bob")
    call = si.compose_call("Balances", "transfer_keep_alive", {"dest": bob.ss58_address, "value": 10**9})
    nonce = chain.account_next_index(alice.public_key)
    t = time.perf_counter()
    xts = [bytes(si.create_signed_extrinsic(call, keypair=alice, nonce=nonce + i).data.data)
           for i in range(args.transfers)]
    print(f"client signing (substrate-interface): {args.transfers / (time.perf_counter() - t):.0f} tx/s")
    t = time.perf_counter()
    for raw in xts:
        chain.submit(raw)
    t_submit = time.perf_counter() - t
    blocks = 0
    while chain.pending_extrinsics():
        chain.produce_block()
        blocks += 1
    dt = time.perf_counter() - t
    print(f"transfers: {args.transfers} submitted in {t_submit:.2f} s and included in {blocks} block(s); "
          f"total {dt:.2f} s = {args.transfers / dt:.0f} transfers/s")
    assert chain.read("System", "Account", alice.public_key)["nonce"] == nonce + args.transfers

    remaining = max(0, args.rss_blocks - chain.best_number)
    t = time.perf_counter()
    chain.produce_blocks(remaining)
    dt = time.perf_counter() - t
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"after {chain.best_number} blocks: max RSS {rss_mb:.0f} MiB ({remaining} more blocks in {dt:.1f} s)")
    chain.close()
    tmp.cleanup()


if __name__ == "__main__":
    main()
