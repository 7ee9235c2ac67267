"""The real btcli (bittensor-cli from PyPI, in its own venv) against the demo localnet.

btcli is installed once into /tmp/tao-wallet-btcli-venv-<version> (outside the repo, shared by runs);
if pip cannot install it the tests skip with pip's own error. Wallets are created by btcli itself
(unencrypted) in a temp dir; HOME points at a temp dir so btcli's config/debug log stay out of ~.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from node.localnet.rpc.embedded import LocalnetHandle, start_localnet
from node.localnet.rpc.server import ServerConfig
from node.localnet.subtensor.scenario import DEMO_SCENARIO, load_scenario

pytestmark = pytest.mark.slow

BTCLI_VERSION = "9.23.2"
VENV = Path(f"/tmp/tao-wallet-btcli-venv-{BTCLI_VERSION}")
RAO = 10**9


def _install_btcli() -> Path:
    """The btcli executable, installing it on first use; skips with pip's error when it cannot."""
    btcli = VENV / "bin" / "btcli"
    if btcli.exists():
        return btcli
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, capture_output=True)
    result = subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", f"bittensor-cli=={BTCLI_VERSION}"],
                            capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
        pytest.skip(f"pip install bittensor-cli=={BTCLI_VERSION} failed: {' | '.join(errors) or result.stderr[-500:]}")
    return btcli


@pytest.fixture(scope="module")
def btcli() -> Path:
    return _install_btcli()


@pytest.fixture(scope="module")
def demo_net() -> Iterator[LocalnetHandle]:
    handle = start_localnet(None, config=ServerConfig(port=0))  # the default: the demo network
    yield handle
    handle.stop()


class Btcli:
    """Runs btcli with an isolated HOME and wallet path against one localnet."""

    def __init__(self, exe: Path, home: Path, url: str) -> None:
        self.exe, self.home, self.url = exe, home, url
        self.wallets = home / "wallets"

    def run(self, *args: str, wallet: bool = True, columns: int = 250) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.exe), *args, "--network", self.url]
        if wallet:
            cmd += ["--wallet-path", str(self.wallets), "--wallet-name", "w1", "--wallet-hotkey", "h1"]
        env = {**os.environ, "HOME": str(self.home), "COLUMNS": str(columns), "NO_COLOR": "1"}
        return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)

    def json(self, *args: str, wallet: bool = True) -> object:
        result = self.run(*args, "--json-output", wallet=wallet, columns=100_000)  # rich wraps JSON lines too
        assert result.returncode == 0 and result.stdout.strip(), (result.stdout, result.stderr)
        return json.loads(result.stdout)


@pytest.fixture(scope="module")
def cli(btcli: Path, demo_net: LocalnetHandle, tmp_path_factory: pytest.TempPathFactory) -> Btcli:
    home = tmp_path_factory.mktemp("btcli-home")
    runner = Btcli(btcli, home, demo_net.url)
    created = subprocess.run(
        [str(btcli), "wallet", "create", "--wallet-path", str(runner.wallets), "--wallet-name", "w1",
         "--wallet-hotkey", "h1", "--no-use-password", "--n-words", "12"],
        capture_output=True, text=True, env={**os.environ, "HOME": str(home)}, timeout=120)
    assert created.returncode == 0, created.stderr
    return runner


def coldkey(cli: Btcli) -> str:
    return str(json.loads((cli.wallets / "w1" / "coldkeypub.txt").read_text())["ss58Address"])


def validator(netuid: int) -> str:
    from scalecodec.utils.ss58 import ss58_encode

    return str(ss58_encode(load_scenario(DEMO_SCENARIO).key(netuid, "validator-hotkey", 0), 42))


def fund(handle: LocalnetHandle, ss58: str, tao: int) -> None:
    from substrateinterface import SubstrateInterface

    substrate = SubstrateInterface(url=handle.url)
    try:
        substrate.rpc_request("dev_fund", [ss58, str(tao * RAO)])
    finally:
        substrate.close()


def test_btcli_wallet_balance(cli: Btcli, demo_net: LocalnetHandle) -> None:
    fund(demo_net, coldkey(cli), 1000)
    answer = cli.json("wallet", "balance")
    assert isinstance(answer, dict)
    assert answer["balances"]["w1"]["coldkey"] == coldkey(cli)
    assert answer["balances"]["w1"]["free"] >= 1000.0


