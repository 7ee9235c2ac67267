"""Localnet benchmark: empty blocks/s, signed transfers/s, server RSS; blocks/s and epoch-block time
with the demo network running.

Part 1 (issue 4) runs the real server as a subprocess (`tao-wallet localnet --empty`) on a free port with
a throwaway database file, talks to it over a real WebSocket, and prints the figures.
Part 2 (issue 5) runs the benchmark network (`scenario.bench_scenario()`: 4 subnets x 256 uids, 16
simulated validators each setting weights every tempo of 20 blocks): blocks/s through the server
(`--scenario`, `dev_newBlock`) and, in process, each block's wall and CPU time, split into epoch blocks
(a subnet ran its epoch) and the others. CPU time is reported because the machine is shared.

    .venv/bin/python benchmarks/localnet.py [--transfers 1000] [--blocks 10000] [--demo-blocks 400]
    .venv/bin/python benchmarks/localnet.py --demo-only

Targets: issue 4 >= 200 empty blocks/s, >= 200 transfers/s from one client; issue 5 >= 50 blocks/s with
the demo network running, epoch block <= 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Client:
    """Pipelining raw JSON-RPC client: many requests in flight on one socket."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.next_id = 0

    async def call(self, method: str, params: list[Any] | None = None) -> Any:
        self.next_id += 1
        await self.ws.send(json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params or []}))
        while True:
            reply = json.loads(await self.ws.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    async def pipeline(self, method: str, many: list[list[Any]]) -> list[Any]:
        first = self.next_id + 1
        for params in many:
            self.next_id += 1
            await self.ws.send(json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}))
        replies: dict[int, Any] = {}
        while len(replies) < len(many):
            reply = json.loads(await self.ws.recv())
            if isinstance(reply.get("id"), int) and reply["id"] >= first:
                replies[reply["id"]] = reply
        return [replies[i] for i in range(first, first + len(many))]


def start_server(port: int, db: Path | None, mode: str, scenario: Path | None = None) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-c", "from tao_wallet.cli import main; main()", "localnet", "--port", str(port)]
    args += ["--tmp"] if db is None else ["--db", str(db)]
    args += ["--empty"] if scenario is None else ["--scenario", str(scenario)]
    if mode == "manual":
        args.append("--manual")
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {proc.stdout.read().decode() if proc.stdout else ''}") from None
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(2)  # SIGINT: the clean Ctrl-C path
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def presign_transfers(url: str, count: int) -> list[str]:
    """Alice -> Bob transfer_keep_alive with increasing nonces, signed by substrate-interface (not timed)."""
    from substrateinterface import Keypair, SubstrateInterface

    substrate = SubstrateInterface(url=url)
    alice = Keypair.create_from_uri("//Alice", ss58_format=42)
    bob = Keypair.create_from_uri("//Bob", ss58_format=42)
    nonce = substrate.get_account_nonce(alice.ss58_address)
    call = substrate.compose_call("Balances", "transfer_keep_alive", {"dest": bob.ss58_address, "value": 10**6})
    out = [str(substrate.create_signed_extrinsic(call=call, keypair=alice, nonce=nonce + i).data) for i in range(count)]
    substrate.close()
    return out


async def bench_blocks(url: str, count: int, single_calls: int) -> dict[str, float]:
    async with connect(url, max_size=None) as ws:
        client = Client(ws)
        start = time.perf_counter()
        await client.call("dev_newBlock", [{"count": count}])
        bulk = count / (time.perf_counter() - start)
        start = time.perf_counter()
        for _ in range(single_calls):
            await client.call("dev_newBlock", [])
        single = single_calls / (time.perf_counter() - start)
    return {"bulk": bulk, "single": single}


async def bench_transfers(url: str, signed: list[str]) -> dict[str, float]:
    async with connect(url, max_size=None) as ws:
        client = Client(ws)
        head = await client.call("chain_getHeader", [])
        first_block = int(head["number"], 16) + 1
        start = time.perf_counter()
        replies = await client.pipeline("author_submitExtrinsic", [[x] for x in signed])
        accepted_at = time.perf_counter()
        errors = [r["error"] for r in replies if "error" in r]
        if errors:
            raise RuntimeError(f"{len(errors)} rejected, first: {errors[0]}")
        wanted = {x for x in signed}
        included = 0
        number = first_block
        while included < len(wanted):
            block_hash = await client.call("chain_getBlockHash", [number])
            if block_hash is None:
                await asyncio.sleep(0.005)
                continue
            block = await client.call("chain_getBlock", [block_hash])
            included += sum(1 for x in block["block"]["extrinsics"] if x in wanted)
            number += 1
        done = time.perf_counter()
    return {
        "accepted_per_s": len(signed) / (accepted_at - start),
        "included_per_s": len(signed) / (done - start),
        "blocks": number - first_block,
    }


def write_bench_scenario(path: Path) -> Path:
    """The issue-5 benchmark network as a JSON scenario file for `tao-wallet localnet --scenario`."""
    from node.localnet.subtensor.scenario import bench_scenario

    data = dataclasses.asdict(bench_scenario())
    data["subnets"] = [{k: v for k, v in row.items() if v is not None} for row in data["subnets"]]
    path.write_text(json.dumps(data))
    return path


async def bench_demo_server(url: str, count: int) -> float:
    async with connect(url, max_size=None) as ws:
        client = Client(ws)
        await client.call("dev_newBlock", [{"count": 5}])
        start = time.perf_counter()
        await client.call("dev_newBlock", [{"count": count}])
        return count / (time.perf_counter() - start)


