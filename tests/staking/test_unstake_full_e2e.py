"""remove_stake_full_limit and unstake_all_alpha end to end: services and CLI on the real localnet."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from tao_wallet.services.chain import ChainService, decode_address
from tao_wallet.services.errors import WalletError
from tao_wallet.services.staking import StakingService
from tao_wallet.services.tx import TxRunner
from tests.money.cli_helpers import make_wallet, run
from tests.staking.conftest import TAO, Account, fund, new_account, validator

DUST = 2
"""rao of alpha the chain's share rounding may leave behind after removing a whole position."""


def alpha_of(service: StakingService, acc: Account, hotkey: str, netuid: int) -> int:
    return service.stake_alpha(acc.public_key, decode_address(hotkey), netuid)


def stake(service: StakingService, acc: Account, hotkey: str, netuid: int, tao: str) -> None:
    prepared = service.prepare_stake(acc.address, hotkey, netuid, tao, tolerance_pct=Decimal(10))
    assert service.send(prepared, acc.signer, wait_for="in_block").success is True


def test_unstake_full_with_limit_sells_the_whole_position(chain: ChainService, runner: TxRunner,
                                                          funded: Account) -> None:
    service = StakingService(chain, runner)
    hk = validator(1, 1)
    with pytest.raises(WalletError) as err:
        service.prepare_unstake_full(funded.address, hk, 1)
    assert err.value.code == "no_stake"
    stake(service, funded, hk, 1, "3")
    held = alpha_of(service, funded, hk, 1)
    prepared = service.prepare_unstake_full(funded.address, hk, 1, tolerance_pct=Decimal(5))
    quote = prepared.preview.quote
    assert quote is not None and quote.direction == "unstake" and quote.amount_in * TAO == held
    assert quote.limit_price is not None and quote.limit_price < quote.spot_price
    assert "remove_stake_full_limit" in prepared.preview.call and "limit_price=None" not in prepared.preview.call
    assert ("Amount", "everything held when it executes") in prepared.preview.details
    before = chain.account(funded.public_key).free
    view = service.send(prepared, funded.signer, wait_for="in_block")
    assert view.success is True, view
    assert ("SubtensorModule", "StakeRemoved") in [(e.pallet, e.name) for e in view.events]
    assert alpha_of(service, funded, hk, 1) <= DUST  # the whole position
    received = chain.account(funded.public_key).free - before + int((view.fee or 0) * TAO)
    expected = int(quote.expected_out * TAO)
    assert abs(received - expected) <= expected // 100


def test_unstake_full_market_order_has_no_limit(chain: ChainService, runner: TxRunner, funded: Account) -> None:
    service = StakingService(chain, runner)
    hk = validator(2, 1)
    stake(service, funded, hk, 2, "2")
    prepared = service.prepare_unstake_full(funded.address, hk, 2, tolerance_pct=None)
    assert "limit_price=None" in prepared.preview.call
    assert any("no limit price" in w for w in prepared.preview.warnings)
    assert service.send(prepared, funded.signer, wait_for="in_block").success is True
    assert alpha_of(service, funded, hk, 2) <= DUST


def test_unstake_all_alpha_restakes_every_subnet_on_root(chain: ChainService, runner: TxRunner,
                                                         funded: Account) -> None:
    service = StakingService(chain, runner)
    hk = validator(1, 2)
    with pytest.raises(WalletError) as err:
        service.prepare_unstake_all_alpha(funded.address, hk)
    assert err.value.code == "no_stake"
    stake(service, funded, hk, 1, "4")
    stake(service, funded, hk, 2, "3")
    root_before = alpha_of(service, funded, hk, 0)
    prepared = service.prepare_unstake_all_alpha(funded.address, hk)
    labels = [label for label, _ in prepared.preview.details]
    assert "Subnet 1" in labels and "Subnet 2" in labels and "Subnet 0" not in labels
    assert "unstake_all_alpha" in prepared.preview.call
    expected = int(Decimal(dict(prepared.preview.details)["Expected TAO"].split()[0]) * TAO)
    before = chain.account(funded.public_key).free
    view = service.send(prepared, funded.signer, wait_for="in_block")
    assert view.success is True, view
    assert alpha_of(service, funded, hk, 1) <= DUST and alpha_of(service, funded, hk, 2) <= DUST
    gained = alpha_of(service, funded, hk, 0) - root_before
    assert abs(gained - expected) <= expected // 100  # root is 1:1: the TAO the pools paid
    assert before - chain.account(funded.public_key).free == int((view.fee or 0) * TAO)  # only the fee left


@pytest.fixture
def wallet(session_chain: ChainService) -> Account:
    """Wallet "fuller": a fresh unencrypted coldkey with 100 TAO."""
    acc = new_account()
    make_wallet("fuller", acc.keypair, Path(os.environ["TAO_WALLET_PATH"]))
    fund(session_chain, acc.address, 100)
    return acc


def test_cli_remove_full_and_unstake_all_alpha(wallet: Account, url: str, chain: ChainService) -> None:
    service = StakingService(chain)
    hk = validator(2)
    for netuid in (1, 2):
        assert run("stake", "add", "-w", "fuller", "--hotkey", hk, "--netuid", str(netuid), "--amount", "3",
                   "--tolerance", "10", "--no-prompt", "--wait-for", "in_block", "--network", url).code == 0
    dry = run("stake", "remove-full", "-w", "fuller", "--hotkey", hk, "--netuid", "1", "--tolerance", "5",
              "--dry-run", "--json", "--network", url)
    assert dry.code == 0, dry.stderr
    preview = dry.json()["preview"]
    assert "remove_stake_full_limit" in preview["call"] and preview["quote"]["limit_price"] is not None
    assert alpha_of(service, wallet, hk, 1) > 0  # dry run: nothing sent
    done = run("stake", "remove-full", "-w", "fuller", "--hotkey", hk, "--netuid", "1", "--tolerance", "5",
               "--no-prompt", "--wait-for", "in_block", "--json", "--network", url)
    assert done.code == 0, done.stderr
    assert done.json()["success"] is True and "Limit price:" in done.stderr
    assert alpha_of(service, wallet, hk, 1) <= DUST
    declined = run("stake", "unstake-all-alpha", "-w", "fuller", "--hotkey", hk, "--network", url, input="n\n")
    assert declined.code == 130 and "Sign and send?" in declined.stderr
    moved = run("stake", "unstake-all-alpha", "-w", "fuller", "--hotkey", hk, "--no-prompt", "--json",
                "--wait-for", "in_block", "--network", url)
    assert moved.code == 0, moved.stderr
    assert moved.json()["success"] is True and "Root stake after:" in moved.stderr
    assert alpha_of(service, wallet, hk, 2) <= DUST and alpha_of(service, wallet, hk, 0) > 0
    nothing = run("stake", "unstake-all-alpha", "-w", "fuller", "--hotkey", hk, "--dry-run", "--json",
                  "--network", url)
    assert nothing.code != 0 and nothing.error()["code"] == "no_stake"
