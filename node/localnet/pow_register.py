"""SubtensorModule.register (proof-of-work registration) and the per-subnet difficulty adjustment.

Mirrors subtensor's `do_registration` (the last version that verified work, before PoW was removed
upstream) check for check, with the errors named in the spec-461 metadata, and the difficulty half of
`adjust_registration_terms_for_networks`. Neuron bookkeeping (append, or replace the pruning candidate)
is the subtensor pallet's own `subnets.register_neuron`, so PoW and burned registrations stay identical
after the payment step. Hooked into the pallet by `SubtensorModule.call_register` and its on_initialize.

Simplifications (docs/pow.md): the burn is not touched by the adjustment (the localnet's burn follows
the spec-461 decay/bump model in `subnets.py`/`coinbase.py`); root (netuid 0) keeps the subtensor
pallet's own interval reset; the transaction-extension pre-check (`RateLimitExceeded` at pool time) is
left to dispatch, which fails with `TooManyRegistrationsThisInterval` instead.
"""

from __future__ import annotations

from typing import Any

from node.localnet.runtime.pallet import account_bytes
from node.localnet.subtensor import subnets
from node.localnet.subtensor.context import Ctx, err
from node.localnet.subtensor.fastcodec import fget
from node.pow.difficulty import difficulty_changes, upgraded_difficulty
from node.pow.seal import create_seal, meets_difficulty

WORK_WINDOW = 3
"""Work on block b is accepted while the chain builds blocks b .. b + WORK_WINDOW - 1."""


def work_bytes(work: Any) -> bytes:
    """The `work: Vec<u8>` argument as bytes.

    scalecodec's value format gives '0x..' hex, except for byte strings that are valid UTF-8, which it
    returns as text (e.g. 32 zero bytes); lists of ints are accepted too.
    """
    if isinstance(work, bytes | bytearray):
        return bytes(work)
    if isinstance(work, str):
        if work.startswith("0x"):
            try:
                return bytes.fromhex(work[2:])
            except ValueError:
                pass
        return work.encode("utf-8")
    return bytes(int(b) for b in work)


def block_hash_at(c: Ctx, number: int) -> bytes:
    """System.BlockHash[number] (zero hash when unknown, e.g. the block being built, as on chain)."""
    return account_bytes(fget(c.state, "System", "BlockHash", number))


def register(c: Ctx, signer: bytes, netuid: int, block_number: int, nonce: int, work: bytes,
             hotkey: bytes, coldkey: bytes) -> int:
    """do_registration: verify the work, then give `hotkey` (owned by `coldkey`) a uid on `netuid`.

    Raises:
        DispatchError: SubtensorModule.{TransactorAccountShouldBeHotKey, RegistrationNotPermittedOnRootSubnet,
            SubnetNotExists, SubNetRegistrationDisabled, TooManyRegistrationsThisBlock,
            TooManyRegistrationsThisInterval, HotKeyAlreadyRegisteredInSubNet, InvalidWorkBlock,
            InvalidDifficulty, InvalidSeal, NonAssociatedColdKey, NoNeuronIdAvailable}.
    """
    if signer != hotkey:
        raise err("TransactorAccountShouldBeHotKey")
    if netuid == 0:
        raise err("RegistrationNotPermittedOnRootSubnet")
    if not c.subnet_exists(netuid):
        raise err("SubnetNotExists")
    if not c.get("NetworkPowRegistrationAllowed", netuid):
        raise err("SubNetRegistrationDisabled")
    if int(c.get("RegistrationsThisBlock", netuid)) >= int(c.get("MaxRegistrationsPerBlock", netuid)):
        raise err("TooManyRegistrationsThisBlock")
    if int(c.get("RegistrationsThisInterval", netuid)) >= 3 * int(c.get("TargetRegistrationsPerInterval", netuid)):
        raise err("TooManyRegistrationsThisInterval")
    if c.uid_of(netuid, hotkey) is not None:
        raise err("HotKeyAlreadyRegisteredInSubNet")
    if block_number > c.block or c.block - block_number >= WORK_WINDOW:
        raise err("InvalidWorkBlock")
    if len(work) != 32:  # the chain's H256::from_slice would panic; reject it as a bad seal
        raise err("InvalidSeal")
    if not meets_difficulty(work, int(c.get("Difficulty", netuid))):
        raise err("InvalidDifficulty")
    if create_seal(block_hash_at(c, block_number), hotkey, nonce) != work:
        raise err("InvalidSeal")
    c.set("UsedWork", work, value=c.block)
    c.create_hotkey_account(coldkey, hotkey)
    if c.owner_of(hotkey) != coldkey:
        raise err("NonAssociatedColdKey")
    if int(c.get("MaxAllowedUids", netuid)) == 0:
        raise err("NoNeuronIdAvailable")
    full = int(c.get("SubnetworkN", netuid)) >= int(c.get("MaxAllowedUids", netuid))
    if full and subnets.neuron_to_prune(c, netuid) is None:
        raise err("NoNeuronIdAvailable")
    uid = subnets.register_neuron(c, netuid, hotkey)
    for item in ("POWRegistrationsThisInterval", "RegistrationsThisInterval", "RegistrationsThisBlock"):
        c.set(item, netuid, value=min(int(c.get(item, netuid)) + 1, 0xFFFF))
    c.event("NeuronRegistered", netuid, uid, hotkey)
    return uid


def adjust_difficulties(c: Ctx) -> None:
    """Every AdjustmentInterval blocks: move each subnet's Difficulty and reset the interval counters."""
    for netuid in c.netuids():
        if netuid == 0:
            continue
        last = int(c.get("LastAdjustmentBlock", netuid))
        if c.block - last < int(c.get("AdjustmentInterval", netuid)):
            continue
        regs = int(c.get("RegistrationsThisInterval", netuid))
        target = int(c.get("TargetRegistrationsPerInterval", netuid))
        pow_regs = int(c.get("POWRegistrationsThisInterval", netuid))
        burn_regs = int(c.get("BurnRegistrationsThisInterval", netuid))
        if difficulty_changes(regs, target, pow_regs, burn_regs):
            current = int(c.get("Difficulty", netuid))
            new = upgraded_difficulty(current, regs, target, int(c.get("AdjustmentAlpha", netuid)),
                                      int(c.get("MinDifficulty", netuid)), int(c.get("MaxDifficulty", netuid)))
            if new != current:
                c.set("Difficulty", netuid, value=new)
        c.set("LastAdjustmentBlock", netuid, value=c.block)
        for item in ("RegistrationsThisInterval", "POWRegistrationsThisInterval", "BurnRegistrationsThisInterval"):
            if int(c.get(item, netuid)):
                c.set(item, netuid, value=0)
