"""The embedded demo network is what `start_localnet()` and `tao-wallet localnet` start by default.

Real server, real WebSocket, real SQLite; `scenario=None` / `--empty` / `--scenario FILE` select the others.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from substrateinterface import SubstrateInterface

from node.localnet.rpc.embedded import start_localnet
from node.localnet.rpc.producer import SealMode
from node.localnet.rpc.server import ServerConfig
from node.localnet.subtensor.scenario import DEMO_SCENARIO, load_scenario
from tao_wallet.localnet_cli import default_db_path, localnet_group

S = "SubtensorModule"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_start_localnet_default_is_the_living_demo_network(tmp_path: Path) -> None:
    sc = load_scenario(DEMO_SCENARIO)
    db = tmp_path / "demo.sqlite"
    started = time.perf_counter()
    handle = start_localnet(db, config=ServerConfig(port=0, mode=SealMode.MANUAL))
    startup = time.perf_counter() - started
    try:
        assert startup < 30, f"demo genesis took {startup:.1f} s"
        substrate = SubstrateInterface(url=handle.url)
        try:
            assert substrate.query(S, "TotalNetworks").value == 1 + len(sc.subnets)
            names = [substrate.query(S, "SubnetIdentitiesV3", [n]).value["subnet_name"]
                     for n in range(1, len(sc.subnets) + 1)]
            assert names == [spec.name for spec in sc.subnets]
            # epochs are staggered across the tempo: within two tempos every subnet has run one
            substrate.rpc_request("dev_newBlock", [{"count": 2 * sc.tempo}])
            head = substrate.get_chain_head()
            for netuid, spec in enumerate(sc.subnets, start=1):
                assert substrate.query(S, "LastMechansimStepBlock", [netuid], block_hash=head).value > 0
                incentive = substrate.query(S, "Incentive", [netuid], block_hash=head).value
                assert len(incentive) == 1 + spec.validators + spec.miners and sum(incentive) > 0
        finally:
            substrate.close()
    finally:
        handle.stop()
    # a restart reopens the same chain (no second genesis) and the simulation keeps going
    handle = start_localnet(db, config=ServerConfig(port=0, mode=SealMode.MANUAL))
    try:
        assert handle.chain.best_number == 2 * sc.tempo  # type: ignore[comparison-overlap]
    finally:
        handle.stop()


def test_scenario_none_is_a_bare_chain() -> None:
    handle = start_localnet(None, config=ServerConfig(port=0, mode=SealMode.MANUAL), scenario=None)
    try:
        substrate = SubstrateInterface(url=handle.url)
        try:
            assert substrate.query(S, "TotalNetworks").value == 1
            assert substrate.query(S, "NetworksAdded", [1]).value is False
        finally:
            substrate.close()
    finally:
        handle.stop()


def test_demo_network_lives_without_transactions() -> None:
    """Instant seal plus idle blocks: the demo chain advances (and so runs epochs) on its own."""
    handle = start_localnet(None, config=ServerConfig(port=0), heartbeat=0.2)
    try:
        deadline = time.monotonic() + 30
        while handle.chain.best_number < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert handle.chain.best_number >= 3
    finally:
        handle.stop()


def test_heartbeat_defaults() -> None:
    from node.localnet.rpc.embedded import DEMO, DEMO_HEARTBEAT, heartbeat_for

    assert heartbeat_for(None, None, DEMO) == DEMO_HEARTBEAT
    assert heartbeat_for(ServerConfig(mode=SealMode.MANUAL), None, DEMO) is None
    assert heartbeat_for(None, None, None) is None  # a bare chain seals only with transactions
    assert heartbeat_for(None, [], DEMO) is None  # explicit installers: the caller decides


def test_bare_chain_stays_idle() -> None:
    handle = start_localnet(None, config=ServerConfig(port=0), scenario=None)
    try:
        time.sleep(0.5)
        assert handle.chain.best_number == 0
    finally:
        handle.stop()


def test_cli_option_errors_and_db_paths(isolated_dirs: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    other = tmp_path / "other.toml"
    other.write_text('seed = "x"\n[[subnets]]\nname = "Solo"\nvalidators = 2\nminers = 3\n')
    result = runner.invoke(localnet_group, ["--empty", "--scenario", str(other)])
    assert result.exit_code == 2 and "--empty and --scenario exclude each other" in result.output
    bad = tmp_path / "bad.toml"
    bad.write_text('seed = "x"\nbogus = 1\n')
    result = runner.invoke(localnet_group, ["--tmp", "--scenario", str(bad)])
    assert result.exit_code == 2 and "unknown scenario keys: ['bogus']" in result.output
    result = runner.invoke(localnet_group, ["--tmp", "--scenario", str(tmp_path / "missing.toml")])
    assert result.exit_code == 2 and "does not exist" in result.output
    base = isolated_dirs / "data" / "tao-wallet" / "localnet"
    assert default_db_path() == base / "chain.sqlite"
    assert default_db_path(empty=True) == base / "empty.sqlite"
    assert default_db_path(other) == base / "scenario-other.sqlite"


@pytest.mark.slow
def test_cli_runs_a_scenario_file(tmp_path: Path) -> None:
    scenario = tmp_path / "tiny.toml"
    scenario.write_text('seed = "tiny"\ntempo = 5\n[[subnets]]\nname = "Solo"\nvalidators = 2\nminers = 3\n')
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from tao_wallet.cli import main; main()", "localnet", "--tmp", "--manual", "--port", str(port),
         "--scenario", str(scenario)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(2)]
        assert lines[0].startswith("building genesis (scenario tiny.toml)"), lines
        assert f"ws://127.0.0.1:{port}" in lines[1] and "scenario tiny.toml" in lines[1], lines
        substrate = SubstrateInterface(url=f"ws://127.0.0.1:{port}")
        try:
            assert substrate.query(S, "TotalNetworks").value == 2
            ident = substrate.query(S, "SubnetIdentitiesV3", [1]).value
            assert ident["subnet_name"] == "Solo"
            assert substrate.query(S, "SubnetworkN", [1]).value == 1 + 2 + 3
            answer = substrate.rpc_request("dev_newBlock", [{"count": 6}])
            assert json.dumps(answer["result"]).startswith('"0x')
            assert substrate.query(S, "LastMechansimStepBlock", [1]).value > 0
        finally:
            substrate.close()
    finally:
        proc.terminate()
        proc.wait(30)
