"""Coldkey swaps on the localnet: announce, wait, swap; dispute, clear, root reset.

Follows opentensor/subtensor (``macros/dispatches.rs`` calls 71/73/125-128/133,
``swap/swap_coldkey.rs``, ``guards/check_coldkey_swap.rs``), written from scratch:

* ``announce_coldkey_swap(new_coldkey_hash)`` stores ``ColdkeySwapAnnouncements[who] =
  (now + ColdkeySwapAnnouncementDelay, hash)``. The first announcement recycles ``KeySwapCost``
  (0.1 TAO: removed from the account and from TotalIssuance); a re-announcement is free but only
  from ``when + ColdkeySwapReannouncementDelay`` on.
* ``swap_coldkey_announced(new_coldkey)`` from block ``when`` on, if ``blake2_256(new_coldkey)`` is the
  announced hash: moves stake, hotkey ownership, subnet ownership, identity, auto-stake destinations
  and the whole free balance to the new coldkey.
* ``dispute_coldkey_swap()`` freezes the account (every call of it then fails with
  ``ColdkeySwapDisputed`` until root resets it); ``clear_coldkey_swap_announcement()`` withdraws an
  undisputed announcement after the re-announcement delay.
* While an announcement exists, the coldkey's other SubtensorModule calls fail at dispatch with
  ``ColdkeySwapAnnounced`` (the chain's ``CheckColdkeySwap`` dispatch extension; see
  docs/localnet-rules.md for what the localnet does not block).

Mixed into ``SubtensorModule`` (node/localnet/subtensor/pallet.py), which supplies ``c(ctx)``.
"""

from __future__ import annotations

from typing import Any

from node.localnet.hashing import blake2_256
from node.localnet.runtime import CallContext, Pallet, Weight, account_bytes
from node.localnet.subtensor.context import Ctx, err
from node.localnet.subtensor.fastcodec import fexists, fremove
from node.localnet.subtensor.ledger import S, is_subnet_account

SWAP_CALLS = frozenset({"announce_coldkey_swap", "swap_coldkey_announced", "dispute_coldkey_swap",
                        "clear_coldkey_swap_announcement"})
"""Calls a coldkey with a pending (undisputed) announcement may still make."""

_READ, _WRITE = 25_000_000, 100_000_000  # System.DbWeight (RocksDb) of the metadata

WEIGHTS: dict[str, Weight] = {  # the chain's benchmarked weights (pallets/subtensor/src/weights.rs)
    "announce_coldkey_swap": Weight(47_248_000 + 4 * _READ + 3 * _WRITE, 4159),
    "swap_coldkey_announced": Weight(288_156_000 + 37 * _READ + 15 * _WRITE, 13000),
    "swap_coldkey": Weight(312_301_000 + 37 * _READ + 19 * _WRITE, 13056),
    "dispute_coldkey_swap": Weight(23_293_000 + 2 * _READ + _WRITE, 4130),
    "clear_coldkey_swap_announcement": Weight(19_496_000 + 2 * _READ + _WRITE, 4078),
    "reset_coldkey_swap": Weight(8_857_000 + 2 * _WRITE, 0),
}


def coldkey_hash(coldkey: bytes) -> bytes:
    """``BlakeTwo256::hash_of(&AccountId32)``: blake2-256 of the 32 raw bytes (their SCALE encoding)."""
    return blake2_256(bytes(coldkey))


def announcement(c: Ctx, coldkey: bytes) -> tuple[int, bytes] | None:
    """``ColdkeySwapAnnouncements[coldkey]`` as (first block the swap may run, new-coldkey hash)."""
    value = c.get("ColdkeySwapAnnouncements", coldkey)
    if value is None:
        return None
    when, digest = value
    return int(when), _h256(digest)


def _h256(value: Any) -> bytes:
    if isinstance(value, str):
        return bytes.fromhex(value.removeprefix("0x"))
    return bytes(value)


def check_swap_guard(c: Ctx, who: bytes, call_name: str) -> None:
    """The ``CheckColdkeySwap`` rule for a SubtensorModule call signed by ``who``.

    Raises:
        DispatchError: ColdkeySwapDisputed (disputed: everything is blocked) or ColdkeySwapAnnounced
            (announced: only the swap calls pass).
    """
    if not fexists(c.state, S, "ColdkeySwapAnnouncements", who):
        return
    if fexists(c.state, S, "ColdkeySwapDisputes", who):
        raise err("ColdkeySwapDisputed")
    if call_name not in SWAP_CALLS:
        raise err("ColdkeySwapAnnounced")


def charge_swap_cost(c: Ctx, coldkey: bytes, cost: int) -> None:
    """``charge_swap_cost``: recycle ``cost`` (keeping the account alive) or NotEnoughBalanceToPaySwapColdKey."""
    if not c.ledger.can_withdraw(coldkey, cost):
        raise err("NotEnoughBalanceToPaySwapColdKey")
    if cost:
        c.ledger.burn(coldkey, cost)  # Balances and SubtensorModule TotalIssuance both fall
        c.emit("Balances", "Withdraw", coldkey, cost)