def test_btcli_subnets_list(cli: Btcli, demo_net: LocalnetHandle) -> None:
    answer = cli.json("subnets", "list", wallet=False)
    assert isinstance(answer, dict)
    sc = load_scenario(DEMO_SCENARIO)
    subnets = answer["subnets"]
    assert sorted(int(k) for k in subnets) == list(range(len(sc.subnets) + 1))
    for netuid, spec in enumerate(sc.subnets, start=1):
        row = subnets[str(netuid)]
        assert row["subnet_name"] == spec.name
        assert row["tempo"]["sn_tempo"] == sc.tempo
        assert row["liquidity"]["tao_in"] >= spec.pool_tao  # emission only adds TAO to the pool
        assert 0 < row["price"] < 1
    # btcli's Emission is SubnetTaoInEmission: 0 while root holds no TAO (every subnet's TAO emission then
    # buys alpha, SubnetExcessTao), as on chain; see docs/localnet-rules.md
    from substrateinterface import SubstrateInterface

    substrate = SubstrateInterface(url=demo_net.url)
    try:
        root_tao = substrate.query("SubtensorModule", "SubnetTAO", [0]).value
        excess = [substrate.query("SubtensorModule", "SubnetExcessTao", [n]).value for n in range(1, len(sc.subnets) + 1)]
    finally:
        substrate.close()
    emissions = [subnets[str(n)]["emission"] for n in range(1, len(sc.subnets) + 1)]
    if root_tao == 0:
        assert emissions == [0] * len(sc.subnets) and all(e > 0 for e in excess), (emissions, excess)
    else:
        assert all(e > 0 for e in emissions), emissions


