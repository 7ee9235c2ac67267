"""Nominators' earnings end to end: demo localnet (real WebSocket) -> light node -> earnings table -> CLI.

The demo scenario's nominators stake to validators they do not own. What the light node records for
them is checked against the chain read independently, over the WebSocket, with the StakeInfo runtime
API and plain storage reads, and against the coinbase rule: validator dividends x (1 - take) x the
nominator's share of the pool when the rest is credited.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from pathlib import Path
from typing import Any

import bt_decode
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as hs
from websockets.sync.client import ClientConnection, connect

from node.light import LightSync, SyncConfig
from node.light.earnings import take_of_rest
from node.light.projection import project_position
from node.light.returns import realized_returns
from node.light.snapshot import EpochSnapshot
from node.light.store import open_db
from node.localnet.rpc.embedded import LocalnetHandle, start_localnet
from node.localnet.rpc.server import ServerConfig
from node.localnet.subtensor.api_codec import V15_PATH, load_api_codec
from node.localnet.subtensor.pallet import demo_installer
from node.localnet.subtensor.rules.fixed import div32, mul32, to_u64_32, u96f32
from node.localnet.subtensor.scenario import DEMO_SCENARIO, Scenario, load_scenario
from tao_wallet.cli import cli
from tao_wallet.services.chain import encode_address

S = "SubtensorModule"
TAO = 10**9
BLOCKS = 95
"""Four to five epochs of every demo subnet (tempo 20, staggered by 5 blocks)."""
STAKE_API = "StakeInfoRuntimeApi_get_stake_info_for_coldkey"


@dataclass
class Synced:
    net: LocalnetHandle
    db: Path
    sc: Scenario
    chain_rpc: ChainRpc


class ChainRpc:
    """Reads the chain the way an outside client would: JSON-RPC state_call over the WebSocket."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        md = bt_decode.MetadataV15.decode_from_metadata_option(bytes.fromhex(V15_PATH.read_text().strip()[2:]))
        self.registry = bt_decode.PortableRegistry.from_metadata_v15(md)
        self.codec = load_api_codec()
        self.next_id = 0

    def stakes(self, coldkey: bytes, block_hash: bytes) -> dict[tuple[bytes, int], int]:
        """StakeInfo of ``coldkey`` at a block: (hotkey, netuid) -> alpha (rao)."""
        self.next_id += 1
        self.ws.send(json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": "state_call",
                                 "params": [STAKE_API, "0x" + coldkey.hex(), "0x" + block_hash.hex()]}))
        raw = bytes.fromhex(json.loads(self.ws.recv())["result"][2:])
        rows = bt_decode.decode(f"scale_info::{self.codec.methods[STAKE_API].output}", self.registry, raw)
        return {(_account(r["hotkey"]), _int(r["netuid"])): _int(r["stake"]) for r in rows}


def _int(x: Any) -> int:
    while isinstance(x, tuple):  # bt-decode wraps newtypes (NetUid, AlphaBalance) in 1-tuples
        x = x[0]
    return int(x)


def _account(x: Any) -> bytes:
    while isinstance(x, tuple) and len(x) == 1:
        x = x[0]
    return bytes(x)


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    sc = load_scenario(DEMO_SCENARIO)
    net = start_localnet(None, config=ServerConfig(port=0), installers=[demo_installer()])
    net.chain.produce_blocks(BLOCKS)
    db = tmp_path_factory.mktemp("nominators") / "light.sqlite"
    coldkeys = tuple(sc.nominator_key(i) for i in range(len(sc.nominators)))
    LightSync(SyncConfig(db, (net.url,), follow=False, stop_at=BLOCKS, coldkeys=coldkeys)).run(threading.Event())
    try:
        with connect(net.url) as ws:
            yield Synced(net, db, sc, ChainRpc(ws))
    finally:
        net.stop()


