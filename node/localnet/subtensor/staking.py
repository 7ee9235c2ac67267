"""Staking operations: add/remove (with limit prices and partial fills), unstake-all, move/transfer/swap.

Mirrors `staking/{add_stake,remove_stake,move_stake,stake_utils}.rs`. No block author exists on the
localnet, so swap fees are burned (TAO fees from the subnet account, alpha fees from alpha outstanding),
as the chain does when no author is known.
"""

from __future__ import annotations

from node.localnet.runtime.pallet import DispatchError
from node.localnet.subtensor.context import MAX_PRICE, MIN_PRICE, Ctx, err
from node.localnet.subtensor.ledger import subnet_account
from node.localnet.subtensor.rules.fixed import U64_MAX, div64, mul64, to_u64, u64f64
from node.localnet.subtensor.rules.swap import SwapError, fee_amount, max_amount_add


def _limit_bits(limit_price_rao: int) -> int:
    return div64(u64f64(limit_price_rao), u64f64(10**9))


def stake_into_subnet(c: Ctx, hotkey: bytes, coldkey: bytes, netuid: int, tao: int, limit: int,
                      drop_fees: bool = False) -> int:
    """Move TAO from coldkey into the pool, credit the alpha to (hotkey, coldkey); return alpha bought."""
    acct = subnet_account(netuid)
    c.ledger.transfer(coldkey, acct, tao)
    res = c.ledger.swap_tao_for_alpha(netuid, tao, limit, drop_fees)
    if res.amount_paid_out == 0:
        raise err("AmountTooLow")
    if not c.ledger.share_pool(hotkey, netuid).can_update_one(res.amount_paid_out):
        raise err("InsufficientLiquidity")
    c.ledger.increase_stake(hotkey, coldkey, netuid, res.amount_paid_out)
    refund = tao - res.amount_paid_in - res.fee_paid
    if refund > 0:  # partial fill: the unswapped TAO goes back
        c.ledger.transfer(acct, coldkey, refund)
    if res.fee_paid:
        c.ledger.burn(acct, res.fee_paid)
    c.set("LastColdkeyHotkeyStakeBlock", coldkey, hotkey, value=c.block)
    c.event("StakeAdded", coldkey, hotkey, res.amount_paid_in + res.fee_paid, res.amount_paid_out, netuid,
            res.fee_paid)
    return res.amount_paid_out


def unstake_from_subnet(c: Ctx, hotkey: bytes, coldkey: bytes, beneficiary: bytes, netuid: int, alpha: int,
                        limit: int, drop_fees: bool = False) -> int:
    """Sell `alpha` of (hotkey, coldkey) to the pool and pay the TAO to `beneficiary`; return TAO out."""
    c.ledger.decrease_stake(hotkey, coldkey, netuid, alpha)
    res = c.ledger.swap_alpha_for_tao(netuid, alpha, limit, drop_fees)
    refund = alpha - res.amount_paid_in - res.fee_paid
    if refund > 0:
        c.ledger.increase_stake(hotkey, coldkey, netuid, refund)
    c.ledger.transfer(subnet_account(netuid), beneficiary, res.amount_paid_out)
    if res.fee_paid:  # no block author: the alpha fee is burned from alpha outstanding
        c.ledger.add("SubnetAlphaOut", netuid, -res.fee_paid)
    c.set("LastColdkeyHotkeyStakeBlock", coldkey, hotkey, value=c.block)
    c.event("StakeRemoved", coldkey, hotkey, res.amount_paid_out, res.amount_paid_in, netuid, res.fee_paid)
    return res.amount_paid_out


