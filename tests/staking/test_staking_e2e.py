"""Staking services end to end: real localnet over WebSocket, real signed extrinsics, chain state checked."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tao_wallet.services.chain import ChainService, decode_address
from tao_wallet.services.errors import WalletError
from tao_wallet.services.portfolio import PortfolioService
from tao_wallet.services.staking import StakingService
from tao_wallet.services.tx import TxRunner
from tests.staking.conftest import TAO, Account, fund, new_account, validator


def alpha_of(service: StakingService, acc: Account, hotkey: str, netuid: int) -> int:
    return service.stake_alpha(acc.public_key, decode_address(hotkey), netuid)


def free(chain: ChainService, acc: Account) -> int:
    return chain.account(acc.public_key).free


def test_stake_with_quote_and_limit(chain: ChainService, runner: TxRunner, funded: Account) -> None:
    service = StakingService(chain, runner)
    hk = validator(1)
    prepared = service.prepare_stake(funded.address, hk, 1, "2", tolerance_pct=Decimal(5))
    quote = prepared.preview.quote
    assert quote is not None and quote.direction == "stake" and quote.amount_in == Decimal(2)
    assert quote.expected_out > 0 and quote.swap_fee > 0 and quote.limit_price is not None
    assert quote.limit_price > quote.spot_price
    assert "add_stake_limit" in prepared.preview.call and "allow_partial=False" in prepared.preview.call
    assert prepared.preview.fee_rao > 0
    before = free(chain, funded)
    view = service.send(prepared, funded.signer, wait_for="in_block")
    assert view.success is True, view
    assert ("SubtensorModule", "StakeAdded") in [(e.pallet, e.name) for e in view.events]
    alpha = alpha_of(service, funded, hk, 1)
    expected = int(quote.expected_out * TAO)
    assert abs(alpha - expected) <= expected // 100  # the pool moved only by our own trade
    assert before - free(chain, funded) == 2 * TAO + int((view.fee or 0) * TAO)


def test_limit_rejected_by_chain_when_price_moves(chain: ChainService, runner: TxRunner, funded: Account) -> None:
    """Quote at 1 % tolerance, a whale moves the price, the chain refuses: only the fee is charged."""
    service = StakingService(chain, runner)
    hk = validator(1, 1)
    prepared = service.prepare_stake(funded.address, hk, 1, "1", tolerance_pct=Decimal(1))
    whale = new_account()
    fund(chain, whale.address, 500)
    whale_tx = service.prepare_stake(whale.address, hk, 1, "300", tolerance_pct=None)
    assert service.send(whale_tx, whale.signer, wait_for="in_block").success is True
    before = free(chain, funded)
    view = service.send(prepared, funded.signer, wait_for="in_block")
    assert view.success is False and view.error is not None
    assert "SlippageTooHigh" in view.error or "PriceLimitExceeded" in view.error
    assert view.hint and "fresh quote" in view.hint
    assert before - free(chain, funded) == int((view.fee or 0) * TAO)  # nothing but the fee
    assert alpha_of(service, funded, hk, 1) == 0


def test_limit_that_cannot_fill_is_refused_before_signing(chain: ChainService, runner: TxRunner,
                                                           funded: Account) -> None:
    service = StakingService(chain, runner)
    nonce = chain.account(funded.public_key).nonce
    with pytest.raises(WalletError) as err:
        service.prepare_stake(funded.address, validator(1), 1, "200", tolerance_pct=Decimal("0.1"))
    assert err.value.code == "limit_cannot_fill" and "--partial" in err.value.message
    assert chain.account(funded.public_key).nonce == nonce


def test_partial_fill_fills_up_to_the_limit(chain: ChainService, runner: TxRunner, funded: Account) -> None:
    service = StakingService(chain, runner)
    hk = validator(1, 2)
    prepared = service.prepare_stake(funded.address, hk, 1, "200", tolerance_pct=Decimal(1), allow_partial=True)
    before = free(chain, funded)
    view = service.send(prepared, funded.signer, wait_for="in_block")
    assert view.success is True, view
    spent = before - free(chain, funded) - int((view.fee or 0) * TAO)
    assert 0 < spent < 200 * TAO  # filled only part of it
    assert alpha_of(service, funded, hk, 1) > 0


def test_unstake_part_then_all_and_unstake_all(chain: ChainService, runner: TxRunner, funded: Account) -> None:
    service = StakingService(chain, runner)
    hk = validator(2)
    for netuid in (1, 2):
        hk_n = validator(netuid)
        assert service.send(service.prepare_stake(funded.address, hk_n, netuid, "5", tolerance_pct=Decimal(10)),
                            funded.signer, wait_for="in_block").success
    held = alpha_of(service, funded, hk, 2)
    part = service.prepare_unstake(funded.address, hk, 2, "1", tolerance_pct=Decimal(10))
    assert part.preview.quote is not None and part.preview.quote.direction == "unstake"
    assert "remove_stake_limit" in part.preview.call
    assert service.send(part, funded.signer, wait_for="in_block").success
    assert held - TAO <= alpha_of(service, funded, hk, 2) <= (held - TAO) * 101 // 100
    rest = service.prepare_unstake(funded.address, hk, 2, None, tolerance_pct=Decimal(10))
    assert service.send(rest, funded.signer, wait_for="in_block").success
    assert alpha_of(service, funded, hk, 2) < held // 100
    # unstake_all on the subnet-1 validator
    everything = service.prepare_unstake_all(funded.address, validator(1))
    assert "unstake_all" in everything.preview.call
    assert service.send(everything, funded.signer, wait_for="in_block").success
    assert alpha_of(service, funded, validator(1), 1) <= 2  # read when it executes; share-rounding dust at most
    with pytest.raises(WalletError) as err:
        service.prepare_unstake_all(funded.address, validator(1))
    assert err.value.code == "no_stake"


def test_move_swap_and_transfer_stake(chain: ChainService, runner: TxRunner, funded: Account) -> None:
    service = StakingService(chain, runner)
    a, b = validator(1), validator(1, 1)
    assert service.send(service.prepare_stake(funded.address, a, 1, "10", tolerance_pct=Decimal(10)),
                        funded.signer, wait_for="in_block").success
    held = alpha_of(service, funded, a, 1)
    half = Decimal(held // 2) / TAO
    move = service.prepare_move(funded.address, a, b, 1, 1, str(half))
    assert "move_stake" in move.preview.call
    assert service.send(move, funded.signer, wait_for="in_block").success
    assert held - held // 2 <= alpha_of(service, funded, a, 1) <= (held - held // 2) * 101 // 100
    moved = alpha_of(service, funded, b, 1)
    assert held // 2 - 2 <= moved <= held // 2 * 101 // 100  # share rounding, or dividends of an epoch since
    # swap what is on b from subnet 1 to subnet 2 (hotkey b must exist; it does)
    swap = service.prepare_swap(funded.address, b, 1, 2, None, tolerance_pct=Decimal(20))
    assert swap.preview.quote is not None and "swap_stake_limit" in swap.preview.call
    assert service.send(swap, funded.signer, wait_for="in_block").success
    # whatever is left is dust plus dividends paid by epochs since the position was read
    assert alpha_of(service, funded, b, 1) < moved // 100 and alpha_of(service, funded, b, 2) > 0
    # transfer the rest on a to another coldkey
    other = new_account()
    remaining = alpha_of(service, funded, a, 1)
    transfer = service.prepare_transfer(funded.address, other.address, a, 1, 1, None)
    assert "transfer_stake" in transfer.preview.call
    assert service.send(transfer, funded.signer, wait_for="in_block").success
    assert alpha_of(service, funded, a, 1) < remaining // 100
    assert alpha_of(service, other, a, 1) >= remaining - 2


def test_portfolio_values_positions(chain: ChainService, runner: TxRunner, funded: Account) -> None:
    service = StakingService(chain, runner)
    for netuid, hk in ((1, validator(1)), (2, validator(2))):
        assert service.send(service.prepare_stake(funded.address, hk, netuid, "3", tolerance_pct=Decimal(10)),
                            funded.signer, wait_for="in_block").success
    watcher = new_account()
    fund(chain, watcher.address, 7)
    view = PortfolioService(chain).load([funded.address], [watcher.address])
    assert view.watch_only == (watcher.address,)
    assert {(p.netuid, p.hotkey) for p in view.positions} == {(1, validator(1)), (2, validator(2))}
    for p in view.positions:
        now = alpha_of(service, funded, p.hotkey, p.netuid)
        assert p.alpha_rao <= now <= p.alpha_rao * 101 // 100  # equal unless an epoch paid dividends since
        assert p.value_after_slippage < p.value_spot  # fees and slippage
        assert p.value_spot == Decimal(p.alpha_rao * int(p.price * TAO) // TAO) / TAO
    assert view.free == Decimal(chain.account(funded.public_key).free + 7 * TAO) / TAO
    assert view.stake_spot == sum(p.value_spot for p in view.positions)


class TestBadInput:
    """Each refusal names the problem and nothing is signed (the nonce does not move)."""

    @pytest.mark.parametrize(("amount", "code", "words"), [
        ("1.0000000001", "invalid_amount", "at most 9"),
        ("-1", "invalid_amount", "positive"),
        ("0", "invalid_amount", "greater than zero"),
        ("5000", "insufficient_balance", "more than the free balance"),
        ("abc", "invalid_amount", "not a number"),
    ])
    def test_amounts(self, chain: ChainService, funded: Account, amount: str, code: str, words: str) -> None:
        nonce = chain.account(funded.public_key).nonce
        with pytest.raises(WalletError) as err:
            StakingService(chain).prepare_stake(funded.address, validator(1), 1, amount, tolerance_pct=None)
        assert err.value.code == code and words in err.value.message
        assert chain.account(funded.public_key).nonce == nonce

    def test_unknown_hotkey(self, chain: ChainService, funded: Account) -> None:
        with pytest.raises(WalletError) as err:
            StakingService(chain).prepare_stake(funded.address, new_account().address, 1, "1")
        assert err.value.code == "unknown_hotkey"

    def test_netuid_that_does_not_exist(self, chain: ChainService, funded: Account) -> None:
        with pytest.raises(WalletError) as err:
            StakingService(chain).prepare_stake(funded.address, validator(1), 77, "1")
        assert err.value.code == "subnet_not_found" and "77" in err.value.message

    def test_unstake_more_than_held(self, chain: ChainService, funded: Account) -> None:
        with pytest.raises(WalletError) as err:
            StakingService(chain).prepare_unstake(funded.address, validator(1), 1, "1")
        assert err.value.code == "no_stake"

    def test_bad_address(self, chain: ChainService, funded: Account) -> None:
        with pytest.raises(WalletError) as err:
            StakingService(chain).prepare_stake(funded.address, "5Fnot-an-address", 1, "1")
        assert err.value.code == "invalid_address"
