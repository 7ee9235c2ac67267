"""Earnings per position and watchtower alerts for watched demo keys on a real demo localnet."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from node.consensus import run_epoch
from node.light import LightSync, SyncConfig
from node.light.earnings import share_value
from node.light.returns import realized_returns
from node.light.snapshot import EpochSnapshot
from node.light.watch import epoch_alerts
from node.localnet.rpc.embedded import LocalnetHandle
from node.localnet.subtensor.scenario import DEMO_SCENARIO, load_scenario
from tests.lightnode.conftest import DEMO_BLOCKS


def test_validator_and_miner_earnings_are_split_and_priced(demo_net: LocalnetHandle, tmp_path: Path) -> None:
    sc = load_scenario(DEMO_SCENARIO)
    validator_ck, validator_hk = sc.key(1, "validator", 0), sc.key(1, "validator-hotkey", 0)
    miner_ck, miner_hk = sc.key(1, "miner", 3), sc.key(1, "miner-hotkey", 3)
    db = tmp_path / "light.sqlite"
    LightSync(SyncConfig(db, (demo_net.url,), follow=False, stop_at=DEMO_BLOCKS,
                         coldkeys=(validator_ck, miner_ck))).run(threading.Event())
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT coldkey, hotkey, netuid, block, alpha_before, alpha_after, earned_alpha, "
                        "incentive, dividends, delegation, earned_tao FROM earnings ORDER BY block").fetchall()
    v = [r for r in rows if bytes(r[0]) == validator_ck]
    assert v and all(bytes(r[1]) == validator_hk and r[2] == 1 for r in v)
    assert sum(1 for r in v if r[6] > 0) >= 2  # the first epoch pays no dividends (no bonds yet)
    for r in v:  # the validator owns its hotkey: all of its gain is dividends (take + own stake)
        assert r[6] == r[5] - r[4] >= 0 and r[8] == r[6] and r[7] == 0 and r[9] == 0
        chain_hash = demo_net.chain.block_hash(r[3])
        total = demo_net.chain.read("SubtensorModule", "TotalHotkeyAlpha", validator_hk, 1, at=chain_hash)
        share = demo_net.chain.read("SubtensorModule", "AlphaV2", validator_hk, validator_ck, 1, at=chain_hash)
        denom = demo_net.chain.read("SubtensorModule", "TotalHotkeySharesV2", validator_hk, 1, at=chain_hash)
        assert r[5] == share_value(int(total), share, denom)
    m = [r for r in rows if bytes(r[0]) == miner_ck]
    assert m, "the miner's position appears once its incentive was staked"
    for r in m:  # a miner's gain is the server emission the (audited) local epoch gave its uid
        blob = conn.execute("SELECT snapshot FROM epochs WHERE netuid=1 AND block=?", (r[3],)).fetchone()[0]
        snap = EpochSnapshot.from_blob(blob)
        uid = snap.hotkeys.index(miner_hk.hex())
        expected = int(run_epoch(snap.epoch_input(), "exact").server_emission[uid])
        assert r[7] == expected == r[6] > 0 and r[8] == 0
    returns = realized_returns(conn, validator_ck, DEMO_BLOCKS)
    assert [x.window for x in returns] == ["1d", "7d", "30d"]
    assert all(x.earned_tao > 0 and x.per_1000_tao_per_day and x.per_1000_tao_per_day > 0 for x in returns)


def test_alerts_for_stake_leaving_take_increase_and_dereg_risk(demo_net: LocalnetHandle, tmp_path: Path) -> None:
    db = tmp_path / "light.sqlite"
    LightSync(SyncConfig(db, (demo_net.url,), follow=False, stop_at=45)).run(threading.Event())
    blobs = sqlite3.connect(db).execute(
        "SELECT snapshot FROM epochs WHERE netuid=1 ORDER BY block").fetchall()
    prev, snap = (EpochSnapshot.from_blob(b[0]) for b in blobs[:2])
    owner = bytes.fromhex(snap.context["owners"][1])
    assert epoch_alerts(snap, prev, (owner,), set()) == []  # nothing unusual happened
    snap.alpha_stake[1] = prev.alpha_stake[1] // 2  # half of the validator's stake left
    snap.context["takes"][1] = prev.context["takes"][1] + 100
    kinds = {a.kind for a in epoch_alerts(snap, prev, (owner,), {bytes.fromhex(snap.hotkeys[1])})}
    assert kinds == {"stake_leaving", "take_increase"}
    low_uid = min(range(snap.n), key=lambda u: (snap.outputs["emission"][u], u))
    low_owner = bytes.fromhex(snap.context["owners"][low_uid])
    assert "dereg_risk" in {a.kind for a in epoch_alerts(snap, prev, (low_owner,), set())}