def _rows(db: Path, coldkey: bytes) -> list[dict[str, Any]]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute("SELECT * FROM earnings WHERE coldkey=? ORDER BY netuid, hotkey, block",
                                          (coldkey,))]
    conn.close()
    return rows


def _expected_share(s: Synced, coldkey: bytes, hotkey: bytes, netuid: int, block: int) -> tuple[Fraction, int]:
    """Dividends x (1 - take) x share, from the chain's storage: (exact value, chain-recorded rest)."""
    chain = s.net.chain
    parent, at = chain.block_hash(block - 1), chain.block_hash(block)
    total_before = int(chain.read(S, "TotalHotkeyAlpha", hotkey, netuid, at=parent))
    total_after = int(chain.read(S, "TotalHotkeyAlpha", hotkey, netuid, at=at))
    uid = int(chain.read(S, "Uids", netuid, hotkey, at=at))
    assert chain.read(S, "Incentive", netuid, at=at)[uid] == 0, "demo validators earn no miner incentive"
    dividends = total_after - total_before - _staked_in(s, hotkey, netuid, block)  # credited by the epoch
    take = Fraction(int(chain.read(S, "Delegates", hotkey, at=parent)), 65_535)
    take_alpha = dividends * take
    position = s.chain_rpc.stakes(coldkey, parent)[(hotkey, netuid)]
    exact = (dividends - take_alpha) * Fraction(position, total_before + take_alpha)
    return exact, int(chain.read(S, "AlphaDividendsPerSubnet", netuid, hotkey, at=at))


def _staked_in(s: Synced, hotkey: bytes, netuid: int, block: int) -> int:
    """Alpha added to (hotkey, netuid) by the block's StakeAdded events (coldkey, hotkey, tao, alpha, netuid, fee)."""
    events = s.net.chain.read("System", "Events", at=s.net.chain.block_hash(block))
    return sum(int(e["attributes"][3]) for e in events if e["event_id"] == "StakeAdded"
               and bytes.fromhex(e["attributes"][1][2:]) == hotkey and int(e["attributes"][4]) == netuid)


@pytest.mark.parametrize("index", [0, 1])
def test_nominator_earns_delegation_share_after_take(synced: Synced, index: int) -> None:
    s, ck = synced, synced.sc.nominator_key(index)
    spec = s.sc.nominators[index]
    rows = _rows(s.db, ck)
    positions = {(bytes(r["hotkey"]), r["netuid"]) for r in rows}
    want = {(s.sc.key(st.netuid, "validator-hotkey", st.validator), st.netuid) for st in spec.stakes}
    assert positions == want
    conn = sqlite3.connect(s.db)
    takes = set()
    for hk, netuid in positions:
        mine = [r for r in rows if bytes(r["hotkey"]) == hk and r["netuid"] == netuid]
        epochs = [b for (b,) in conn.execute("SELECT block FROM epochs WHERE netuid=? ORDER BY block", (netuid,))]
        assert [r["block"] for r in mine] == epochs and len(epochs) >= 4
        genesis_alpha = next(st.alpha for st in spec.stakes if st.netuid == netuid) * TAO
        assert mine[0]["alpha_before"] == genesis_alpha  # nothing moves this position between epochs
        paid = 0
        for prev, r in zip([None, *mine], mine, strict=False):
            block = r["block"]
            on_chain = s.chain_rpc.stakes(ck, s.net.chain.block_hash(block))[(hk, netuid)]
            before = s.chain_rpc.stakes(ck, s.net.chain.block_hash(block - 1))[(hk, netuid)]
            assert (r["alpha_before"], r["alpha_after"]) == (before, on_chain)
            if prev is not None:  # per-epoch earnings = change of the stake on chain between epochs
                assert r["earned_alpha"] == on_chain - prev["alpha_after"]
            assert r["incentive"] == r["dividends"] == 0 and r["delegation"] == r["earned_alpha"]
            exact, rest = _expected_share(s, ck, hk, netuid, block)
            assert abs(r["delegation"] - exact) <= 2, (block, r["delegation"], float(exact))
            take = int(s.net.chain.read(S, "Delegates", hk))
            takes.add(take)
            if rest:
                paid += 1
                assert 0 < take <= 11_796
                no_take = exact / (1 - Fraction(take, 65_535))  # what a take-free coinbase would pay
                assert r["delegation"] < no_take * Fraction(99, 100)
            assert r["price_rao"] > 0 and r["earned_tao"] == r["earned_alpha"] * r["price_rao"] // TAO
        assert paid >= 3
    assert len(takes) == (2 if index == 1 else 1)  # nominator 1 also sits on Vision (9% take)
    conn.close()