def validate_add_stake(c: Ctx, coldkey: bytes, hotkey: bytes, netuid: int, amount: int, max_amount: int,
                       allow_partial: bool) -> None:
    """`validate_add_stake`: subnet/subtoken, minimum (incl. fee), slippage, balance, hotkey, liquidity."""
    if not c.subnet_exists(netuid):
        raise err("SubnetNotExists")
    c.ensure_subtoken_enabled(netuid)
    pool = c.ledger.pool(netuid)
    min_amount = c.min_stake + fee_amount(pool, c.min_stake, False)
    if amount < min_amount:
        raise err("AmountTooLow")
    if not allow_partial and amount > max_amount:
        raise err("SlippageTooHigh")
    amount = min(amount, max_amount) if allow_partial else amount
    if not c.ledger.can_withdraw(coldkey, amount):
        raise err("NotEnoughBalanceToStake")
    if c.owner_of(hotkey) is None:
        raise err("HotKeyAccountNotExists")
    try:
        sim = c.ledger.swap_tao_for_alpha(netuid, amount, MAX_PRICE, simulate=True)
    except DispatchError:
        raise err("InsufficientLiquidity") from None
    if sim.amount_paid_in < c.min_stake:
        raise err("AmountTooLow")
    if sim.amount_paid_out == 0 or not c.ledger.share_pool(hotkey, netuid).can_update_one(sim.amount_paid_out):
        raise err("InsufficientLiquidity")


def validate_remove_stake(c: Ctx, coldkey: bytes, hotkey: bytes, netuid: int, alpha: int, max_amount: int,
                          allow_partial: bool) -> None:
    """`validate_remove_stake`: subnet, non-zero, enough stake, minimum TAO out, slippage, hotkey."""
    if not c.subnet_exists(netuid):
        raise err("SubnetNotExists")
    if alpha == 0:
        raise err("AmountTooLow")
    held = c.ledger.alpha(hotkey, coldkey, netuid)
    if held < alpha:
        raise err("NotEnoughStakeToWithdraw")
    try:
        sim = c.ledger.swap_alpha_for_tao(netuid, alpha, MIN_PRICE, simulate=True)
    except DispatchError:
        raise err("InsufficientLiquidity") from None
    if held - alpha and sim.amount_paid_out < c.min_stake:
        raise err("AmountTooLow")
    if not allow_partial and alpha > max_amount:
        raise err("SlippageTooHigh")
    if c.owner_of(hotkey) is None:
        raise err("HotKeyAccountNotExists")


def _check_swap_input(c: Ctx, netuid: int, amount: int, tao_side: bool) -> None:
    if netuid != 0 and c.ledger.pool(netuid).mechanism == 1:
        reserve = c.get("SubnetTAO" if tao_side else "SubnetAlphaIn", netuid)
        if amount > int(reserve) * 1_000:
            raise err("InsufficientLiquidity")


def add_stake(c: Ctx, coldkey: bytes, hotkey: bytes, netuid: int, amount: int,
              limit_price: int | None = None, allow_partial: bool = False) -> int:
    """add_stake / add_stake_limit."""
    _check_swap_input(c, netuid, amount, True)
    if limit_price is None:
        validate_add_stake(c, coldkey, hotkey, netuid, amount, amount, False)
        return stake_into_subnet(c, hotkey, coldkey, netuid, amount, MAX_PRICE)
    if not c.subnet_exists(netuid):
        raise err("SubnetNotExists")
    try:
        max_amount = max_amount_add(c.ledger.pool(netuid), limit_price)
    except SwapError as e:
        raise DispatchError.module("Swap", e.name) from None
    validate_add_stake(c, coldkey, hotkey, netuid, amount, max_amount, allow_partial)
    return stake_into_subnet(c, hotkey, coldkey, netuid, min(amount, max_amount), _limit_bits(limit_price))


def max_amount_remove(c: Ctx, netuid: int, limit_price: int) -> int:
    """Largest alpha input before the price falls to `limit_price` (rao)."""
    pool = c.ledger.pool(netuid)
    if pool.mechanism != 1:
        return U64_MAX if limit_price <= 10**9 else 0
    res = c.ledger.swap_alpha_for_tao(netuid, pool.alpha_reserve * 1_000, _limit_bits(limit_price), simulate=True)
    return res.amount_paid_in + res.fee_paid


