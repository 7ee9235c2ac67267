"""Time to load a portfolio of 50 positions across 10 subnets and a 4096-uid metagraph: tao-wallet vs btcli vs SDK.

Builds a localnet (10 subnets, subnet 1 with 4096 uids), stakes 50 positions for one coldkey with real
signed extrinsics, then times, each as a fresh process like a user would run them, on the same localnet
and machine, interleaved run by run (ours, btcli, SDK) so load swings hit all three alike:

    tao-wallet stake list --json      vs  btcli stake list --json-output  vs  SDK: balance + positions
    tao-wallet subnets show 1 --json  vs  btcli subnets show --netuid 1 ...   vs  SDK: subnets.metagraph(1)

The SDK probe (bittensor 11.3.0, async API, concurrent requests where the API allows) reads the same
data as our `stake list`: free balance, every position valued at spot (`stake_value_for_coldkey`) and
after slippage (`prices.quote_unstake` per position), and the metagraph without commitments.

What is cached between runs, for every tool alike, is only what a user's warm disk holds: Python's
bytecode, and each tool's own runtime-metadata cache (ours: the V15 metadata under XDG_CACHE_HOME, keyed
by genesis + runtime version). Chain state is never cached. The first run of each command (cold caches)
is reported apart; the figures are the median (and range) of --runs warm runs after it.

Also: the in-process (warm connection) time of PortfolioService.load + SubnetService.metagraph, and the
time to fill the TUI's metagraph DataTable with 4096 rows and to scroll it end to end.

btcli (bittensor-cli 9.23.2) and the SDK (bittensor 11.3.0) run from their own venvs (--btcli / --sdk-python,
default: installed into /tmp on first use with pip; skipped with a note when they cannot be installed).

    .venv/bin/python benchmarks/portfolio.py [--runs 5] [--btcli PATH] [--sdk-python PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BTCLI_VERSION = "9.23.2"
BTCLI_VENV = Path(f"/tmp/tao-wallet-btcli-venv-{BTCLI_VERSION}")
SDK_VERSION = "11.3.0"
SDK_VENV = Path(f"/tmp/tao-wallet-sdk-venv-{SDK_VERSION}")

#: Run by the SDK venv's python: argv = url, "list" coldkey | "show" netuid; prints a JSON summary.
SDK_PROBE = """
import asyncio, json, sys
import bittensor as bt

async def main(url, mode, arg):
    async with bt.Subtensor(url) as sub:
        if mode == "list":
            bal, val = await asyncio.gather(sub.balances.get(arg), sub.staking.stake_value_for_coldkey(arg))
            quotes = await asyncio.gather(*[sub.prices.quote_unstake(p.netuid, p.stake.rao / 10**9)
                                            for p in val.positions if p.netuid])
            return {"free": str(bal), "positions": len(val.positions), "spot": str(val.stake_value),
                    "quotes": len(quotes)}
        graph = await sub.subnets.metagraph(int(arg), commitments=False)
        return {"neurons": len(graph), "first": graph.neuron(0).hotkey}

print(json.dumps(asyncio.run(main(*sys.argv[1:4]))))
"""


def scenario() -> Any:
    from node.localnet.subtensor.scenario import Scenario, SubnetSpec

    # owner hotkey (uid 0) + 64 validators + 4031 miners = 4096 uids
    big = SubnetSpec(name="Big", validators=64, miners=4031, max_allowed_uids=4096, max_allowed_validators=64,
                     pool_tao=20_000, pool_alpha=20_000, validator_stake=1_000)
    small = tuple(SubnetSpec(name=f"S{i}", validators=5, miners=3, pool_tao=5_000, pool_alpha=5_000,
                             validator_stake=500) for i in range(2, 11))
    return Scenario(seed="portfolio-bench", tempo=10_000, simulate_weights=False, subnets=(big, *small))


def _venv_tool(given: str | None, venv: Path, exe: str, requirement: str) -> Path | None:
    if given:
        return Path(given)
    path = venv / "bin" / exe
    if path.exists():
        return path
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", requirement], check=True, capture_output=True,
                       timeout=900)
    except (subprocess.SubprocessError, OSError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        print(f"{requirement} unavailable ({exc}; {detail[-300:]!r}); not timed")
        return None
    return path


def btcli_path(given: str | None) -> Path | None:
    """btcli 9.23.2 in its own venv (installed on first use)."""
    return _venv_tool(given, BTCLI_VENV, "btcli", f"bittensor-cli=={BTCLI_VERSION}")


def sdk_python(given: str | None) -> Path | None:
    """The python of a venv holding the bittensor SDK 11.3.0 (installed on first use)."""
    return _venv_tool(given, SDK_VENV, "python", f"bittensor=={SDK_VERSION}")


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Wall time of one fresh process and its stdout (raises with its stderr when it fails)."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])}... failed: {proc.stderr[-800:]}")
    return elapsed, proc.stdout


def loadavg() -> str:
    """The 1-minute load average (the machine is shared: figures swing with it)."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


