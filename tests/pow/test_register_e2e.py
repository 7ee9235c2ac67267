"""End to end over a real WebSocket: PoW `register` on the localnet, solved by our multi-process solver.

Covers the success path (uid, events, counters), the chain's rejections by name (InvalidSeal,
InvalidWorkBlock for stale work, InvalidDifficulty after the difficulty rose, TooManyRegistrationsThisBlock,
TransactorAccountShouldBeHotKey) and the service's pre-checks.
"""

from __future__ import annotations

import pytest

from node.pow.seal import create_seal, meets_difficulty
from node.pow.solver import PowSolution
from tao_wallet.services.chain import encode_address
from tao_wallet.services.errors import WalletError
from tao_wallet.services.pow import PowRegisterService
from tests.pow.conftest import PowNet, fresh_keypair, netuid_key, signer_of

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def subnet(pownet: PowNet) -> int:
    netuid, _owner = pownet.new_subnet(difficulty=2_000)
    return netuid


def _service(pownet: PowNet) -> PowRegisterService:
    return PowRegisterService(pownet.chain, pownet.runner, processes=2)


def _funded_hotkey(pownet: PowNet) -> object:
    hotkey = fresh_keypair()
    pownet.fund(hotkey.public_key, 1)  # the hotkey signs and pays the fee
    return hotkey


def test_pow_registration_succeeds_at_low_difficulty(pownet: PowNet, subnet: int) -> None:
    coldkey, hotkey = fresh_keypair(), _funded_hotkey(pownet)
    key = netuid_key(subnet)
    before_n = int(pownet.storage("SubnetworkN", key))
    before_pow = int(pownet.storage("POWRegistrationsThisInterval", key))
    progress: list[object] = []
    result = _service(pownet).register(subnet, signer_of(hotkey), encode_address(coldkey.public_key),
                                       on_progress=progress.append)
    assert result is not None and result.status.success
    sol = result.solution
    block_hash = pownet.chain.client.block_hash(sol.block_number)
    assert block_hash == sol.block_hash
    assert create_seal(block_hash, hotkey.public_key, sol.nonce) == sol.seal
    assert meets_difficulty(sol.seal, 2_000)
    assert result.uid == before_n
    assert int(pownet.storage("SubnetworkN", key)) == before_n + 1
    assert int(pownet.storage("Uids", key, hotkey.public_key)) == result.uid
    assert pownet.storage("Owner", hotkey.public_key) in ("0x" + coldkey.public_key.hex(), encode_address(coldkey.public_key))
    assert int(pownet.storage("POWRegistrationsThisInterval", key)) == before_pow + 1
    assert any(e.name == "NeuronRegistered" for e in result.status.events)
    assert int(pownet.storage("UsedWork", b"\x80" + sol.seal)) == result.status.block_number  # key: SCALE Vec<u8>


def _solve(pownet: PowNet, netuid: int, hotkey: object) -> PowSolution:
    solution = _service(pownet).solve(netuid, hotkey.public_key, timeout=120)
    assert solution is not None
    return solution


def _error(view: object) -> str:
    assert not view.success, view
    return str(view.error).split(":")[0]


def test_wrong_seal_is_rejected_with_invalid_seal(pownet: PowNet, subnet: int) -> None:
    coldkey, hotkey = fresh_keypair(), _funded_hotkey(pownet)
    sol = _solve(pownet, subnet, hotkey)
    # zero work meets every difficulty, so the chain gets as far as recomputing the seal
    forged = PowSolution(sol.block_number, sol.block_hash, sol.nonce, bytes(32), sol.difficulty)
    view = _service(pownet).submit(subnet, forged, signer_of(hotkey), coldkey.public_key)
    assert _error(view) == "SubtensorModule.InvalidSeal"
    # a real seal for another nonce is just as wrong
    other = PowSolution(sol.block_number, sol.block_hash, sol.nonce + 1, sol.seal, sol.difficulty)
    view = _service(pownet).submit(subnet, other, signer_of(hotkey), coldkey.public_key)
    assert _error(view) in ("SubtensorModule.InvalidSeal", "SubtensorModule.InvalidWorkBlock")
    assert pownet.storage("Uids", netuid_key(subnet), hotkey.public_key) is None


def test_stale_work_is_rejected_with_invalid_work_block(pownet: PowNet, subnet: int) -> None:
    coldkey, hotkey = fresh_keypair(), _funded_hotkey(pownet)
    sol = _solve(pownet, subnet, hotkey)
    pownet.handle.chain.produce_blocks(3)  # the chain now builds block >= sol.block_number + 4
    view = _service(pownet).submit(subnet, sol, signer_of(hotkey), coldkey.public_key)
    assert _error(view) == "SubtensorModule.InvalidWorkBlock"


def test_work_below_a_raised_difficulty_is_rejected(pownet: PowNet) -> None:
    netuid, owner = pownet.new_subnet(difficulty=50)
    coldkey, hotkey = fresh_keypair(), _funded_hotkey(pownet)
    sol = _solve(pownet, netuid, hotkey)
    harder = 1 << 60
    assert not meets_difficulty(sol.seal, harder)
    pownet.set_hyper(owner, "sudo_set_difficulty", netuid, difficulty=harder)
    view = _service(pownet).submit(netuid, sol, signer_of(hotkey), coldkey.public_key)
    assert _error(view) == "SubtensorModule.InvalidDifficulty"


