"""Time to load a portfolio of 50 positions across 10 subnets and a 4096-uid metagraph, tao-wallet vs btcli.

Builds a localnet (10 subnets, subnet 1 with 4096 uids), stakes 50 positions for one coldkey with real
signed extrinsics, then times, each as a fresh process like a user would run them (median of --runs):

    tao-wallet stake list --json      vs  btcli stake list --json-output
    tao-wallet subnets show 1 --json  vs  btcli subnets show --netuid 1 --json-output

plus the in-process (warm connection) time of PortfolioService.load + SubnetService.metagraph, and the
time to fill the TUI's metagraph DataTable with 4096 rows and to scroll it end to end.

btcli (bittensor-cli) runs from its own venv (--btcli, default: installed into /tmp on first use with
pip; skipped with a note when it cannot be installed). The bittensor SDK is not measured: btcli is
the SDK-based tool users run for these views.

    .venv/bin/python benchmarks/portfolio.py [--runs 3] [--btcli PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BTCLI_VERSION = "9.23.2"
BTCLI_VENV = Path(f"/tmp/tao-wallet-btcli-venv-{BTCLI_VERSION}")


def scenario() -> Any:
    from node.localnet.subtensor.scenario import Scenario, SubnetSpec

    # owner hotkey (uid 0) + 64 validators + 4031 miners = 4096 uids
    big = SubnetSpec(name="Big", validators=64, miners=4031, max_allowed_uids=4096, max_allowed_validators=64,
                     pool_tao=20_000, pool_alpha=20_000, validator_stake=1_000)
    small = tuple(SubnetSpec(name=f"S{i}", validators=5, miners=3, pool_tao=5_000, pool_alpha=5_000,
                             validator_stake=500) for i in range(2, 11))
    return Scenario(seed="portfolio-bench", tempo=10_000, simulate_weights=False, subnets=(big, *small))


def btcli_path(given: str | None) -> Path | None:
    if given:
        return Path(given)
    exe = BTCLI_VENV / "bin" / "btcli"
    if exe.exists():
        return exe
    try:
        subprocess.run([sys.executable, "-m", "venv", str(BTCLI_VENV)], check=True, capture_output=True)
        subprocess.run([str(BTCLI_VENV / "bin" / "pip"), "install", "-q", f"bittensor-cli=={BTCLI_VERSION}"],
                       check=True, capture_output=True, timeout=900)
    except (subprocess.SubprocessError, OSError) as exc:
        print(f"btcli unavailable ({exc}); only tao-wallet is timed")
        return None
    return exe


def timed(cmd: list[str], env: dict[str, str], runs: int) -> tuple[float, str]:
    times, out = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[:4])}... failed: {proc.stderr[-800:]}")
        out = proc.stdout
    return statistics.median(times), out


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
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--btcli", default=None)
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
            view = staking.send(prepared, signer, wait_for="in_block")
            assert view.success, view
    print(f"staked 50 positions in {time.perf_counter() - t0:.1f} s")

    # in-process, warm connection
    api_chain = ChainService(handle.url)
    portfolio, subnets = PortfolioService(api_chain), SubnetService(api_chain)
    portfolio.load([kp.ss58_address])
    start = time.perf_counter()
    view = portfolio.load([kp.ss58_address])
    warm_portfolio = time.perf_counter() - start
    start = time.perf_counter()
    graph = subnets.metagraph(1)
    warm_graph = time.perf_counter() - start
    assert len(view.positions) == 50 and len(graph.neurons) == 4096, (len(view.positions), len(graph.neurons))
    print(f"in-process (warm): portfolio {warm_portfolio * 1000:.0f} ms, 4096-uid metagraph {warm_graph * 1000:.0f} ms")

    env = dict(os.environ, TAO_WALLET_PATH=str(wallets), XDG_CONFIG_HOME=str(tmp / "cfg"),
               XDG_DATA_HOME=str(tmp / "data"), HOME=str(tmp / "home"), TAO_WALLET_NO_EMBEDDED="1")
    (tmp / "home").mkdir()
    ours_list, out = timed([sys.executable, "-m", "tao_wallet", "stake", "list", "-w", "bench", "--json",
                            "--network", handle.url], env, args.runs)
    assert len(json.loads(out)["positions"]) == 50
    ours_show, out = timed([sys.executable, "-m", "tao_wallet", "subnets", "show", "1", "--json", "--network",
                            handle.url], env, args.runs)
    assert len(json.loads(out)["neurons"]) == 4096
    print(f"tao-wallet CLI (fresh process): stake list {ours_list:.2f} s, subnets show 1 {ours_show:.2f} s, "
          f"total {ours_list + ours_show:.2f} s")

    from tao_wallet.services.money_session import MoneySession
    from tao_wallet.services.wallets import WalletService

    fill, scroll = table_scroll_ms(MoneySession(handle.url, WalletService(wallets), chain=api_chain), 1)
    print(f"TUI metagraph table: 4096 rows filled in {fill:.0f} ms; 20 page-downs + end + home in {scroll:.0f} ms")

    exe = btcli_path(args.btcli)
    if exe is not None:
        bt_list, out = timed([str(exe), "stake", "list", "--wallet-name", "bench", "--wallet-path", str(wallets),
                              "--network", handle.url, "--no-prompt", "--json-output"], env, args.runs)
        bt_show, _ = timed([str(exe), "subnets", "show", "--netuid", "1", "--network", handle.url, "--no-prompt",
                            "--json-output"], env, args.runs)
        print(f"btcli {BTCLI_VERSION} (fresh process): stake list {bt_list:.2f} s, subnets show 1 {bt_show:.2f} s, "
              f"total {bt_list + bt_show:.2f} s")
        print(f"ratio btcli / tao-wallet: stake list {bt_list / ours_list:.1f}x, subnets show {bt_show / ours_show:.1f}x, "
              f"total {(bt_list + bt_show) / (ours_list + ours_show):.1f}x")
    handle.stop()


if __name__ == "__main__":
    main()