def clear_small_nomination(c: Ctx, hotkey: bytes, coldkey: bytes, netuid: int) -> None:
    """`clear_small_nomination_if_required`: after an unstake, a nominator (not the hotkey's owner) left with
    less than NominatorMinRequiredStake (in TAO, converted to alpha at the current price) is unstaked in full,
    so share-pool dust does not linger. With the chain default of 0 nothing is ever cleared."""
    if c.owner_of(hotkey) == coldkey:
        return
    alpha = c.ledger.alpha(hotkey, coldkey, netuid)
    price = c.ledger.pool(netuid).price()
    min_alpha = (int(c.get("NominatorMinRequiredStake")) << 64) // price if price else 0
    if not 0 < alpha < min_alpha:
        return
    try:
        unstake_from_subnet(c, hotkey, coldkey, coldkey, netuid, alpha, MIN_PRICE)
    except (DispatchError, SwapError):  # the chain then just drops the dust
        c.ledger.decrease_stake(hotkey, coldkey, netuid, alpha)


def remove_stake(c: Ctx, coldkey: bytes, hotkey: bytes, netuid: int, alpha: int,
                 limit_price: int | None = None, allow_partial: bool = False) -> int:
    """remove_stake / remove_stake_limit (alpha capped at what is held, as the chain does for the plain call)."""
    if limit_price is None:
        c.ensure_subtoken_enabled(netuid)
        alpha = min(alpha, c.ledger.alpha(hotkey, coldkey, netuid))
        _check_swap_input(c, netuid, alpha, False)
        validate_remove_stake(c, coldkey, hotkey, netuid, alpha, alpha, False)
        out = unstake_from_subnet(c, hotkey, coldkey, coldkey, netuid, alpha, MIN_PRICE)
    else:
        _check_swap_input(c, netuid, alpha, False)
        max_amount = max_amount_remove(c, netuid, limit_price)
        validate_remove_stake(c, coldkey, hotkey, netuid, alpha, max_amount, allow_partial)
        out = unstake_from_subnet(c, hotkey, coldkey, coldkey, netuid, min(alpha, max_amount),
                                  _limit_bits(limit_price))
    clear_small_nomination(c, hotkey, coldkey, netuid)
    return out


def unstake_all(c: Ctx, coldkey: bytes, hotkey: bytes, only_alpha: bool) -> None:
    """unstake_all (to the free balance) / unstake_all_alpha (re-staked to root)."""
    if c.owner_of(hotkey) is None:
        raise err("HotKeyAccountNotExists")
    total = 0
    for netuid in c.netuids():
        if (netuid != 0 and not c.get("SubtokenEnabled", netuid)) or (only_alpha and netuid == 0):
            continue
        alpha = c.ledger.alpha(hotkey, coldkey, netuid)
        try:
            validate_remove_stake(c, coldkey, hotkey, netuid, alpha, alpha, False)
        except DispatchError:  # the chain skips subnets that fail validation
            continue
        if alpha:
            total += unstake_from_subnet(c, hotkey, coldkey, coldkey, netuid, alpha, MIN_PRICE)
            clear_small_nomination(c, hotkey, coldkey, netuid)
    if only_alpha:
        stake_into_subnet(c, hotkey, coldkey, 0, total, MAX_PRICE)


