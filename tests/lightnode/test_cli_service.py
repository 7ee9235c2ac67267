"""`tao-wallet node sync|status|audit|earnings --json` and NodeService against a real demo localnet."""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from node.localnet.rpc.embedded import LocalnetHandle
from node.localnet.subtensor.scenario import DEMO_SCENARIO, load_scenario
from tao_wallet.cli import cli
from tao_wallet.services.chain import encode_address
from tao_wallet.services.node import NodeService


def test_cli_sync_status_audit_earnings_json(demo_net: LocalnetHandle, tmp_path: Path) -> None:
    sc = load_scenario(DEMO_SCENARIO)
    ck = encode_address(sc.key(2, "validator", 1))
    db = tmp_path / "node.sqlite"
    base = ["node", "--url", demo_net.url, "--db", str(db), "--coldkey", ck]
    runner = CliRunner()
    res = runner.invoke(cli, [*base, "sync", "--stop-at", "50", "--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in res.output.splitlines()]
    assert lines[-1]["synced"] == 50 and lines[-1]["state"] == "stopped" and lines[-1]["mismatches"] == 0
    status = json.loads(runner.invoke(cli, [*base, "status", "--json"]).output)
    assert status["synced"] == 50 and status["epochs"] >= 7 and status["bytes_per_epoch"] > 0
    audit = json.loads(runner.invoke(cli, [*base, "audit", "--json"]).output)
    assert len(audit["epochs"]) == status["epochs"] and audit["mismatches"] == []
    assert all(e["mismatches"] == 0 and e["uids"] > 50 for e in audit["epochs"])
    earn = json.loads(runner.invoke(cli, [*base, "earnings", ck, "--json"]).output)
    assert earn["rows"] and all(r["netuid"] == 2 for r in earn["rows"])
    assert Decimal(earn["rows"][-1]["earned_alpha"]) > 0 and len(earn["returns"]) == 3
    assert earn["projections"] and Decimal(earn["projections"][0]["expected_alpha"]) > 0
    text = runner.invoke(cli, [*base, "audit"]).output
    assert "match" in text and "MISMATCH" not in text


def test_cli_bad_coldkey_is_a_clear_error(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["node", "--db", str(tmp_path / "x.sqlite"), "earnings", "notanaddress",
                                   "--json"])
    assert res.exit_code == 1
    assert "not a valid address" in json.loads(res.stderr)["error"]["message"]


def test_service_what_if_and_series(demo_net: LocalnetHandle, tmp_path: Path) -> None:
    sc = load_scenario(DEMO_SCENARIO)
    service = NodeService((demo_net.url,), tmp_path / "node.sqlite")
    with pytest.raises(ValueError, match="no synced epoch"):
        service.what_if(1, encode_address(sc.key(1, "validator-hotkey", 0)), Decimal(100))
    service.sync(threading.Event(), follow=False, stop_at=45)
    small = service.what_if(1, encode_address(sc.key(1, "validator-hotkey", 0)), Decimal(100))
    big = service.what_if(1, encode_address(sc.key(1, "validator-hotkey", 0)), Decimal(1000))
    assert 0 < small.expected_alpha < big.expected_alpha
    with pytest.raises(ValueError, match="not registered"):
        service.what_if(1, encode_address(sc.key(2, "validator-hotkey", 0)), Decimal(1))
    series = service.subnet_series()
    assert [s.netuid for s in series] == [1, 2, 3, 4]
    assert all(len(s.blocks) >= 1 and all(p > 0 for p in s.price) for s in series)


def test_cli_sync_with_no_reachable_endpoint_fails_clearly(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    res = CliRunner().invoke(cli, ["node", "--url", f"ws://127.0.0.1:{port}", "--db", str(tmp_path / "x.sqlite"),
                                   "sync", "--json"])
    assert res.exit_code == 1
    assert "no usable endpoint" in json.loads(res.stderr)["error"]["message"]
