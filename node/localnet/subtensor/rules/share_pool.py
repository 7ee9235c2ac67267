"""Per-hotkey alpha share pools with the chain's `SafeFloat` (decimal mantissa/exponent) arithmetic.

Each (hotkey, netuid) pool has a shared value (`TotalHotkeyAlpha`), a share denominator
(`TotalHotkeySharesV2`) and per-coldkey shares (`AlphaV2`). Emission credited to the hotkey raises
the shared value only, so every nominator's alpha grows pro rata. Staking buys shares at the current
value-per-share; unstaking sells them. All rounding follows `primitives/share-pool`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

SAFE_FLOAT_MAX = 10**21
SAFE_FLOAT_MAX_EXP = 21
_U64_MAX = (1 << 64) - 1


def _cappow10(e: int) -> int:
    if e > SAFE_FLOAT_MAX_EXP + 1:
        return SAFE_FLOAT_MAX * 10
    return int(10**e)


@dataclass(frozen=True)
class SafeFloat:
    """mantissa * 10^exponent with mantissa normalized into (1e20, 1e21] (or zero)."""

    mantissa: int = 0
    exponent: int = 0

    @staticmethod
    def normalized(mantissa: int, exponent: int) -> SafeFloat:
        """Normalize like `SafeFloat::normalize` (truncating division by 10)."""
        if mantissa == 0:
            return SafeFloat(0, 0)
        while mantissa > SAFE_FLOAT_MAX:
            mantissa //= 10
            exponent += 1
        while mantissa <= SAFE_FLOAT_MAX // 10:
            mantissa *= 10
            exponent -= 1
        return SafeFloat(mantissa, exponent)

    @staticmethod
    def from_int(value: int) -> SafeFloat:
        """An integer amount as a SafeFloat."""
        return SafeFloat.normalized(value, 0)

    def is_zero(self) -> bool:
        """True for zero."""
        return self.mantissa == 0

    def add(self, other: SafeFloat) -> SafeFloat:
        """Sum, aligning to the larger exponent (the smaller operand loses low digits)."""
        if self.is_zero():
            return other
        if other.is_zero():
            return self
        if self.exponent >= other.exponent:
            m = self.mantissa + other.mantissa // _cappow10(self.exponent - other.exponent)
            return SafeFloat.normalized(m, self.exponent)
        m = self.mantissa // _cappow10(other.exponent - self.exponent) + other.mantissa
        return SafeFloat.normalized(m, other.exponent)

    def sub(self, other: SafeFloat) -> SafeFloat | None:
        """Saturating difference; None when subtracting from zero (chain: `None`)."""
        if self.is_zero() and other.is_zero():
            return SafeFloat()
        if self.is_zero():
            return None
        if other.is_zero():
            return self
        if self.exponent >= other.exponent:
            m = self.mantissa - other.mantissa // _cappow10(self.exponent - other.exponent)
            return SafeFloat.normalized(max(m, 0), self.exponent)
        m = self.mantissa // _cappow10(other.exponent - self.exponent) - other.mantissa
        return SafeFloat.normalized(max(m, 0), other.exponent)

    def mul_div(self, a: SafeFloat, b: SafeFloat) -> SafeFloat | None:
        """self * a / b with truncation; None for b == 0."""
        if b.mantissa == 0:
            return None
        m = self.mantissa * a.mantissa // b.mantissa
        return SafeFloat.normalized(m, self.exponent + a.exponent - b.exponent)

    def to_u64(self) -> int:
        """Truncate to an integer amount, saturating at u64::MAX."""
        if self.exponent == 0:
            return min(self.mantissa, _U64_MAX)
        scale = _cappow10(abs(self.exponent))
        q = self.mantissa * scale if self.exponent > 0 else self.mantissa // scale
        return min(q, _U64_MAX)


class ShareStore(Protocol):
    """Storage seam of one share pool (the pallet maps it to TotalHotkeyAlpha/AlphaV2/...)."""

    def get_shared_value(self) -> int: ...
    def get_share(self, key: bytes) -> SafeFloat | None: ...
    def get_denominator(self) -> SafeFloat: ...
    def set_shared_value(self, value: int) -> None: ...
    def set_share(self, key: bytes, share: SafeFloat) -> None: ...
    def set_denominator(self, value: SafeFloat) -> None: ...


class SharePool:
    """Share accounting over a `ShareStore`, following `primitives/share-pool` exactly."""

    def __init__(self, store: ShareStore) -> None:
        self._s = store

    def value_of(self, key: bytes) -> int:
        """Alpha owned by `key`: shared_value * share / denominator, truncated."""
        share = self._s.get_share(key) or SafeFloat()
        return self.value_from_shares(share)

    def value_from_shares(self, share: SafeFloat) -> int:
        """Alpha represented by `share` shares."""
        shared = SafeFloat.from_int(self._s.get_shared_value())
        result = shared.mul_div(share, self._s.get_denominator())
        return result.to_u64() if result is not None else 0

    def update_value_for_all(self, update: int) -> None:
        """Credit (or debit) the whole pool: every share's value moves pro rata."""
        value = self._s.get_shared_value()
        self._s.set_shared_value(min(max(value + update, 0), _U64_MAX))

    def _shares_per_update(self, update: int, shared_value: int, denominator: SafeFloat) -> SafeFloat:
        res = SafeFloat.from_int(abs(update)).mul_div(denominator, SafeFloat.from_int(shared_value))
        return res if res is not None else SafeFloat()

    def can_update_one(self, update: int) -> bool:
        """`sim_update_value_for_one`: False when the update would buy zero shares."""
        denominator = self._s.get_denominator()
        if denominator.mantissa == 0:
            return True
        return not self._shares_per_update(update, self._s.get_shared_value(), denominator).is_zero()

    def update_value_for_one(self, key: bytes, update: int) -> None:
        """Buy (update > 0) or sell (update < 0) shares worth `update` alpha for `key`."""
        shared_value = self._s.get_shared_value()
        current = self._s.get_share(key) or SafeFloat()
        denominator = self._s.get_denominator()
        if denominator.is_zero():
            first = SafeFloat.from_int(abs(update))
            self._s.set_denominator(first)
            self._s.set_share(key, first)
        else:
            per = self._shares_per_update(update, shared_value, denominator)
            if update > 0:
                new_den, new_share = denominator.add(per), current.add(per)
            else:
                new_den = denominator.sub(per) or denominator
                sub = current.sub(per)
                new_share = sub if sub is not None else current
            self._s.set_denominator(new_den)
            self._s.set_share(key, new_share)
        self.update_value_for_all(update)