def transition_stake(c: Ctx, origin_coldkey: bytes, dest_coldkey: bytes, origin_hotkey: bytes, dest_hotkey: bytes,
                     origin_netuid: int, dest_netuid: int, alpha: int, limit_price: int | None,
                     allow_partial: bool | None, check_transfer_toggle: bool) -> int:
    """move_stake / transfer_stake / swap_stake(_limit): validate, then unstake+restake or move shares."""
    alpha = min(alpha, c.ledger.alpha(origin_hotkey, origin_coldkey, origin_netuid))
    max_amount = alpha
    if origin_netuid != dest_netuid and limit_price is not None:
        max_amount = max_amount_move(c, origin_netuid, dest_netuid, limit_price)
    if origin_coldkey == dest_coldkey and origin_hotkey == dest_hotkey and origin_netuid == dest_netuid:
        raise err("SameNetuid")
    for n in {origin_netuid, dest_netuid}:
        if not c.subnet_exists(n):
            raise err("SubnetNotExists")
    for n in (origin_netuid, dest_netuid):
        c.ensure_subtoken_enabled(n)
    if c.owner_of(origin_hotkey) is None or c.owner_of(dest_hotkey) is None:
        raise err("HotKeyAccountNotExists")
    if origin_netuid != dest_netuid:
        sim = c.ledger.swap_alpha_for_tao(origin_netuid, alpha, MIN_PRICE, simulate=True)
        if sim.amount_paid_out <= c.min_stake:
            raise err("AmountTooLow")
        if allow_partial is False and alpha > max_amount:
            raise err("SlippageTooHigh")
    if check_transfer_toggle and not all(c.get("TransferToggle", n) for n in {origin_netuid, dest_netuid}):
        raise err("TransferDisallowed")
    amount = min(alpha, max_amount)
    if origin_netuid != dest_netuid:
        drop_origin = origin_netuid == 0
        tao = unstake_from_subnet(c, origin_hotkey, origin_coldkey, origin_coldkey, origin_netuid, amount,
                                  MIN_PRICE, drop_origin)
        if origin_coldkey != dest_coldkey:
            c.ledger.transfer(origin_coldkey, dest_coldkey, tao)
        if tao >= c.min_stake:
            stake_into_subnet(c, dest_hotkey, dest_coldkey, dest_netuid, tao, MAX_PRICE, not drop_origin)
        return tao
    c.ledger.decrease_stake(origin_hotkey, origin_coldkey, origin_netuid, amount)
    c.ledger.increase_stake(dest_hotkey, dest_coldkey, origin_netuid, amount)
    tao_eq = to_u64(mul64(c.ledger.pool(origin_netuid).price(), u64f64(amount)))
    if tao_eq < c.min_stake:
        raise err("AmountTooLow")
    c.set("LastColdkeyHotkeyStakeBlock", dest_coldkey, dest_hotkey, value=c.block)
    c.event("StakeRemoved", origin_coldkey, origin_hotkey, tao_eq, amount, origin_netuid, 0)
    c.event("StakeAdded", dest_coldkey, dest_hotkey, tao_eq, amount, origin_netuid, 0)
    return tao_eq


def max_amount_move(c: Ctx, origin: int, dest: int, limit_price: int) -> int:
    """`get_max_amount_move`: how much alpha may move before the relative price hits the limit."""
    po, pd = c.ledger.pool(origin), c.ledger.pool(dest)
    tao = u64f64(10**9)
    if po.mechanism != 1 and pd.mechanism != 1:
        return 0 if limit_price > 10**9 else U64_MAX
    if po.mechanism != 1:
        if limit_price == 0:
            return U64_MAX
        dest_price = to_u64(mul64(div64(tao, u64f64(limit_price)), tao))
        return max_amount_add(pd, dest_price)
    if pd.mechanism != 1:
        return max_amount_remove(c, origin, limit_price)
    t1, t2, a1, a2 = po.tao_reserve, pd.tao_reserve, po.alpha_reserve, pd.alpha_reserve
    if 0 in (t1, t2, a1, a2):
        return 0
    limit = div64(u64f64(limit_price), u64f64(10**9))
    if limit > div64(po.price(), pd.price()):
        return 0
    if limit_price == 0:
        return U64_MAX
    total = u64f64(t1) + u64f64(t2)
    res = div64(mul64(u64f64(a2), div64(u64f64(t1), total)), limit) - mul64(u64f64(a1), div64(u64f64(t2), total))
    return to_u64(max(res, 0))
