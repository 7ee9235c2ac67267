"""Light-node benchmark: headers/s, verified storage reads/s, 256-uid epoch snapshot + recompute,
and a full verified sync of 1,000 demo-localnet blocks (4 subnets, epochs audited).

Usage: .venv/bin/python benchmarks/node_sync.py [--blocks 1000]
Everything runs against real embedded localnets on free ports (real WebSocket, real proofs).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

from node.consensus import run_epoch
from node.light import LightSync, SyncConfig
from node.light.chain import fetch_range
from node.light.endpoints import EndpointPool
from node.light.epochs import EpochWatcher
from node.light.headers import VerifiedHeader
from node.light.reader import VerifiedReader
from node.light.rpc import RpcEndpoint
from node.light.snapshot import audit
from node.light.storage import S, schema_for, u16
from node.localnet.rpc.embedded import start_localnet
from node.localnet.rpc.server import ServerConfig
from node.localnet.subtensor.pallet import demo_installer, installer

BIG_SUBNET = {"seed": "bench", "tempo": 20, "simulate_weights": True,
              "subnets": [{"name": "Big", "validators": 63, "miners": 192, "max_allowed_uids": 256,
                           "max_allowed_validators": 64, "pool_tao": 5000, "validator_stake": 1000}]}


def bench_headers_and_full_sync(blocks: int, tmp: Path) -> None:
    handle = start_localnet(None, config=ServerConfig(port=0), installers=[demo_installer()])
    try:
        t = time.perf_counter()
        handle.chain.produce_blocks(blocks)
        print(f"(produced {blocks} demo blocks in {time.perf_counter() - t:.1f} s)")
        ep = RpcEndpoint(handle.url)
        for label in ("first pass", "second pass"):
            t = time.perf_counter()
            got = 0
            for start in range(0, blocks + 1, 256):
                got += len(fetch_range(ep, start, min(blocks, start + 255)))
            dt = time.perf_counter() - t
            print(f"headers (fetch + re-hash + link, pipelined 256/batch, {label}): {got / dt:,.0f} headers/s")
        t = time.perf_counter()
        LightSync(SyncConfig(tmp / "headers.sqlite", (handle.url,), follow=False, epochs=False)).run(threading.Event())
        dt = time.perf_counter() - t
        print(f"header-only sync into SQLite (one transaction per block): {(blocks + 1) / dt:,.0f} blocks/s")
        # verified reads: 512 keys per proof (snapshot-style) and 1 key per request
        header = fetch_range(ep, blocks, blocks)[0]
        metadata = bytes.fromhex(ep.call("state_getMetadata")[2:])
        schema = schema_for(metadata)
        reader = VerifiedReader(EndpointPool([handle.url]))
        keys = [schema.key(S, "Weights", u16(1), u16(uid)) for uid in range(113)]
        keys += [schema.key(S, "BlockAtRegistration", u16(n), u16(uid)) for n in (1, 2, 3, 4) for uid in range(90)]
        t = time.perf_counter()
        rounds = 5
        for _ in range(rounds):
            reader.read(header, keys)
        dt = time.perf_counter() - t
        print(f"verified storage reads ({len(keys)} keys/proof): {rounds * len(keys) / dt:,.0f} keys/s")
        t = time.perf_counter()
        for k in keys[:200]:
            reader.read(header, [k])
        dt = time.perf_counter() - t
        print(f"verified storage reads (1 key/request, round trip each): {200 / dt:,.0f} keys/s")
        ep.close()
        reader.pool.close()
        db = tmp / "full.sqlite"
        t = time.perf_counter()
        p = LightSync(SyncConfig(db, (handle.url,), follow=False)).run(threading.Event())
        dt = time.perf_counter() - t
        per_epoch = p.db_bytes // max(p.epochs, 1)
        print(f"full verified sync of {blocks} demo blocks (4 subnets, {p.epochs} epochs snapshotted + audited, "
              f"{p.mismatches} mismatches): {dt:.1f} s = {(blocks + 1) / dt:,.0f} blocks/s; "
              f"db {p.db_bytes / 1e6:.1f} MB, {per_epoch / 1e3:.1f} kB per synced epoch")
    finally:
        handle.stop()


def _time_epoch(watcher: EpochWatcher, header: VerifiedHeader, parent: VerifiedHeader,
                rounds: int) -> tuple[dict[str, list[float]], int]:
    """Capture, encode, decode, recompute and audit one epoch `rounds` times: seconds per stage (and
    "total"), and the snapshot's size in bytes. Fails if the audit finds a mismatch."""
    from node.light.snapshot import EpochSnapshot

    times: dict[str, list[float]] = {"capture": [], "encode": [], "decode": [], "recompute+audit": [], "total": []}
    blob = b""
    for _ in range(rounds):
        t0 = time.perf_counter()
        snap = watcher.capture(header, parent, 1)
        t1 = time.perf_counter()
        blob = snap.to_blob()
        t2 = time.perf_counter()
        again = EpochSnapshot.from_blob(blob)
        t3 = time.perf_counter()
        result = audit(again, run_epoch(again.epoch_input(), "exact"))
        t4 = time.perf_counter()
        for k, v in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0), strict=True):
            times[k].append(v)
        assert not result.mismatches, result.mismatches[:3]
    return times, len(blob)