class Timings:
    """Per (tool, command): the first (cold-cache) run and the warm runs after it."""

    def __init__(self) -> None:
        self.first: dict[tuple[str, str], float] = {}
        self.warm: dict[tuple[str, str], list[float]] = {}

    def add(self, tool: str, command: str, seconds: float) -> None:
        key = (tool, command)
        if key not in self.first:
            self.first[key] = seconds
        else:
            self.warm.setdefault(key, []).append(seconds)

    def median(self, tool: str, command: str) -> float:
        return statistics.median(self.warm[(tool, command)])

    def cell(self, tool: str, command: str) -> str:
        runs = self.warm.get((tool, command))
        if not runs:
            return "-"
        return f"{statistics.median(runs):.2f} s ({min(runs):.2f}-{max(runs):.2f}; first {self.first[(tool, command)]:.2f})"


def table_scroll_ms(session: Any, netuid: int) -> tuple[float, float]:
    """(fill ms, scroll-to-end-and-back ms) of the metagraph DataTable with every uid, headless."""
    import asyncio

    from textual.app import App

    from screens.subnet_detail import SubnetDetailScreen

    result: dict[str, float] = {}

    class Bench(App[None]):
        def on_mount(self) -> None:
            self.push_screen(SubnetDetailScreen(session, netuid))

    async def run() -> None:
        app = Bench()
        async with app.run_test(size=(160, 50)) as pilot:
            while not isinstance(app.screen, SubnetDetailScreen) or app.screen.render_ms is None:
                await pilot.pause(0.05)
            result["fill"] = app.screen.render_ms
            table = app.screen.query_one("#positions")
            table.focus()
            start = time.perf_counter()
            for _ in range(20):
                await pilot.press("pagedown")
            await pilot.press("end")
            await pilot.press("home")
            await pilot.pause()
            result["scroll"] = (time.perf_counter() - start) * 1000

    asyncio.run(run())
    return result["fill"], result["scroll"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--btcli", default=None)
    parser.add_argument("--sdk-python", default=None)
    args = parser.parse_args()

    from keystore.keypair import Keypair
    from keystore.wallet import Wallet
    from node.client.extrinsic import CryptoScheme, ExternalSigner
    from node.localnet.rpc.embedded import start_localnet
    from node.localnet.rpc.server import ServerConfig
    from node.localnet.subtensor.pallet import installer
    from tao_wallet.services.chain import ChainService, encode_address
    from tao_wallet.services.portfolio import PortfolioService
    from tao_wallet.services.staking import StakingService
    from tao_wallet.services.subnets import SubnetService

    sc = scenario()
    tmp = Path(tempfile.mkdtemp(prefix="portfolio-bench-"))
    t0 = time.perf_counter()
    handle = start_localnet(tmp / "chain.sqlite", config=ServerConfig(port=0), installers=[installer(sc)],
                            startup_timeout=600)
    print(f"localnet with 10 subnets (subnet 1: 4096 uids) up in {time.perf_counter() - t0:.1f} s at {handle.url}")
    wallets = tmp / "wallets"
    kp = Keypair.from_seed(os.urandom(32))
    Wallet("bench", wallets).regen_coldkey(kp, None)
    chain = ChainService(handle.url)
    chain.client.rpc("dev_fund", [kp.ss58_address, str(100_000 * 10**9)])
    staking = StakingService(chain)
    signer = ExternalSigner(kp.public_key, CryptoScheme.SR25519, kp.sign)
    t0 = time.perf_counter()
    for netuid in range(1, 11):
        for index in range(5):
            hotkey = encode_address(sc.key(netuid, "validator-hotkey", index))
            prepared = staking.prepare_stake(kp.ss58_address, hotkey, netuid, "10", tolerance_pct=Decimal(50))
            status = staking.send(prepared, signer, wait_for="in_block")
            assert status.success, status
    print(f"staked 50 positions in {time.perf_counter() - t0:.1f} s")

    # in-process, warm connection (median of 5 each; the localnet serves from this same process)
    api_chain = ChainService(handle.url)
    portfolio, subnets = PortfolioService(api_chain), SubnetService(api_chain)
    view, graph = portfolio.load([kp.ss58_address]), subnets.metagraph(1)
    assert len(view.positions) == 50 and len(graph.neurons) == 4096, (len(view.positions), len(graph.neurons))
    warm_portfolio, warm_graph = [], []
    for _ in range(5):
        start = time.perf_counter()
        portfolio.load([kp.ss58_address])
        warm_portfolio.append(time.perf_counter() - start)
        start = time.perf_counter()
        subnets.metagraph(1)
        warm_graph.append(time.perf_counter() - start)
    print(f"in-process (warm connection, median of 5): portfolio {statistics.median(warm_portfolio) * 1000:.0f} ms, "
          f"4096-uid metagraph {statistics.median(warm_graph) * 1000:.0f} ms (load average {loadavg()})")

    env = dict(os.environ, TAO_WALLET_PATH=str(wallets), XDG_CONFIG_HOME=str(tmp / "cfg"),
               XDG_DATA_HOME=str(tmp / "data"), XDG_CACHE_HOME=str(tmp / "cache"), HOME=str(tmp / "home"),
               TAO_WALLET_NO_EMBEDDED="1")
    (tmp / "home").mkdir()

    from tao_wallet.services.money_session import MoneySession
    from tao_wallet.services.wallets import WalletService

    fill, scroll = table_scroll_ms(MoneySession(handle.url, WalletService(wallets), chain=api_chain), 1)
    print(f"TUI metagraph table: 4096 rows filled in {fill:.0f} ms; 20 page-downs + end + home in {scroll:.0f} ms")

    def check_ours_list(out: str) -> None:
        assert len(json.loads(out)["positions"]) == 50

    def check_ours_show(out: str) -> None:
        assert len(json.loads(out)["neurons"]) == 4096

    def check_sdk_list(out: str) -> None:
        data = json.loads(out)
        assert data["positions"] == 50 and data["quotes"] == 50, data

    def check_sdk_show(out: str) -> None:
        assert json.loads(out)["neurons"] == 4096, out

    def check_btcli_list(out: str) -> None:
        positions = sum(len(rows) for rows in json.loads(out)["stake_info"].values())
        assert positions == 50, positions

    def check_btcli_show(out: str) -> None:
        assert len(json.loads(out)["uids"]) == 4096, out[:300]

    commands: list[tuple[str, str, list[str], Callable[[str], None]]] = [
        ("tao-wallet", "list", [sys.executable, "-m", "tao_wallet", "stake", "list", "-w", "bench", "--json",
                                "--network", handle.url], check_ours_list),
        ("tao-wallet", "show", [sys.executable, "-m", "tao_wallet", "subnets", "show", "1", "--json", "--network",
                                handle.url], check_ours_show),
    ]
    exe = btcli_path(args.btcli)
    if exe is not None:
        commands += [
            ("btcli", "list", [str(exe), "stake", "list", "--wallet-name", "bench", "--wallet-path", str(wallets),
                               "--network", handle.url, "--no-prompt", "--json-output"], check_btcli_list),
            ("btcli", "show", [str(exe), "subnets", "show", "--netuid", "1", "--network", handle.url, "--no-prompt",
                               "--json-output"], check_btcli_show),
        ]
    sdk = sdk_python(args.sdk_python)
    if sdk is not None:
        commands += [
            ("sdk", "list", [str(sdk), "-c", SDK_PROBE, handle.url, "list", kp.ss58_address], check_sdk_list),
            ("sdk", "show", [str(sdk), "-c", SDK_PROBE, handle.url, "show", "1"], check_sdk_show),
        ]
    timings = Timings()
    failed: dict[tuple[str, str], str] = {}
    loads = [loadavg()]
    for _ in range(args.runs + 1):  # the first pass runs with cold caches and is reported apart
        for tool, command, cmd, check in commands:
            if (tool, command) in failed:
                continue
            try:
                seconds, out = run_once(cmd, env)
                check(out)
            except (RuntimeError, AssertionError, ValueError, KeyError, TypeError) as exc:
                # a tool that fails (or prints nothing) is reported, never timed: its time is not a load time
                failed[(tool, command)] = f"{type(exc).__name__}: {str(exc)[-300:]}"
                continue
            timings.add(tool, command, seconds)
        loads.append(loadavg())
    print(f"fresh processes, median of {args.runs} warm runs (range; first cold run), load average "
          f"{' -> '.join(loads)}:")
    labels = {"tao-wallet": "tao-wallet", "btcli": f"btcli {BTCLI_VERSION}", "sdk": f"SDK {SDK_VERSION}"}
    for command, label in (("list", "stake list (50 positions)"), ("show", "subnets show 1 (4096 uids)")):
        print(f"  {label}: " + "; ".join(f"{labels[t]} {timings.cell(t, command)}"
                                         for t in labels if (t, command) in timings.warm))
    for (tool, command), reason in failed.items():
        print(f"  {labels[tool]} {command} FAILED, not timed: {reason}")
    for tool in ("btcli", "sdk"):
        ratios = [f"{c_label} {timings.median(tool, c) / timings.median('tao-wallet', c):.1f}x"
                  for c, c_label in (("list", "stake list"), ("show", "subnets show"))
                  if (tool, c) in timings.warm and ("tao-wallet", c) in timings.warm]
        if len(ratios) == 2:
            total = ((timings.median(tool, "list") + timings.median(tool, "show"))
                     / (timings.median("tao-wallet", "list") + timings.median("tao-wallet", "show")))
            ratios.append(f"total {total:.1f}x")
        if ratios:
            print(f"  ratio {labels[tool]} / tao-wallet: {', '.join(ratios)}")
    handle.stop()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