def test_btcli_subnets_show(cli: Btcli, demo_net: LocalnetHandle) -> None:
    """`subnets show` reads SubtensorModule.RootClaimType: served by the localnet's spec 461 + RootClaimType."""
    result = cli.run("subnets", "show", "--netuid", "1", "--no-prompt", wallet=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "Subnet 1: Apex" in result.stdout and "not found" not in output, output
    answer = cli.json("subnets", "show", "--netuid", "1", "--no-prompt", wallet=False)
    assert isinstance(answer, dict) and answer["netuid"] == 1 and answer["name"].endswith("Apex")
    from substrateinterface import SubstrateInterface

    substrate = SubstrateInterface(url=demo_net.url)
    try:
        keys = {int(k.value): v.value for k, v in substrate.query_map("SubtensorModule", "Keys", [1])}
        root_claim_types = substrate.query_map("SubtensorModule", "RootClaimType").records
    finally:
        substrate.close()
    assert {row["uid"]: row["hotkey"] for row in answer["uids"]} == keys
    assert root_claim_types == []  # nobody set one: every coldkey reads the chain default, Swap
    # btcli shows a claim type only for hotkeys with root (TAO) stake; the demo's root holds none
    assert all(row["claim_type"] in (None, "Swap") for row in answer["uids"])


def test_btcli_stake_add_list_remove(cli: Btcli, demo_net: LocalnetHandle) -> None:
    hotkey = validator(1)
    fund(demo_net, coldkey(cli), 100)
    flags = ("--no-prompt", "--no-mev-protection", "--unsafe", "--include-hotkeys", hotkey, "--netuid", "1")
    added = cli.run("stake", "add", "--amount", "10", *flags)
    assert added.returncode == 0 and "Stake added to netuid: 1" in added.stdout, (added.stdout, added.stderr)
    listed = cli.json("stake", "list", "--no-prompt")
    assert isinstance(listed, dict)
    text = json.dumps(listed)
    assert hotkey in text, text[:2000]
    stake = _stake_alpha(demo_net, hotkey, coldkey(cli), 1)
    assert stake > 100 * RAO  # 10 TAO at ~0.05 TAO/alpha buys ~200 alpha
    removed = cli.run("stake", "remove", "--amount", "50", *flags)
    assert removed.returncode == 0 and "Unstaking operations completed" in removed.stdout, removed.stdout
    after = _stake_alpha(demo_net, hotkey, coldkey(cli), 1)
    assert stake - after >= 50 * RAO - RAO // 1000  # share rounding may shave a few rao


def test_btcli_stake_add_remove_with_mev_protection(cli: Btcli, demo_net: LocalnetHandle) -> None:
    """btcli's default: the staking extrinsic is encrypted for MevShield.NextKey and unshielded by the author."""
    hotkey = validator(2)
    fund(demo_net, coldkey(cli), 100)
    flags = ("--no-prompt", "--unsafe", "--include-hotkeys", hotkey, "--netuid", "2")
    before = _stake_alpha(demo_net, hotkey, coldkey(cli), 2)
    added = cli.run("stake", "add", "--amount", "10", *flags)
    assert added.returncode == 0 and "Stake added to netuid: 2" in added.stdout, (added.stdout, added.stderr)
    assert "MEV" not in added.stderr, added.stderr
    stake = _stake_alpha(demo_net, hotkey, coldkey(cli), 2)
    assert stake - before > 10 * RAO
    _assert_last_stake_was_shielded(demo_net, coldkey(cli), "add_stake")
    removed = cli.run("stake", "remove", "--amount", "5", *flags)
    assert removed.returncode == 0 and "Unstaking operations completed" in removed.stdout, (removed.stdout,
                                                                                             removed.stderr)
    after = _stake_alpha(demo_net, hotkey, coldkey(cli), 2)
    assert stake - after >= 5 * RAO - RAO // 1000
    _assert_last_stake_was_shielded(demo_net, coldkey(cli), "remove_stake")


def _assert_last_stake_was_shielded(handle: LocalnetHandle, ck: str, call: str) -> None:
    """The newest block with `call` signed by `ck` has a MevShield.submit_encrypted of `ck` right before it."""
    from substrateinterface import SubstrateInterface

    substrate = SubstrateInterface(url=handle.url)
    try:
        block_hash = substrate.get_chain_head()
        for _ in range(20):
            block = substrate.get_block(block_hash)
            xts = [x.value for x in block["extrinsics"]]
            for i, xt in enumerate(xts):
                if xt.get("address") == ck and xt["call"]["call_function"].startswith(call):
                    assert i > 0 and xts[i - 1]["call"]["call_function"] == "submit_encrypted", xts[i - 1]
                    assert xts[i - 1]["address"] == ck
                    return
            block_hash = block["header"]["parentHash"]
    finally:
        substrate.close()
    raise AssertionError(f"no {call} by {ck} in the last 20 blocks")


def test_btcli_subnets_register(cli: Btcli, demo_net: LocalnetHandle) -> None:
    fund(demo_net, coldkey(cli), 100)
    result = cli.run("subnets", "register", "--netuid", "2", "--no-prompt")
    assert result.returncode == 0 and "Registered on netuid 2 with UID" in result.stdout, result.stdout
    hotkey = json.loads((cli.wallets / "w1" / "hotkeys" / "h1").read_text())["ss58Address"]
    from substrateinterface import SubstrateInterface

    substrate = SubstrateInterface(url=demo_net.url)
    try:
        uid = substrate.query("SubtensorModule", "Uids", [2, hotkey]).value
        assert uid is not None
        assert substrate.query("SubtensorModule", "Keys", [2, uid]).value == hotkey
    finally:
        substrate.close()


def _stake_alpha(handle: LocalnetHandle, hotkey: str, ck: str, netuid: int) -> int:
    """Alpha of (hotkey, coldkey, netuid) from the StakeInfo runtime API, as the SDK decodes it."""
    from substrateinterface import SubstrateInterface

    substrate = SubstrateInterface(url=handle.url)
    try:
        from scalecodec.utils.ss58 import ss58_decode

        data = "0x" + ss58_decode(hotkey) + ss58_decode(ck) + netuid.to_bytes(2, "little").hex()
        raw = substrate.rpc_request("state_call", ["StakeInfoRuntimeApi_get_stake_info_for_hotkey_coldkey_netuid",
                                                   data])["result"]
    finally:
        substrate.close()
    import bt_decode  # decoded as async-substrate-interface does: type id from V15, registry from V15

    from node.localnet.subtensor.api_codec import V15_PATH

    md15 = bt_decode.MetadataV15.decode_from_metadata_option(bytes.fromhex(V15_PATH.read_text().strip()[2:]))
    registry = bt_decode.PortableRegistry.from_metadata_v15(md15)
    api = next(a for a in md15.value()["apis"] if a["name"] == "StakeInfoRuntimeApi")
    method = next(m for m in api["methods"] if m["name"] == "get_stake_info_for_hotkey_coldkey_netuid")
    info = bt_decode.decode(f"scale_info::{method['output']}", registry, bytes.fromhex(raw[2:]))
    assert info is not None
    stake = info["stake"]
    while isinstance(stake, tuple):  # AlphaBalance(u64) newtype
        (stake,) = stake
    return int(stake)