def bench_demo_inprocess(count: int) -> dict[str, float]:
    """Per-block wall/CPU time on a Chain running the benchmark network; epoch blocks split out."""
    from node.localnet.chain import Chain
    from node.localnet.rpc.embedded import settle_heap
    from node.localnet.subtensor.pallet import demo_installer, installer
    from node.localnet.subtensor.scenario import bench_scenario

    started = time.perf_counter()
    Chain(None, installers=[installer({"subnets": []})]).close()  # metadata, codecs: once per process
    metadata_load = time.perf_counter() - started
    started = time.perf_counter()
    demo = Chain(None, installers=[demo_installer()])
    demo_genesis = time.perf_counter() - started
    demo.close()
    sc = bench_scenario()
    started = time.perf_counter()
    chain = Chain(None, installers=[installer(sc)])
    bench_genesis = time.perf_counter() - started
    settle_heap()  # as the server does after start-up
    chain.produce_blocks(5)
    netuids = range(1, len(sc.subnets) + 1)
    wall: dict[bool, list[float]] = {True: [], False: []}
    cpu: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(count):
        w0, c0 = time.perf_counter(), time.process_time()
        chain.produce_block()
        w1, c1 = time.perf_counter(), time.process_time()
        number = chain.best_number
        epoch = any(chain.read("SubtensorModule", "LastMechansimStepBlock", n) == number for n in netuids)
        wall[epoch].append(w1 - w0)
        cpu[epoch].append(c1 - c0)
    chain.close()
    all_wall, all_cpu = wall[True] + wall[False], cpu[True] + cpu[False]
    return {
        "metadata_load_s": metadata_load, "demo_genesis_s": demo_genesis, "bench_genesis_s": bench_genesis, "epochs": len(wall[True]),
        "wall_blocks_per_s": len(all_wall) / sum(all_wall), "cpu_blocks_per_s": len(all_cpu) / sum(all_cpu),
        "epoch_wall_median_ms": 1000 * statistics.median(wall[True]), "epoch_wall_max_ms": 1000 * max(wall[True]),
        "epoch_cpu_median_ms": 1000 * statistics.median(cpu[True]), "epoch_cpu_max_ms": 1000 * max(cpu[True]),
        "other_cpu_median_ms": 1000 * statistics.median(cpu[False]),
    }


def run_demo(blocks: int) -> None:
    r = bench_demo_inprocess(blocks)
    print(f"start-up: metadata + codecs {r['metadata_load_s']:.2f} s (once per process), then genesis of the "
          f"demo network {r['demo_genesis_s']:.2f} s, of the benchmark network (4 x 256 uids) "
          f"{r['bench_genesis_s']:.2f} s")
    print(f"benchmark network, {blocks} blocks in process: {r['wall_blocks_per_s']:.1f} blocks/s wall, "
          f"{r['cpu_blocks_per_s']:.1f} blocks/s CPU")
    print(f"epoch blocks ({r['epochs']:.0f}): wall median {r['epoch_wall_median_ms']:.0f} ms / max "
          f"{r['epoch_wall_max_ms']:.0f} ms; CPU median {r['epoch_cpu_median_ms']:.0f} ms / max "
          f"{r['epoch_cpu_max_ms']:.0f} ms; other blocks CPU median {r['other_cpu_median_ms']:.1f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        scenario = write_bench_scenario(Path(tmp) / "bench.json")
        port = free_port()
        proc = start_server(port, Path(tmp) / "chain.sqlite", "manual", scenario)
        try:
            rate = asyncio.run(bench_demo_server(f"ws://127.0.0.1:{port}", blocks))
            print(f"benchmark network via the server: dev_newBlock {{count:{blocks}}} {rate:.1f} blocks/s "
                  f"(wall, database file); server RSS {rss_mib(proc.pid):.0f} MiB")
        finally:
            stop_server(proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transfers", type=int, default=1000)
    parser.add_argument("--blocks", type=int, default=10_000)
    parser.add_argument("--demo-blocks", type=int, default=400, help="blocks with the benchmark network")
    parser.add_argument("--demo-only", action="store_true", help="only the issue-5 (demo network) figures")
    parser.add_argument("--tmp", action="store_true", help="throwaway in-memory chain instead of a database file")
    args = parser.parse_args()
    run_demo(args.demo_blocks)
    if args.demo_only:
        return
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        url = f"ws://127.0.0.1:{port}"
        proc = start_server(port, None if args.tmp else Path(tmp) / "chain.sqlite", "instant")
        try:
            rss_start = rss_mib(proc.pid)
            signed = presign_transfers(url, args.transfers)
            tx = asyncio.run(bench_transfers(url, signed))
            print(f"transfers: {args.transfers} submitted from one client: accepted {tx['accepted_per_s']:.0f}/s, "
                  f"included {tx['included_per_s']:.0f}/s (in {tx['blocks']:.0f} blocks, instant seal)")
            blocks = asyncio.run(bench_blocks(url, args.blocks, 200))
            print(f"empty blocks: dev_newBlock {{count:{args.blocks}}} {blocks['bulk']:.0f} blocks/s; "
                  f"200 single dev_newBlock calls {blocks['single']:.0f} blocks/s")
            db_mib = sum(f.stat().st_size for f in Path(tmp).iterdir()) / 2**20
            print(f"server RSS: {rss_start:.0f} MiB at start, {rss_mib(proc.pid):.0f} MiB after "
                  f"{args.blocks + 200 + tx['blocks']:.0f} blocks" + ("" if args.tmp else f"; db {db_mib:.1f} MiB"))
        finally:
            stop_server(proc)


if __name__ == "__main__":
    main()
