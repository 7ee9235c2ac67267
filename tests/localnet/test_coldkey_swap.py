"""Coldkey swaps on a real in-process Chain: announce, wait, swap; dispute, clear, root reset.

Real signed extrinsics (the Client of test_subtensor_chain) on a small scenario chain whose validators
own hotkeys and stake; every expectation follows subtensor's dispatches.rs / swap_coldkey.rs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from substrateinterface import Keypair

from node.light.earnings import share_value
from node.localnet.chain import Chain
from node.localnet.hashing import blake2_256
from node.localnet.subtensor.pallet import installer
from node.localnet.subtensor.scenario import Scenario, SubnetSpec
from tests.localnet.test_subtensor_chain import Client, error_name, fee_paid, kp, names

S = "SubtensorModule"
TAO = 10**9
COST = 100_000_000  # KeySwapCost of the spec-461 metadata (0.1 TAO)
DELAY, REDELAY = 50, 10  # ColdkeySwapAnnouncementDelay / ColdkeySwapReannouncementDelay defaults

SC = Scenario(seed="ckswap", tempo=5, simulate_weights=False, subnets=(
    SubnetSpec(name="One", validators=2, miners=2, pool_tao=1_000, pool_alpha=2_000, validator_stake=500),
    SubnetSpec(name="Two", validators=1, miners=1, pool_tao=500, pool_alpha=500, validator_stake=300),
))


@pytest.fixture
def chain() -> Iterator[Chain]:
    c = Chain(None, installers=[installer(SC)])
    yield c
    c.close()


def key(netuid: int, role: str, i: int) -> Keypair:
    return Keypair.create_from_seed(SC.secret_seed(netuid, role, i).hex(), ss58_format=42)


def h(k: Keypair) -> str:
    return "0x" + blake2_256(k.public_key).hex()


def hx(b: bytes) -> str:
    return "0x" + b.hex()


def sudo(cl: Client, inner: dict[str, Any]) -> list[tuple[str, str, Any]]:
    cl.chain.submit(cl.sign(kp("//Alice"), "Sudo", "sudo", {"call": inner}))
    return cl.events(cl.chain.produce_block(), extrinsic_index=1)


def announce(cl: Client, who: Keypair, new: Keypair) -> list[tuple[str, str, Any]]:
    return cl.call(who, S, "announce_coldkey_swap", new_coldkey_hash=h(new))


def test_announce_stores_delay_and_hash_and_recycles_the_cost_once(chain: Chain) -> None:
    cl = Client(chain)
    old, new = key(1, "validator", 0), kp("//ckswap//new")
    free0 = cl.free(old)
    ev = announce(cl, old, new)
    block = chain.best_number
    assert error_name(chain, ev) is None, ev
    assert ("SubtensorModule", "ColdkeySwapAnnounced", {"who": hx(old.public_key), "new_coldkey_hash": h(new)}) in ev
    assert ("Balances", "Withdraw", {"who": hx(old.public_key), "amount": COST}) in ev
    assert cl.read("ColdkeySwapAnnouncements", old.public_key) == (block + DELAY, h(new))
    assert free0 - cl.free(old) == COST + fee_paid(ev)
    # the recycled cost leaves SubtensorModule.TotalIssuance: compare within the announcing block itself
    parent = chain.block_hash(block - 1)
    ti_parent = chain.read(S, "TotalIssuance", at=parent)
    emitted = chain.read(S, "BlockEmission")
    recycled = ti_parent + emitted - cl.read("TotalIssuance")
    assert COST <= recycled <= COST + 3  # + the coinbase's floor dust (< 1 rao per subnet)
    # re-announcing before when + ColdkeySwapReannouncementDelay fails; afterwards it is free
    other = kp("//ckswap//other")
    ev = announce(cl, old, other)
    assert error_name(chain, ev) == "SubtensorModule.ColdkeySwapReannouncedTooEarly"
    chain.produce_blocks(block + DELAY + REDELAY - chain.best_number - 1)
    free1 = cl.free(old)
    ev = announce(cl, old, other)
    assert error_name(chain, ev) is None, ev
    assert chain.best_number == block + DELAY + REDELAY
    assert free1 - cl.free(old) == fee_paid(ev)  # no second KeySwapCost
    assert cl.read("ColdkeySwapAnnouncements", old.public_key) == (chain.best_number + DELAY, h(other))


def test_announced_coldkey_may_only_make_swap_calls(chain: Chain) -> None:
    cl = Client(chain)
    old, new = key(1, "validator", 1), kp("//ckswap//new1")
    hk = SC.key(1, "validator-hotkey", 1)
    ev = cl.call(old, S, "add_stake", hotkey=hk, netuid=1, amount_staked=TAO)
    assert error_name(chain, ev) is None, ev  # allowed before the announcement
    assert error_name(chain, announce(cl, old, new)) is None
    for call, args in (("add_stake", {"hotkey": hk, "netuid": 1, "amount_staked": TAO}),
                       ("remove_stake", {"hotkey": hk, "netuid": 1, "amount_unstaked": 1_000}),
                       ("increase_take", {"hotkey": hk, "take": 11_000})):
        ev = cl.call(old, S, call, **args)
        assert error_name(chain, ev) == "SubtensorModule.ColdkeySwapAnnounced", (call, ev)
        assert fee_paid(ev) > 0  # included and charged: the guard runs at dispatch, as on chain
    # a batch cannot smuggle a SubtensorModule call past the guard (nested dispatch, same origin)
    inner = {"call_module": S, "call_function": "add_stake",
             "call_args": {"hotkey": hx(hk), "netuid": 1, "amount_staked": TAO}}
    ev = cl.call(old, "Utility", "batch_all", calls=[inner])
    assert error_name(chain, ev) == "SubtensorModule.ColdkeySwapAnnounced", ev
    # other coldkeys are unaffected
    ev = cl.call(kp("//Bob"), S, "add_stake", hotkey=hk, netuid=1, amount_staked=TAO)
    assert error_name(chain, ev) is None, ev


def test_swap_after_the_delay_moves_stake_keys_and_balance(chain: Chain) -> None:
    cl = Client(chain)
    old, new, wrong = key(1, "validator", 0), kp("//ckswap//fresh"), kp("//ckswap//wrong")
    hk = SC.key(1, "validator-hotkey", 0)
    ev = cl.call(old, S, "swap_coldkey_announced", new_coldkey=new.public_key)
    assert error_name(chain, ev) == "SubtensorModule.ColdkeySwapAnnouncementNotFound"
    ev = cl.call(kp("//Bob"), S, "add_stake", hotkey=hk, netuid=1, amount_staked=50 * TAO)  # a nominator
    assert error_name(chain, ev) is None, ev
    assert error_name(chain, announce(cl, old, new)) is None
    when = cl.read("ColdkeySwapAnnouncements", old.public_key)[0]
    ev = cl.call(old, S, "swap_coldkey_announced", new_coldkey=wrong.public_key)
    assert error_name(chain, ev) == "SubtensorModule.AnnouncedColdkeyHashDoesNotMatch"
    ev = cl.call(old, S, "swap_coldkey_announced", new_coldkey=new.public_key)
    assert error_name(chain, ev) == "SubtensorModule.ColdkeySwapTooEarly"
    assert cl.read("ColdkeySwapAnnouncements", old.public_key) is not None  # a failed call keeps it
    chain.produce_blocks(when - chain.best_number - 1)
    bob_share = cl.read("AlphaV2", hk, kp("//Bob").public_key, 1)
    free_before = cl.free(old)
    chain.submit(cl.sign(old, S, "swap_coldkey_announced", {"new_coldkey": new.public_key}))
    block_hash = chain.produce_block()
    ev = cl.events(block_hash, extrinsic_index=1)
    assert chain.best_number == when
    assert error_name(chain, ev) is None, ev
    assert ("SubtensorModule", "ColdkeySwapped",
            {"old_coldkey": hx(old.public_key), "new_coldkey": hx(new.public_key)}) in ev
    assert cl.read("ColdkeySwapAnnouncements", old.public_key) is None
    # stake: the old coldkey's alpha was sold out of the pool and bought back for the new one; the
    # nominator's shares are untouched and the two positions still add up to the pool's alpha
    assert cl.read("AlphaV2", hk, kp("//Bob").public_key, 1) == bob_share
    total, denom = cl.read("TotalHotkeyAlpha", hk, 1), cl.read("TotalHotkeySharesV2", hk, 1)
    assert share_value(total, cl.read("AlphaV2", hk, old.public_key, 1), denom) == 0  # share dust, as on chain
    mine = share_value(total, cl.read("AlphaV2", hk, new.public_key, 1), denom)
    bobs = share_value(total, bob_share, denom)
    assert mine > 400 * TAO and total - 2 <= mine + bobs <= total
    # keys
    assert cl.read("Owner", hk) == hx(new.public_key)
    assert cl.read("OwnedHotkeys", new.public_key) == [hx(hk)] and cl.read("OwnedHotkeys", old.public_key) == []
    assert cl.read("StakingHotkeys", new.public_key) == [hx(hk)]
    assert cl.read("StakingHotkeys", old.public_key) == []
    # balance: everything left after the fee went over; the old account is reaped
    fee = fee_paid(ev)
    assert cl.free(new) == free_before - fee
    assert not chain.read("System", "Account", old.public_key)["providers"]
    assert "System.KilledAccount" in names(ev)
    assert cl.read("LastRateLimitedBlock", {"LastTxBlock": new.public_key}) == when
    # the new coldkey is free to act; the old one holds nothing
    ev = cl.call(new, S, "add_stake", hotkey=hk, netuid=1, amount_staked=TAO)
    assert error_name(chain, ev) is None, ev


def test_swap_checks_the_new_coldkey(chain: Chain) -> None:
    cl = Client(chain)
    a, b = key(1, "validator", 0), key(1, "validator", 1)
    hotkey_kp = Keypair.create_from_seed(SC.secret_seed(2, "validator-hotkey", 0).hex(), ss58_format=42)
    assert error_name(chain, announce(cl, a, b)) is None  # b already stakes: ColdKeyAlreadyAssociated
    assert error_name(chain, cl.call(b, S, "announce_coldkey_swap", new_coldkey_hash=h(hotkey_kp))) is None
    chain.produce_blocks(DELAY)
    ev = cl.call(a, S, "swap_coldkey_announced", new_coldkey=b.public_key)
    assert error_name(chain, ev) == "SubtensorModule.ColdKeyAlreadyAssociated"
    ev = cl.call(b, S, "swap_coldkey_announced", new_coldkey=hotkey_kp.public_key)
    assert error_name(chain, ev) == "SubtensorModule.NewColdKeyIsHotkey"


def test_announce_needs_the_swap_cost(chain: Chain) -> None:
    cl = Client(chain)
    poor = kp("//ckswap//poor")
    chain.submit(cl.sign(kp("//Alice"), "Balances", "transfer_keep_alive",
                         {"dest": hx(poor.public_key), "value": COST // 2}))
    chain.produce_block()
    ev = announce(cl, poor, kp("//ckswap//x"))
    assert error_name(chain, ev) == "SubtensorModule.NotEnoughBalanceToPaySwapColdKey"
    assert cl.read("ColdkeySwapAnnouncements", poor.public_key) is None


def test_dispute_freezes_until_root_resets(chain: Chain) -> None:
    cl = Client(chain)
    victim, thief = key(1, "validator", 1), kp("//ckswap//thief")
    ev = cl.call(victim, S, "dispute_coldkey_swap")
    assert error_name(chain, ev) == "SubtensorModule.ColdkeySwapAnnouncementNotFound"
    assert error_name(chain, announce(cl, victim, thief)) is None
    ev = cl.call(victim, S, "dispute_coldkey_swap")
    assert error_name(chain, ev) is None, ev
    assert ("SubtensorModule", "ColdkeySwapDisputed", {"coldkey": hx(victim.public_key)}) in ev
    assert cl.read("ColdkeySwapDisputes", victim.public_key) == chain.best_number
    chain.produce_blocks(DELAY + REDELAY)
    for call, args in (("swap_coldkey_announced", {"new_coldkey": thief.public_key}),
                       ("clear_coldkey_swap_announcement", {}), ("dispute_coldkey_swap", {}),
                       ("announce_coldkey_swap", {"new_coldkey_hash": h(thief)})):
        ev = cl.call(victim, S, call, **args)
        assert error_name(chain, ev) == "SubtensorModule.ColdkeySwapDisputed", (call, ev)
    inner = {"call_module": S, "call_function": "reset_coldkey_swap", "call_args": {"coldkey": hx(victim.public_key)}}
    ev = cl.call(victim, S, "reset_coldkey_swap", coldkey=victim.public_key)
    assert error_name(chain, ev) == "SubtensorModule.ColdkeySwapDisputed"  # the guard answers first
    ev = sudo(cl, inner)
    assert ("SubtensorModule", "ColdkeySwapReset", {"who": hx(victim.public_key)}) in ev
    assert cl.read("ColdkeySwapAnnouncements", victim.public_key) is None
    assert cl.read("ColdkeySwapDisputes", victim.public_key) is None
    hk = SC.key(1, "validator-hotkey", 1)
    assert error_name(chain, cl.call(victim, S, "add_stake", hotkey=hk, netuid=1, amount_staked=TAO)) is None


def test_clear_after_the_reannouncement_delay(chain: Chain) -> None:
    cl = Client(chain)
    who = key(2, "validator", 0)
    ev = cl.call(who, S, "clear_coldkey_swap_announcement")
    assert error_name(chain, ev) == "SubtensorModule.ColdkeySwapAnnouncementNotFound"
    assert error_name(chain, announce(cl, who, kp("//ckswap//c"))) is None
    when = cl.read("ColdkeySwapAnnouncements", who.public_key)[0]
    ev = cl.call(who, S, "clear_coldkey_swap_announcement")
    assert error_name(chain, ev) == "SubtensorModule.ColdkeySwapClearTooEarly"
    chain.produce_blocks(when + REDELAY - chain.best_number - 1)
    ev = cl.call(who, S, "clear_coldkey_swap_announcement")
    assert error_name(chain, ev) is None, ev
    assert ("SubtensorModule", "ColdkeySwapCleared", {"who": hx(who.public_key)}) in ev
    assert cl.read("ColdkeySwapAnnouncements", who.public_key) is None


def test_root_swap_moves_subnet_ownership_and_clears_the_announcement(chain: Chain) -> None:
    cl = Client(chain)
    owner, new = key(1, "owner", 0), kp("//ckswap//newowner")
    assert error_name(chain, announce(cl, owner, kp("//ckswap//someone"))) is None
    inner = {"call_module": S, "call_function": "swap_coldkey",
             "call_args": {"old_coldkey": hx(owner.public_key), "new_coldkey": hx(new.public_key),
                           "swap_cost": COST}}
    free = cl.free(owner)
    ev = sudo(cl, inner)
    assert "SubtensorModule.ColdkeySwapped" in names(ev), ev
    assert cl.read("SubnetOwner", 1) == hx(new.public_key)
    assert cl.read("Owner", SC.key(1, "owner-hotkey", 0)) == hx(new.public_key)
    assert cl.free(new) == free - COST
    assert cl.read("ColdkeySwapAnnouncements", owner.public_key) is None
    ev = cl.call(kp("//Bob"), S, "schedule_swap_coldkey", new_coldkey=new.public_key)
    assert error_name(chain, ev) == "SubtensorModule.Deprecated"
