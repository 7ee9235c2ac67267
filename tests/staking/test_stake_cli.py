"""`tao-wallet stake|validators|subnets` end to end: the real CLI entry point, real wallets, real localnet."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from tao_wallet.services.chain import ChainService, decode_address
from tao_wallet.services.staking import StakingService
from tests.money.cli_helpers import make_wallet, run
from tests.staking.conftest import TAO, Account, fund, new_account, validator


@pytest.fixture
def wallet(session_chain: ChainService) -> Account:
    """Wallet "staker": a fresh unencrypted coldkey with 100 TAO."""
    acc = new_account()
    make_wallet("staker", acc.keypair, Path(os.environ["TAO_WALLET_PATH"]))
    fund(session_chain, acc.address, 100)
    return acc


def held(chain: ChainService, acc: Account, hotkey: str, netuid: int) -> int:
    return StakingService(chain).stake_alpha(acc.public_key, decode_address(hotkey), netuid)


def test_stake_add_dry_run_then_for_real_then_list(wallet: Account, url: str, chain: ChainService) -> None:
    dry = run("stake", "add", "-w", "staker", "--hotkey", validator(1), "--netuid", "1", "--amount", "2",
              "--tolerance", "5", "--dry-run", "--json", "--network", url)
    assert dry.code == 0, dry.stderr
    preview = dry.json()["preview"]
    assert preview["quote"]["direction"] == "stake" and Decimal(preview["quote"]["expected_out"]) > 0
    assert "add_stake_limit" in preview["call"] and Decimal(preview["fee"]) > 0
    assert chain.account(wallet.public_key).nonce == 0  # dry run: nothing signed
    real = run("stake", "add", "-w", "staker", "--hotkey", validator(1), "--netuid", "1", "--amount", "2",
               "--tolerance", "5", "--no-prompt", "--json", "--network", url)
    assert real.code == 0, real.stderr
    assert real.json()["success"] is True and "Price impact:" in real.stderr and "Limit price:" in real.stderr
    assert held(chain, wallet, validator(1), 1) > 0
    listing = run("stake", "list", "-w", "staker", "--json", "--network", url)
    assert listing.code == 0, listing.stderr
    (position,) = listing.json()["positions"]
    assert position["hotkey"] == validator(1) and position["netuid"] == 1
    assert Decimal(position["value_after_slippage"]) < Decimal(position["value_spot"])


def test_stake_remove_all_and_confirmation(wallet: Account, url: str, chain: ChainService) -> None:
    assert run("stake", "add", "-w", "staker", "--hotkey", validator(2), "--netuid", "2", "--amount", "3",
               "--tolerance", "10", "--no-prompt", "--network", url).code == 0
    declined = run("stake", "remove", "-w", "staker", "--hotkey", validator(2), "--netuid", "2", "--all",
                   "--tolerance", "10", "--network", url, input="n\n")
    assert declined.code == 130 and "Sign and send?" in declined.stderr
    before = held(chain, wallet, validator(2), 2)
    assert before > 0
    done = run("stake", "remove", "-w", "staker", "--hotkey", validator(2), "--netuid", "2", "--all",
               "--tolerance", "10", "--no-prompt", "--json", "--network", url)
    assert done.code == 0, done.stderr
    assert held(chain, wallet, validator(2), 2) < before // 100


def test_move_and_unstake_all(wallet: Account, url: str, chain: ChainService) -> None:
    assert run("stake", "add", "-w", "staker", "--hotkey", validator(1), "--netuid", "1", "--amount", "4",
               "--tolerance", "10", "--no-prompt", "--network", url).code == 0
    moved = run("stake", "move", "-w", "staker", "--origin-hotkey", validator(1), "--dest-hotkey",
                validator(1, 2), "--origin-netuid", "1", "--dest-netuid", "1", "--no-prompt", "--json",
                "--network", url)
    assert moved.code == 0, moved.stderr
    assert held(chain, wallet, validator(1, 2), 1) > 0
    out = run("stake", "unstake-all", "-w", "staker", "--hotkey", validator(1, 2), "--no-prompt", "--json",
              "--network", url)
    assert out.code == 0, out.stderr
    assert held(chain, wallet, validator(1, 2), 1) <= 2  # share-rounding dust at most


@pytest.mark.parametrize(("args", "code"), [
    (["--amount", "1.0000000001"], "invalid_amount"),
    (["--amount", "-2"], "invalid_amount"),
    (["--amount", "0"], "invalid_amount"),
    (["--amount", "100000"], "insufficient_balance"),
    (["--amount", "1", "--netuid", "42"], "subnet_not_found"),
    (["--amount", "1", "--tolerance", "0"], "invalid_tolerance"),
    (["--amount", "90", "--tolerance", "0.01"], "limit_cannot_fill"),
])
def test_bad_input_gives_specific_json_errors(wallet: Account, url: str, chain: ChainService, args: list[str],
                                              code: str) -> None:
    base = ["stake", "add", "-w", "staker", "--hotkey", validator(1), "--no-prompt", "--json", "--network", url]
    if "--netuid" not in args:
        base += ["--netuid", "1"]
    result = run(*base, *args)
    assert result.code == 1
    assert result.error()["code"] == code
    assert chain.account(wallet.public_key).nonce == 0 and chain.account(wallet.public_key).free == 100 * TAO


def test_unknown_hotkey(wallet: Account, url: str) -> None:
    result = run("stake", "add", "-w", "staker", "--hotkey", new_account().address, "--netuid", "1", "--amount",
                 "1", "--no-prompt", "--json", "--network", url)
    assert result.code == 1 and result.error()["code"] == "unknown_hotkey"


def test_browsers_json(url: str) -> None:
    subnets = run("subnets", "list", "--json", "--network", url)
    assert subnets.code == 0, subnets.stderr
    names = {s["name"] for s in subnets.json()}
    assert {"Alpha", "Beta"} <= names
    show = run("subnets", "show", "1", "--json", "--network", url)
    assert show.code == 0 and show.json()["subnet"]["netuid"] == 1 and len(show.json()["neurons"]) >= 7
    validators = run("validators", "list", "--netuid", "1", "--sort", "take", "--json", "--network", url)
    assert validators.code == 0 and validator(1) in {v["hotkey"] for v in validators.json()}
    text = run("validators", "list", "--network", url)
    assert "TAO/day per 1000" in text.stdout
    missing = run("subnets", "show", "55", "--json", "--network", url)
    assert missing.code == 1 and missing.error()["code"] == "subnet_not_found"


def test_register_dry_run_shows_cost_and_risk(wallet: Account, url: str) -> None:
    hk = new_account()
    result = run("subnets", "register", "-w", "staker", "--netuid", "1", "--hotkey", hk.address, "--dry-run",
                 "--network", url)
    assert result.code == 0, result.stderr
    assert "Burn cost:" in result.stderr and "Pruning risk:" in result.stderr and "Dry run" in result.stderr
    create = run("subnets", "create", "-w", "staker", "--hotkey", hk.address, "--dry-run", "--json", "--network", url)
    assert create.code == 1 and create.error()["code"] == "insufficient_balance"  # 100 TAO < lock cost