def announce(c: Ctx, who: bytes, new_coldkey_hash: bytes, cost: int) -> None:
    """``announce_coldkey_swap``: (re-)announce; the first announcement pays ``cost``."""
    current = announcement(c, who)
    if current is not None:
        if c.block < current[0] + int(c.get("ColdkeySwapReannouncementDelay")):
            raise err("ColdkeySwapReannouncedTooEarly")
    else:
        charge_swap_cost(c, who, cost)
    when = c.block + int(c.get("ColdkeySwapAnnouncementDelay"))
    c.set("ColdkeySwapAnnouncements", who, value=(when, "0x" + new_coldkey_hash.hex()))
    c.event("ColdkeySwapAnnounced", who, "0x" + new_coldkey_hash.hex())


def swap_announced(c: Ctx, who: bytes, new_coldkey: bytes) -> None:
    """``swap_coldkey_announced``: hash checked first, then the delay, then the swap."""
    current = announcement(c, who)
    if current is None:
        raise err("ColdkeySwapAnnouncementNotFound")
    fremove(c.state, S, "ColdkeySwapAnnouncements", who)
    when, digest = current
    if digest != coldkey_hash(new_coldkey):
        raise err("AnnouncedColdkeyHashDoesNotMatch")
    if c.block < when:
        raise err("ColdkeySwapTooEarly")
    do_swap_coldkey(c, who, new_coldkey)


def dispute(c: Ctx, who: bytes) -> None:
    """``dispute_coldkey_swap``: record the dispute block; the account is frozen until a root reset."""
    if not fexists(c.state, S, "ColdkeySwapAnnouncements", who):
        raise err("ColdkeySwapAnnouncementNotFound")
    if fexists(c.state, S, "ColdkeySwapDisputes", who):
        raise err("ColdkeySwapAlreadyDisputed")
    c.set("ColdkeySwapDisputes", who, value=c.block)
    c.event("ColdkeySwapDisputed", who)


def clear(c: Ctx, who: bytes) -> None:
    """``clear_coldkey_swap_announcement``: withdraw the announcement after the re-announcement delay."""
    current = announcement(c, who)
    if current is None:
        raise err("ColdkeySwapAnnouncementNotFound")
    if c.block < current[0] + int(c.get("ColdkeySwapReannouncementDelay")):
        raise err("ColdkeySwapClearTooEarly")
    fremove(c.state, S, "ColdkeySwapAnnouncements", who)
    c.event("ColdkeySwapCleared", who)


def _accounts(c: Ctx, item: str, *keys: Any) -> list[bytes]:
    return [account_bytes(a) for a in c.get(item, *keys)]


def do_swap_coldkey(c: Ctx, old: bytes, new: bytes) -> None:
    """``do_swap_coldkey``: everything ``old`` holds moves to ``new``; emits ColdkeySwapped.

    Stake locks, the root-claim staking-coldkey index and account flags are not modelled by the localnet
    (their storage stays at its defaults), so they are not moved.

    Raises:
        DispatchError: ColdKeyAlreadyAssociated (``new`` stakes already), NewColdKeyIsHotkey, or a
            balance error from the final transfer.
    """
    if _accounts(c, "StakingHotkeys", new):
        raise err("ColdKeyAlreadyAssociated")
    if c.owner_of(new) is not None:
        raise err("NewColdKeyIsHotkey")
    if not fexists(c.state, S, "IdentitiesV2", new) and fexists(c.state, S, "IdentitiesV2", old):
        c.set("IdentitiesV2", new, value=c.get("IdentitiesV2", old))
        fremove(c.state, S, "IdentitiesV2", old)
    staking = _accounts(c, "StakingHotkeys", old)
    for netuid in c.netuids():
        if account_bytes(c.get("SubnetOwner", netuid)) == old:
            c.set("SubnetOwner", netuid, value=new)
        _move_auto_stake(c, netuid, old, new)
        for hk in staking:
            alpha = c.ledger.alpha(hk, old, netuid)
            c.ledger.decrease_stake(hk, old, netuid, alpha)
            c.ledger.increase_stake(hk, new, netuid, alpha)
            if c.ledger.alpha(hk, new, netuid):
                _move_root_claimed(c, netuid, hk, old, new)
    merged = _accounts(c, "StakingHotkeys", new)
    merged += [hk for hk in staking if hk not in merged]
    fremove(c.state, S, "StakingHotkeys", old)
    c.set("StakingHotkeys", new, value=merged)
    owned = _accounts(c, "OwnedHotkeys", old)
    new_owned = _accounts(c, "OwnedHotkeys", new)
    for hk in owned:
        if is_subnet_account(hk):
            raise err("CannotUseSystemAccount")
        c.set("Owner", hk, value=new)
        if hk not in new_owned:
            new_owned.append(hk)
    fremove(c.state, S, "OwnedHotkeys", old)
    c.set("OwnedHotkeys", new, value=new_owned)
    _transfer_all(c, old, new)
    c.set("LastRateLimitedBlock", {"LastTxBlock": new}, value=c.block)
    c.event("ColdkeySwapped", old, new)


