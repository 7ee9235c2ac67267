"""Per-coldkey earnings at each epoch: every position's alpha before and after, split by source.

A position is (coldkey, hotkey, netuid). Its value is read from verified state at the parent and
at the epoch block (share pool: ``TotalHotkeyAlpha * shares / total shares``), so the gain is what
the chain actually credited. The split follows the coinbase (``distribute_dividends_and_incentives``):
incentive goes to the hotkey owner's own stake; of a hotkey's alpha dividends the take goes to the
owner's stake first, and the rest (recorded as ``AlphaDividendsPerSubnet``) is credited to the whole
pool, so every position on the hotkey grows by its pool share. Hence:

* miner incentive -- the hotkey's server emission in the audited local recomputation, if the
  coldkey owns the hotkey;
* validator dividends -- the rest of the gain on hotkeys the coldkey owns (take + own pool share);
* delegation share after take -- on someone else's hotkey: ``alpha_before * rest / pool``, where
  ``pool`` is the hotkey's pool when the rest was credited (parent value + incentive + take).

Each position's expected gain is computed from these verified values; a gain that differs by more
than rounding means stake moved in the epoch block itself (extrinsics run after the coinbase). The
move is then not counted as earnings: ``alpha_after`` stays the verified position at the epoch block
and ``alpha_before`` becomes ``alpha_after - earnings`` (the parent's position plus the move).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from node.consensus import EpochOutput
from node.light.epochs import EpochWatcher
from node.light.headers import VerifiedHeader
from node.light.snapshot import EpochSnapshot
from node.light.storage import S, account_hex, u16

logger = logging.getLogger(__name__)

TAKE_DENOMINATOR = 65_535
"""Delegate takes are u16 fractions of u16::MAX."""
ROUNDING_RAO = 1_000
"""|observed - expected| gain still taken as rounding, plus 1e-7 of the expected gain (share pools
and U96F32 floors are a few rao; any stake move is at least the minimum stake, millions of rao)."""


def share_value(total_alpha: int, share: Any, denominator: Any) -> int:
    """Alpha worth ``share`` shares of a pool (SafeFloat mantissa * 10^exponent), floored."""
    if not share or not denominator or not int(denominator["mantissa"]) or not int(share["mantissa"]):
        return 0
    num = total_alpha * int(share["mantissa"])
    den = int(denominator["mantissa"])
    e = int(share["exponent"]) - int(denominator["exponent"])
    if e >= 0:
        num *= 10**e
    else:
        den *= 10**-e
    return num // den


def delegation_share(alpha_before: int, rest: int, pool_before_rest: int) -> int:
    """Alpha a position of ``alpha_before`` gains when ``rest`` alpha is credited to a pool of
    ``pool_before_rest``: its pro-rata share of the dividends after take (floored)."""
    return alpha_before * rest // pool_before_rest if pool_before_rest > 0 else 0


def take_of_rest(rest: int, take: int) -> int:
    """The validator take that accompanied ``rest`` (dividends after take): rest * t / (1 - t).

    ``t`` is the take as the chain uses it, a U96F32 (32 fractional bits) of take / 65535; with the
    exact fraction the estimate would drift by ~1e-9 of the dividends.
    """
    frac = (take << 32) // TAKE_DENOMINATOR
    return rest * frac // ((1 << 32) - frac) if frac < 1 << 32 else 0


@dataclass(frozen=True)
class PositionEarning:
    """One position's earnings in one epoch (rao of alpha; TAO at the epoch block's pool price)."""

    coldkey: bytes
    hotkey: bytes
    netuid: int
    block: int
    alpha_before: int
    """The position at the parent block, plus any stake moved by the epoch block's extrinsics (so it
    can be below zero when the position was unstaked in that block)."""
    alpha_after: int
    """The verified position at the epoch block."""
    incentive: int
    dividends: int
    delegation: int
    price_rao: int
    """rao of TAO per 1 alpha (10^9 rao): SubnetTAO * 10^9 / SubnetAlphaIn, floored."""
    moved_alpha: int = 0
    """Stake added (or removed, negative) by extrinsics of the epoch block; not earnings, not stored."""

    @property
    def earned_alpha(self) -> int:
        """alpha_after - alpha_before."""
        return self.alpha_after - self.alpha_before

    @property
    def earned_tao(self) -> int:
        """Earned alpha valued in rao of TAO."""
        return self.earned_alpha * self.price_rao // 10**9

    def row(self) -> dict[str, object]:
        """The ``earnings`` table row."""
        return {"coldkey": self.coldkey, "hotkey": self.hotkey, "netuid": self.netuid, "block": self.block,
                "alpha_before": self.alpha_before, "alpha_after": self.alpha_after,
                "earned_alpha": self.earned_alpha, "incentive": self.incentive, "dividends": self.dividends,
                "delegation": self.delegation, "price_rao": self.price_rao, "earned_tao": self.earned_tao}


def _account(value: Any) -> bytes | None:
    """An AccountId storage value, None when absent (a runtime with optional owners)."""
    return None if value is None else account_hex(value)


def _position_items(nu: bytes, pairs: list[tuple[bytes, bytes]]) -> list[tuple[str, tuple[bytes, ...]]]:
    items: list[tuple[str, tuple[bytes, ...]]] = []
    for ck, hk in pairs:
        items += [("AlphaV2", (hk, ck, nu)), ("TotalHotkeySharesV2", (hk, nu)), ("TotalHotkeyAlpha", (hk, nu))]
    return items


def _values(got: dict[tuple[str, tuple[bytes, ...]], Any], nu: bytes,
            pairs: list[tuple[bytes, bytes]]) -> dict[tuple[bytes, bytes], int]:
    return {(ck, hk): share_value(int(got[("TotalHotkeyAlpha", (hk, nu))]), got[("AlphaV2", (hk, ck, nu))],
                                  got[("TotalHotkeySharesV2", (hk, nu))]) for ck, hk in pairs}


def position_values(watcher: EpochWatcher, header: VerifiedHeader, netuid: int,
                    pairs: list[tuple[bytes, bytes]]) -> dict[tuple[bytes, bytes], int]:
    """Verified alpha of each (coldkey, hotkey) position on ``netuid`` at ``header``."""
    nu = u16(netuid)
    return _values(watcher.read_items(header, _position_items(nu, pairs)), nu, pairs)


def epoch_earnings(watcher: EpochWatcher, header: VerifiedHeader, parent: VerifiedHeader,
                   snap: EpochSnapshot, out: EpochOutput, coldkeys: tuple[bytes, ...]) -> list[PositionEarning]:
    """Earnings of every position of ``coldkeys`` on the snapshot's subnet in this epoch."""
    if not coldkeys:
        return []
    staking = watcher.read_items(parent, [("StakingHotkeys", (ck,)) for ck in coldkeys])
    pairs = [(ck, account_hex(hk)) for ck in coldkeys for hk in staking[("StakingHotkeys", (ck,))]]
    if not pairs:
        return []
    nu = u16(snap.netuid)
    hotkeys = sorted({hk for _, hk in pairs})
    per_hotkey: list[tuple[str, tuple[bytes, ...]]] = [("Owner", (hk,)) for hk in hotkeys]
    per_hotkey += [("Delegates", (hk,)) for hk in hotkeys] + [("SubnetOwner", (nu,))]
    after_items = _position_items(nu, pairs)
    has_divs = watcher.schema.has(S, "AlphaDividendsPerSubnet")
    if has_divs:
        after_items += [("AlphaDividendsPerSubnet", (nu, hk)) for hk in hotkeys]
    got_p, got_a = watcher.read_jobs([(parent, _position_items(nu, pairs) + per_hotkey), (header, after_items)])
    before, after = _values(got_p, nu, pairs), _values(got_a, nu, pairs)
    rest = {hk: int(got_a[("AlphaDividendsPerSubnet", (nu, hk))]) if has_divs else 0 for hk in hotkeys}
    owner_of = {hk: _account(got_p[("Owner", (hk,))]) for hk in hotkeys}
    subnet_owner = _account(got_p[("SubnetOwner", (nu,))])
    owner_hotkey = bytes.fromhex(snap.hotkeys[snap.owner_uid]) if snap.owner_uid is not None else None
    uid_of = {bytes.fromhex(h): i for i, h in enumerate(snap.hotkeys)}
    tao, alpha_in = int(snap.context.get("subnet_tao", 0)), int(snap.context.get("subnet_alpha_in", 0))
    price = tao * 10**9 // alpha_in if alpha_in else 0
    result = []
    for ck, hk in pairs:
        b, a = before[(ck, hk)], after[(ck, hk)]
        if a == 0 and b == 0:
            continue
        uid = uid_of.get(hk)
        owned = owner_of[hk] == ck
        take_alpha = take_of_rest(rest[hk], int(got_p[("Delegates", (hk,))] or 0))
        # incentive is staked to the owner; the subnet owner's own hotkeys' incentive is burned
        server = int(out.server_emission[uid]) if uid is not None and owner_of[hk] != subnet_owner else 0
        expected: int | None
        if hk == owner_hotkey:  # the owner cut is credited there too and is not known here
            expected = None if owned else delegation_share(
                b, rest[hk], int(got_a[("TotalHotkeyAlpha", (hk, nu))]) - rest[hk])
        else:  # the pool when the rest is credited: parent + incentive + take (block moves come later)
            pool = int(got_p[("TotalHotkeyAlpha", (hk, nu))]) + server + take_alpha
            own = server + take_alpha if owned else 0  # staked to the owner before the rest is shared
            expected = own + delegation_share(b + own, rest[hk], pool)
        moved = 0
        if has_divs and expected is not None and abs((a - b) - expected) > ROUNDING_RAO + abs(expected) // 10**7:
            moved = (a - b) - expected  # stake moved by the epoch block's extrinsics
            logger.debug("position %s/%s on %d: %d alpha moved in epoch block #%d", ck.hex()[:8], hk.hex()[:8],
                         snap.netuid, moved, snap.block)
        gain = a - b - moved
        incentive = min(server, max(gain, 0)) if owned else 0
        dividends = gain - incentive if owned else 0
        delegation = 0 if owned else gain
        result.append(PositionEarning(ck, hk, snap.netuid, snap.block, b + moved, a, incentive, dividends,
                                      delegation, price, moved))
    return result
