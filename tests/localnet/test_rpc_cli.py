"""`tao-wallet localnet` and `tao-wallet localnet fund`: real subprocess, real socket, real chain."""

from __future__ import annotations

import hashlib
import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from substrateinterface import Keypair
from websockets.sync.client import connect

from tao_wallet.localnet_cli import default_db_path, localnet_group, tao_to_rao

pytestmark = pytest.mark.timeout(120)

# System.Account map prefix: twox128("System") ++ twox128("Account") (well-known constant).
SYSTEM_ACCOUNT = "0x26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9"


def blake2_128_concat(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest() + data.hex()


CLI = [sys.executable, "-c", "from tao_wallet.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_listening(proc: subprocess.Popen[str], port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[0]
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("localnet did not start listening")


def rpc(url: str, method: str, params: list[object] | None = None) -> object:
    with connect(url) as ws:
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}))
        return json.loads(ws.recv())["result"]


@pytest.mark.parametrize(("text", "rao"), [("1", 10**9), ("0.000000001", 1), ("12.5", 12_500_000_000)])
def test_tao_to_rao_exact(text: str, rao: int) -> None:
    assert tao_to_rao(text) == rao


@pytest.mark.parametrize("text", ["0", "-1", "abc", "1e400000", "NaN", "0.0000000001"])
def test_tao_to_rao_rejects(text: str) -> None:
    with pytest.raises(click.BadParameter):
        tao_to_rao(text)


def test_conflicting_options_are_usage_errors() -> None:
    result = CliRunner().invoke(localnet_group, ["--tmp", "--db", "x.sqlite"])
    assert result.exit_code == 2 and "exclude each other" in result.output
    result = CliRunner().invoke(localnet_group, ["--manual", "--block-time", "1"])
    assert result.exit_code == 2


def test_fund_rejects_bad_address_before_connecting() -> None:
    result = CliRunner().invoke(localnet_group, ["fund", "not-an-address", "1", "--url", "ws://127.0.0.1:1"])
    assert result.exit_code == 2 and "not a valid SS58 address" in result.output


def test_fund_reports_unreachable_localnet() -> None:
    bob = Keypair.create_from_uri("//Bob").ss58_address
    result = CliRunner().invoke(localnet_group, ["fund", bob, "1", "--url", f"ws://127.0.0.1:{free_port()}"])
    assert result.exit_code == 1 and "no localnet at" in result.output


def test_fund_from_dev_account_is_a_signed_transfer(localnet_url: str) -> None:
    dest = Keypair.create_from_mnemonic(Keypair.generate_mnemonic()).ss58_address
    result = CliRunner().invoke(localnet_group, ["fund", dest, "1.25", "--url", localnet_url, "--from", "//Bob"])
    assert result.exit_code == 0, result.output
    assert f"funded {dest} with 1.25 TAO in block 0x" in result.output
    assert "(fee 0." in result.output and "free balance now 1.25 TAO" in result.output
    result = CliRunner().invoke(localnet_group, ["fund", dest, "1", "--url", localnet_url, "--from", "//NoFunds"])
    assert result.exit_code == 1 and "localnet refused" in result.output  # cannot pay the fee
    assert "Inability to pay some fees" in result.output
    result = CliRunner().invoke(localnet_group, ["fund", dest, "1", "--url", localnet_url, "--from", "not a uri"])
    assert result.exit_code == 2 and "not a valid secret URI" in result.output and "not a uri" not in result.output


def test_default_db_lives_in_data_dir(isolated_dirs: Path) -> None:
    assert default_db_path() == isolated_dirs / "data" / "tao-wallet" / "localnet" / "chain.sqlite"


def test_run_fund_ctrl_c_and_restart(tmp_path: Path) -> None:
    port = free_port()
    url = f"ws://127.0.0.1:{port}"
    db = tmp_path / "chain.sqlite"
    dest = Keypair.create_from_mnemonic(Keypair.generate_mnemonic()).ss58_address
    proc = subprocess.Popen([*CLI, "localnet", "--port", str(port), "--db", str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_listening(proc, port)
        funded = subprocess.run([*CLI, "localnet", "fund", dest, "2.5", "--url", url],
                                capture_output=True, text=True, timeout=60)
        assert funded.returncode == 0, funded.stdout + funded.stderr
        assert f"funded {dest} with 2.5 TAO" in funded.stdout
        assert "free balance now 2.5 TAO" in funded.stdout
        key = SYSTEM_ACCOUNT + blake2_128_concat(Keypair(ss58_address=dest).public_key)
        account = rpc(url, "state_getStorage", [key])
        best = rpc(url, "chain_getBlockHash")
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert f"localnet listening on {url}" in out and "localnet stopped" in out
    assert db.exists()
    proc = subprocess.Popen([*CLI, "localnet", "--port", str(port), "--db", str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_listening(proc, port)
        assert rpc(url, "chain_getBlockHash") == best
        assert rpc(url, "state_getStorage", [key]) == account
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert proc.returncode == 0