def bench_big_epoch() -> None:
    handle = start_localnet(None, config=ServerConfig(port=0), installers=[installer(BIG_SUBNET)])
    try:
        handle.chain.produce_blocks(42)
        ep = RpcEndpoint(handle.url)
        n_uids = handle.chain.read(S, "SubnetworkN", 1)
        epoch_block = handle.chain.read(S, "LastMechansimStepBlock", 1)
        parent, header = fetch_range(ep, epoch_block - 1, epoch_block)
        schema = schema_for(bytes.fromhex(ep.call("state_getMetadata")[2:]))
        watcher = EpochWatcher(schema, VerifiedReader(EndpointPool([handle.url])))
        times, blob_len = _time_epoch(watcher, header, parent, 10)
        med = {k: statistics.median(v) * 1000 for k, v in times.items() if k != "total"}
        parts = ", ".join(f"{k} {v:.0f} ms" for k, v in med.items())
        print(f"{n_uids}-uid epoch (#{epoch_block}), median of 10: {parts}; total {sum(med.values()):.0f} ms; "
              f"snapshot {blob_len / 1e3:.1f} kB")
        ep.close()
    finally:
        handle.stop()


def _spawn_localnet(db: Path) -> tuple[object, str]:
    """Serve an existing localnet database from a separate Python process; returns (process, url)."""
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "tao_wallet", "localnet", "--port", str(port), "--db", str(db),
                             "--manual"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"ws://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            ep = RpcEndpoint(url, timeout=5)
            ep.call("chain_getBlockHash", [0])
            ep.close()
            return proc, url
        except Exception:
            if time.monotonic() > deadline:
                proc.terminate()
                raise
            time.sleep(0.5)


def bench_big_epoch_separate(tmp: Path, rounds: int = 10) -> None:
    """End to end against a localnet in another process: capture (verified RPC reads) + encode +
    decode + recompute + audit of one 256-uid epoch."""
    import subprocess

    from node.localnet.chain import Chain

    db = tmp / "big-chain.sqlite"
    chain = Chain(db, installers=[installer(BIG_SUBNET)])
    chain.produce_blocks(42)
    n_uids = chain.read(S, "SubnetworkN", 1)
    epoch_block = chain.read(S, "LastMechansimStepBlock", 1)
    chain.close()
    proc, url = _spawn_localnet(db)
    assert isinstance(proc, subprocess.Popen)
    try:
        ep = RpcEndpoint(url)
        parent, header = fetch_range(ep, epoch_block - 1, epoch_block)
        schema = schema_for(bytes.fromhex(ep.call("state_getMetadata")[2:]))
        for check in (True, False):
            pool = EndpointPool([url])
            watcher = EpochWatcher(schema, VerifiedReader(pool, check_values=check))
            times, _ = _time_epoch(watcher, header, parent, rounds)
            med = {k: statistics.median(v) * 1000 for k, v in times.items()}
            parts = ", ".join(f"{k} {v:.0f} ms" for k, v in med.items() if k != "total")
            how = "proofs + served values compared" if check else "proofs only"
            print(f"[separate server process] snapshot + recompute of one {n_uids}-uid epoch (#{epoch_block}, "
                  f"{how}), median of {rounds}: {parts}; end to end {med['total']:.0f} ms "
                  f"(best {min(times['total']) * 1000:.0f} ms)")
            pool.close()
        ep.close()
    finally:
        proc.terminate()
        proc.wait(30)


def bench_out_of_process(blocks: int, tmp: Path) -> None:
    """The realistic setup: the endpoint is another process (no shared GIL with the light node)."""
    import socket
    import subprocess
    import sys

    from node.localnet.chain import Chain

    db = tmp / "chain.sqlite"
    chain = Chain(db, installers=[demo_installer()])
    chain.produce_blocks(blocks)
    chain.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "tao_wallet", "localnet", "--port", str(port), "--db", str(db),
                             "--manual"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"ws://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                ep = RpcEndpoint(url, timeout=5)
                ep.call("chain_getBlockHash", [0])
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        for label in ("first pass", "second pass"):
            t = time.perf_counter()
            got = 0
            for start in range(0, blocks + 1, 256):
                got += len(fetch_range(ep, start, min(blocks, start + 255)))
            dt = time.perf_counter() - t
            print(f"[separate server process] headers, {label}: {got / dt:,.0f} headers/s")
        ep.close()
        for check in (True, False):
            t = time.perf_counter()
            p = LightSync(SyncConfig(tmp / f"oop-{check}.sqlite", (url,), follow=False, check_values=check)
                          ).run(threading.Event())
            dt = time.perf_counter() - t
            how = "proofs + served values compared" if check else "proofs only"
            print(f"[separate server process] full verified sync of {blocks} demo blocks ({how}; {p.epochs} "
                  f"epochs, {p.mismatches} mismatches): {dt:.1f} s = {(blocks + 1) / dt:,.0f} blocks/s")
    finally:
        proc.terminate()
        proc.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--blocks", type=int, default=1000)
    parser.add_argument("--only-separate", action="store_true", help="only the out-of-process endpoint part")
    parser.add_argument("--only-epoch", action="store_true",
                        help="only the 256-uid epoch snapshot + recompute against a separate-process localnet")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.only_epoch:
            bench_big_epoch_separate(Path(tmp))
            return
        if args.only_separate:
            bench_big_epoch_separate(Path(tmp))
            bench_out_of_process(args.blocks, Path(tmp))
            return
        bench_big_epoch()
        bench_big_epoch_separate(Path(tmp))
        bench_headers_and_full_sync(args.blocks, Path(tmp))
        bench_out_of_process(args.blocks, Path(tmp))


if __name__ == "__main__":
    main()