def test_stake_added_in_an_epoch_block_is_not_earnings(synced: Synced) -> None:
    s = synced
    ck, spec = s.sc.nominator_key(2), s.sc.nominators[2]
    hk, netuid = s.sc.key(spec.stakes[0].netuid, "validator-hotkey", spec.stakes[0].validator), spec.stakes[0].netuid
    rows = {r["block"]: r for r in _rows(s.db, ck)}
    move_block = spec.add_stake_every + spec.add_stake_offset
    assert move_block in rows, "the demo's add_stake falls on an epoch block of its subnet"
    r = rows[move_block]
    chain_after = s.chain_rpc.stakes(ck, s.net.chain.block_hash(move_block))[(hk, netuid)]
    before = s.chain_rpc.stakes(ck, s.net.chain.block_hash(move_block - 1))[(hk, netuid)]
    exact, _ = _expected_share(s, ck, hk, netuid, move_block)
    assert r["alpha_after"] == chain_after and abs(r["delegation"] - exact) <= 2
    assert r["earned_alpha"] == r["delegation"]
    moved = r["alpha_before"] - before  # 10 TAO bought ~320 alpha: a stake move, not earnings
    assert moved > 100 * TAO and abs(moved - _staked_in(s, hk, netuid, move_block)) <= 2
    later = [b for b in sorted(rows) if b > move_block]
    assert later and rows[later[0]]["alpha_before"] == chain_after