def test_too_many_registrations_and_wrong_signer(pownet: PowNet) -> None:
    netuid, owner = pownet.new_subnet(difficulty=50)
    coldkey, hotkey = fresh_keypair(), _funded_hotkey(pownet)
    pownet.set_hyper(owner, "sudo_set_max_registrations_per_block", netuid, max_registrations_per_block=0)
    sol = _solve(pownet, netuid, hotkey)
    view = _service(pownet).submit(netuid, sol, signer_of(hotkey), coldkey.public_key)
    assert _error(view) == "SubtensorModule.TooManyRegistrationsThisBlock"
    pownet.set_hyper(owner, "sudo_set_max_registrations_per_block", netuid, max_registrations_per_block=1)
    # signed by the coldkey instead of the hotkey being registered
    pownet.fund(coldkey.public_key, 1)
    runtime = pownet.chain.client.runtime()
    call = runtime.compose_call("SubtensorModule", "register", {
        "netuid": netuid, "block_number": sol.block_number, "nonce": sol.nonce, "work": "0x" + sol.seal.hex(),
        "hotkey": "0x" + hotkey.public_key.hex(), "coldkey": "0x" + coldkey.public_key.hex()})
    view = pownet.runner.sign_and_submit(call, signer_of(coldkey), wait_for="in_block")
    assert _error(view) == "SubtensorModule.TransactorAccountShouldBeHotKey"


def test_check_reports_problems_before_solving(pownet: PowNet, subnet: int) -> None:
    service = _service(pownet)
    coldkey, broke_hotkey = fresh_keypair(), fresh_keypair()
    found = service.check(subnet, encode_address(broke_hotkey.public_key), encode_address(coldkey.public_key))
    assert found.difficulty == 2_000
    assert any("pays the fee" in p for p in found.problems)
    missing = service.check(999, encode_address(broke_hotkey.public_key), encode_address(coldkey.public_key))
    assert any("does not exist" in p for p in missing.problems)
    with pytest.raises(WalletError) as exc:
        service.register(subnet, signer_of(broke_hotkey), encode_address(coldkey.public_key))
    assert exc.value.code == "pow_not_possible"


def test_cli_pow_register_json(pownet: PowNet, subnet: int) -> None:
    import json
    import os
    from pathlib import Path

    from click.testing import CliRunner

    from tao_wallet.cli import cli
    from tao_wallet.services.chain import decode_address
    from tao_wallet.services.wallets import WalletService

    wallets = WalletService(Path(os.environ["TAO_WALLET_PATH"]))
    wallets.import_seed("miner", "0x" + os.urandom(32).hex(), None)
    hotkey = wallets.create_hotkey("miner", "hk1", password=None)
    env = {"TAO_WALLET_NO_EMBEDDED": "1"}
    args = ["subnets", "pow-register", "--netuid", str(subnet), "--wallet-name", "miner", "--hotkey", "hk1",
            "--network", pownet.url, "--processes", "2", "--json"]
    broke = CliRunner().invoke(cli, args, env=env)
    assert broke.exit_code != 0 and "pays the fee" in str(broke.exception or broke.output)
    pownet.fund(decode_address(hotkey.address), 1)
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["hotkey"] == hotkey.address and doc["status"]["success"] is True
    assert int(pownet.storage("Uids", netuid_key(subnet), decode_address(hotkey.address))) == doc["uid"]
    assert "H/s" in result.stderr and "difficulty 2,000" in result.stderr


def test_difficulty_adjusts_every_interval(pownet: PowNet) -> None:
    """No registrations in an interval (case E) halves the difficulty (target 2: d*(0+2)/(2+2)), down to
    MinDifficulty; one PoW registration (case C, fewer than target, mostly PoW) leaves it unchanged."""
    netuid, owner = pownet.new_subnet(difficulty=4_000)
    key = netuid_key(netuid)
    pownet.set_hyper(owner, "sudo_set_min_difficulty", netuid, min_difficulty=900)
    pownet.set_hyper(owner, "sudo_set_adjustment_interval", netuid, adjustment_interval=4)
    start = int(pownet.storage("LastAdjustmentBlock", key))
    seen = []
    for _ in range(12):
        pownet.handle.chain.produce_blocks(1)
        seen.append(int(pownet.storage("Difficulty", key)))
    assert 2_000 in seen and 1_000 in seen and seen[-1] == 900  # 4000 -> 2000 -> 1000 -> clamped at 900
    assert int(pownet.storage("LastAdjustmentBlock", key)) > start
    pownet.set_hyper(owner, "sudo_set_difficulty", netuid, difficulty=1_000)
    pownet.set_hyper(owner, "sudo_set_adjustment_interval", netuid, adjustment_interval=50)
    coldkey, hotkey = fresh_keypair(), _funded_hotkey(pownet)
    result = _service(pownet).register(netuid, signer_of(hotkey), encode_address(coldkey.public_key))
    assert result is not None and result.status.success
    assert int(pownet.storage("RegistrationsThisInterval", key)) == 1
    pownet.set_hyper(owner, "sudo_set_adjustment_interval", netuid, adjustment_interval=1)
    pownet.handle.chain.produce_blocks(1)
    assert int(pownet.storage("Difficulty", key)) == 1_000  # case C moves only the burn
    assert int(pownet.storage("RegistrationsThisInterval", key)) == 0
    assert int(pownet.storage("POWRegistrationsThisInterval", key)) == 0
