"""Per-coldkey earnings at each epoch: every position's alpha before and after, split by source.

A position is (coldkey, hotkey, netuid). Its value is read from verified state at the parent and
at the epoch block (share pool: ``TotalHotkeyAlpha * shares / total shares``), so the gain is what
the chain actually credited. The split uses the audited local recomputation:

* miner incentive -- the hotkey's server emission, if the coldkey owns the hotkey;
* validator dividends -- the rest of the gain on hotkeys the coldkey owns (take + own stake);
* delegation share -- the whole gain on someone else's hotkey (after that validator's take).

Stake moved by extrinsics inside the epoch block itself is not separated out (see docs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from node.consensus import EpochOutput
from node.light.epochs import EpochWatcher
from node.light.headers import VerifiedHeader
from node.light.snapshot import EpochSnapshot
from node.light.storage import account_hex, u16


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


@dataclass(frozen=True)
class PositionEarning:
    """One position's earnings in one epoch (rao of alpha; TAO at the epoch block's pool price)."""

    coldkey: bytes
    hotkey: bytes
    netuid: int
    block: int
    alpha_before: int
    alpha_after: int
    incentive: int
    dividends: int
    delegation: int
    price_rao: int
    """rao of TAO per 1 alpha (10^9 rao): SubnetTAO * 10^9 / SubnetAlphaIn, floored."""

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


def position_values(watcher: EpochWatcher, header: VerifiedHeader, netuid: int,
                    pairs: list[tuple[bytes, bytes]]) -> dict[tuple[bytes, bytes], int]:
    """Verified alpha of each (coldkey, hotkey) position on ``netuid`` at ``header``."""
    nu = u16(netuid)
    items: list[tuple[str, tuple[bytes, ...]]] = []
    for ck, hk in pairs:
        items += [("AlphaV2", (hk, ck, nu)), ("TotalHotkeySharesV2", (hk, nu)), ("TotalHotkeyAlpha", (hk, nu))]
    got = watcher.read_items(header, items)
    return {(ck, hk): share_value(int(got[("TotalHotkeyAlpha", (hk, nu))]), got[("AlphaV2", (hk, ck, nu))],
                                  got[("TotalHotkeySharesV2", (hk, nu))]) for ck, hk in pairs}


def epoch_earnings(watcher: EpochWatcher, header: VerifiedHeader, parent: VerifiedHeader,
                   snap: EpochSnapshot, out: EpochOutput, coldkeys: tuple[bytes, ...]) -> list[PositionEarning]:
    """Earnings of every position of ``coldkeys`` on the snapshot's subnet in this epoch."""
    if not coldkeys:
        return []
    staking = watcher.read_items(parent, [("StakingHotkeys", (ck,)) for ck in coldkeys])
    pairs = [(ck, account_hex(hk)) for ck in coldkeys for hk in staking[("StakingHotkeys", (ck,))]]
    if not pairs:
        return []
    before = position_values(watcher, parent, snap.netuid, pairs)
    after = position_values(watcher, header, snap.netuid, pairs)
    uid_of = {bytes.fromhex(h): i for i, h in enumerate(snap.hotkeys)}
    owners = [bytes.fromhex(o) for o in snap.context.get("owners", [])]
    tao, alpha_in = int(snap.context.get("subnet_tao", 0)), int(snap.context.get("subnet_alpha_in", 0))
    price = tao * 10**9 // alpha_in if alpha_in else 0
    result = []
    for ck, hk in pairs:
        b, a = before[(ck, hk)], after[(ck, hk)]
        if a == 0 and b == 0:
            continue
        uid = uid_of.get(hk)
        owned = uid is not None and uid < len(owners) and owners[uid] == ck
        gain = a - b
        incentive = min(int(out.server_emission[uid]), max(gain, 0)) if owned and uid is not None else 0
        dividends = gain - incentive if owned else 0
        delegation = 0 if owned else gain
        result.append(PositionEarning(ck, hk, snap.netuid, snap.block, b, a, incentive, dividends,
                                      delegation, price))
    return result