def _move_auto_stake(c: Ctx, netuid: int, old: bytes, new: bytes) -> None:
    if not fexists(c.state, S, "AutoStakeDestination", old, netuid):
        return
    hk = account_bytes(c.get("AutoStakeDestination", old, netuid))
    fremove(c.state, S, "AutoStakeDestination", old, netuid)
    c.set("AutoStakeDestination", new, netuid, value=hk)
    keep = [ck for ck in _accounts(c, "AutoStakeDestinationColdkeys", hk, netuid) if ck not in (old, new)]
    c.set("AutoStakeDestinationColdkeys", hk, netuid, value=[*keep, new])


def _move_root_claimed(c: Ctx, netuid: int, hotkey: bytes, old: bytes, new: bytes) -> None:
    if not fexists(c.state, S, "RootClaimed", netuid, hotkey, old):
        return
    claimed = int(c.get("RootClaimed", netuid, hotkey, old))
    fremove(c.state, S, "RootClaimed", netuid, hotkey, old)
    c.set("RootClaimed", netuid, hotkey, new, value=claimed + int(c.get("RootClaimed", netuid, hotkey, new)))


def _transfer_all(c: Ctx, old: bytes, new: bytes) -> None:
    """``transfer_all_tao_and_kill``: the whole free balance (the old account is reaped); dust lost
    by the Balances pallet is also taken off SubtensorModule's TotalIssuance."""
    amount = c.ledger.free(old)
    if not amount:
        return
    before = int(c.state.get("Balances", "TotalIssuance"))
    c.ledger.transfer(old, new, amount)
    lost = before - int(c.state.get("Balances", "TotalIssuance"))
    if lost > 0:
        c.ledger.add_plain("TotalIssuance", -lost)


class ColdkeySwapCalls(Pallet):
    """The coldkey-swap calls and the swap guard, as a base of ``SubtensorModule``."""

    def c(self, ctx: CallContext) -> Ctx:
        """The operation context of a call (provided by SubtensorModule)."""
        raise NotImplementedError

    def call_weight(self, call_name: str, args: dict[str, Any]) -> Weight:
        """The chain's benchmarked weights for the swap calls."""
        return WEIGHTS.get(call_name) or super().call_weight(call_name, args)

    def handler(self, call_name: str) -> Any:
        """Every SubtensorModule call, behind the ``CheckColdkeySwap`` guard for signed origins."""
        inner = super().handler(call_name)
        if inner is None:
            return None

        def guarded(ctx: CallContext, **args: Any) -> Any:
            if ctx.origin.kind == "signed" and ctx.origin.who is not None:
                check_swap_guard(self.c(ctx), ctx.origin.who, call_name)
            return inner(ctx, **args)

        return guarded

    def _cost(self) -> int:
        return int(self.md.constant(S, "KeySwapCost"))

    def call_announce_coldkey_swap(self, ctx: CallContext, new_coldkey_hash: Any) -> None:
        """announce_coldkey_swap(new_coldkey_hash: H256)."""
        announce(self.c(ctx), ctx.ensure_signed(), _h256(new_coldkey_hash), self._cost())

    def call_swap_coldkey_announced(self, ctx: CallContext, new_coldkey: Any) -> None:
        """swap_coldkey_announced(new_coldkey)."""
        swap_announced(self.c(ctx), ctx.ensure_signed(), account_bytes(new_coldkey))

    def call_dispute_coldkey_swap(self, ctx: CallContext) -> None:
        """dispute_coldkey_swap()."""
        dispute(self.c(ctx), ctx.ensure_signed())

    def call_clear_coldkey_swap_announcement(self, ctx: CallContext) -> None:
        """clear_coldkey_swap_announcement()."""
        clear(self.c(ctx), ctx.ensure_signed())

    def call_reset_coldkey_swap(self, ctx: CallContext, coldkey: Any) -> None:
        """reset_coldkey_swap(coldkey): root clears the announcement and the dispute."""
        ctx.ensure_root()
        c, ck = self.c(ctx), account_bytes(coldkey)
        fremove(c.state, S, "ColdkeySwapAnnouncements", ck)
        fremove(c.state, S, "ColdkeySwapDisputes", ck)
        c.event("ColdkeySwapReset", ck)

    def call_swap_coldkey(self, ctx: CallContext, old_coldkey: Any, new_coldkey: Any, swap_cost: int) -> None:
        """swap_coldkey(old, new, swap_cost): root swaps without an announcement (and clears any)."""
        ctx.ensure_root()
        c, old = self.c(ctx), account_bytes(old_coldkey)
        if int(swap_cost):
            charge_swap_cost(c, old, int(swap_cost))
        do_swap_coldkey(c, old, account_bytes(new_coldkey))
        fremove(c.state, S, "ColdkeySwapAnnouncements", old)
        fremove(c.state, S, "ColdkeySwapDisputes", old)

    def call_schedule_swap_coldkey(self, ctx: CallContext, new_coldkey: Any) -> None:
        """schedule_swap_coldkey: deprecated on chain (always Deprecated)."""
        raise err("Deprecated")