def test_cli_earnings_json_reports_the_nominator(synced: Synced) -> None:
    s, ck = synced, synced.sc.nominator_key(1)
    rows = _rows(s.db, ck)
    res = CliRunner().invoke(cli, ["node", "--url", s.net.url, "--db", str(s.db), "earnings",
                                   encode_address(ck), "--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    got = sorted(report["rows"], key=lambda x: (x["netuid"], x["hotkey"], x["block"]))
    want = sorted(rows, key=lambda x: (x["netuid"], encode_address(bytes(x["hotkey"])), x["block"]))
    assert len(got) == len(want)
    for j, db_row in zip(got, want, strict=True):
        assert j["hotkey"] == encode_address(bytes(db_row["hotkey"])) and j["block"] == db_row["block"]
        assert Decimal(j["delegation"]) == Decimal(db_row["delegation"]) / TAO == Decimal(j["earned_alpha"])
        assert Decimal(j["incentive"]) == Decimal(j["dividends"]) == 0
    assert sum(Decimal(j["delegation"]) for j in got) > 0
    assert all(Decimal(x["earned_tao"]) > 0 for x in report["returns"])
    projected = {(p["netuid"], p["hotkey"]) for p in report["projections"]}
    assert projected == {(r["netuid"], encode_address(bytes(r["hotkey"]))) for r in rows}
    assert all(Decimal(p["expected_alpha"]) > 0 for p in report["projections"])


def test_projection_of_a_nominator_position_is_next_epochs_share(synced: Synced) -> None:
    """Projected from one epoch's snapshot, the delegation share of the next epoch is within 1%
    once dividends flow (the next epoch's bonds and weights differ a little)."""
    s, ck = synced, synced.sc.nominator_key(0)
    conn = sqlite3.connect(s.db)
    for st in s.sc.nominators[0].stakes:
        hk = s.sc.key(st.netuid, "validator-hotkey", st.validator)
        rows = [r for r in _rows(s.db, ck) if bytes(r["hotkey"]) == hk and r["netuid"] == st.netuid]
        paying = [(a, b) for a, b in pairwise(rows) if a["earned_alpha"] > 0]
        assert len(paying) >= 2
        for a, b in paying[1:]:
            blob = conn.execute("SELECT snapshot FROM epochs WHERE netuid=? AND block=?",
                                (st.netuid, a["block"])).fetchone()[0]
            p = project_position(EpochSnapshot.from_blob(blob), ck, hk, a["alpha_after"])
            assert abs(p.expected_alpha - b["delegation"]) <= b["delegation"] // 100, (a["block"], p, b)
    conn.close()


def test_realized_return_weights_positions_by_stake_and_time(tmp_path: Path) -> None:
    """Two positions on subnets whose epochs are staggered: 1 TAO per epoch on 1,000 TAO (360 TAO
    per 1,000 per day at 20-block epochs) and 2 TAO per epoch on 3,000 TAO (240): together 270."""
    db = open_db(tmp_path / "light.sqlite")
    ck = b"\x01" * 32
    rows = []
    for hk, netuid, first, value_tao, per_epoch in ((b"\x0a" * 32, 1, 20, 1_000, 1), (b"\x0b" * 32, 2, 25, 3_000, 2)):
        for i in range(4):
            rows.append({"coldkey": ck, "hotkey": hk, "netuid": netuid, "block": first + 20 * i,
                         "alpha_before": 0, "alpha_after": 2 * value_tao * TAO, "earned_alpha": 0, "incentive": 0,
                         "dividends": 0, "delegation": 0, "price_rao": TAO // 2,
                         "earned_tao": per_epoch * TAO if i else 0})
    db["earnings"].insert_all(rows)  # type: ignore[union-attr]
    got = realized_returns(db.conn, ck, 100)
    assert [r.window for r in got] == ["1d", "7d", "30d"]
    for r in got:
        assert r.earned_tao == 9 * TAO and r.avg_stake_tao == 4_000 * TAO and r.covered_blocks == 60
        assert r.per_1000_tao_per_day == 270 * TAO
    assert realized_returns(db.conn, b"\x02" * 32, 100)[0].per_1000_tao_per_day is None


@given(dividends=hs.integers(0, 10**16), take=hs.integers(0, 11_796))
def test_take_recovered_from_the_rest_as_the_coinbase_splits_it(dividends: int, take: int) -> None:
    """The coinbase's U96F32 split (take first, the rest recorded): the take is recovered within 2 rao."""
    amount = u96f32(dividends)
    take_f = mul32(div32(u96f32(take), u96f32(65_535)), amount)
    rest, staked = to_u64_32(amount - take_f), to_u64_32(take_f)
    assert abs(take_of_rest(rest, take) - staked) <= 2


def test_scenario_rejects_bad_nominators() -> None:
    base = {"subnets": [{"name": "A", "validators": 2, "miners": 2}]}
    with pytest.raises(ValueError, match="nominator #1: unknown keys"):
        load_scenario({**base, "nominators": [{"bogus": 1}]})
    with pytest.raises(ValueError, match="subnet 1 has no validator #2"):
        load_scenario({**base, "nominators": [{"stakes": [{"netuid": 1, "validator": 2, "alpha": 5}]}]})
    with pytest.raises(ValueError, match="netuid 3 is not a scenario subnet"):
        load_scenario({**base, "nominators": [{"stakes": [{"netuid": 3, "validator": 0, "alpha": 5}]}]})
    with pytest.raises(ValueError, match="validator_take must be"):
        load_scenario({"subnets": [{"name": "A", "validator_take": 20_000}]})
