"""Per-subnet PoW difficulty adjustment: subtensor's `upgraded_difficulty` in exact U110F18 arithmetic.

Every `AdjustmentInterval` blocks the chain moves the difficulty toward
``current * (registrations + target) / (2 * target)``, smoothed by ``AdjustmentAlpha / u64::MAX``,
clamped to [MinDifficulty, MaxDifficulty]. Which of the six cases of `adjust_registration_terms_for_networks`
changes the difficulty (as opposed to the burn) is `difficulty_changes`.
"""

from __future__ import annotations

_FRAC = 18
_U128_MAX = (1 << 128) - 1
_U64_MAX = (1 << 64) - 1
_U16_MAX = (1 << 16) - 1


def _fx(value: int) -> int:
    """U110F18::saturating_from_num(integer)."""
    return min(value << _FRAC, _U128_MAX)


def _mul(a: int, b: int) -> int:
    return min((a * b) >> _FRAC, _U128_MAX)


def _div(a: int, b: int) -> int:
    """safe_div: zero when dividing by zero."""
    return 0 if b == 0 else min((a << _FRAC) // b, _U128_MAX)


def upgraded_difficulty(current: int, registrations: int, target: int, adjustment_alpha: int,
                        min_difficulty: int, max_difficulty: int) -> int:
    """The next difficulty (u64) after an adjustment interval, bit-exact with the chain."""
    regs_plus_target = min(registrations + target, _U16_MAX)
    twice_target = min(target + target, _U16_MAX)
    updated = _div(_mul(_fx(current), _fx(regs_plus_target)), _fx(twice_target))
    alpha = _div(_fx(adjustment_alpha), _fx(_U64_MAX))
    one_minus_alpha = max(_fx(1) - alpha, 0)
    next_value = min(_mul(alpha, _fx(current)) + _mul(one_minus_alpha, updated), _U128_MAX)
    if next_value >= _fx(max_difficulty):
        return max_difficulty
    if next_value <= _fx(min_difficulty):
        return min_difficulty
    return min(next_value >> _FRAC, _U64_MAX)


def difficulty_changes(registrations: int, target: int, pow_registrations: int, burn_registrations: int) -> bool:
    """Whether this interval's adjustment touches the difficulty (cases A, D, E, F; B and C move only the burn)."""
    if registrations > target:
        return pow_registrations >= burn_registrations   # A (pow > burn) or F (equal)
    return pow_registrations <= burn_registrations       # D (pow < burn) or E (equal)


def expected_hashes(difficulty: int) -> float:
    """Mean number of seals to try before one meets `difficulty` (for ETA estimates; not money)."""
    return float(max(difficulty, 1))
