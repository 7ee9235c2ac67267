"""Slow, literal Python-int oracles for the chain's fixed-point helpers (tests only).

Written from the description in shared/reference/yuma-epoch.md, one element at a time, so the
vectorised code in node/consensus can be checked against straightforward integer arithmetic.
"""

from __future__ import annotations

import math

ONE = 1 << 32


def mul(a: int, b: int) -> int:
    return (a * b) >> 32


def div(a: int, b: int) -> int:
    """safe_div: truncating, 0 on zero divisor or overflow."""
    if b == 0:
        return 0
    q = abs(a << 32) // abs(b)
    q = q if (a >= 0) == (b > 0) else -q
    return 0 if not -(1 << 63) <= q < (1 << 63) else q


def exp(x: int) -> int:
    """substrate-fixed exp (I32F32), then exp_safe's clamp."""
    x = max(-20 * ONE, min(20 * ONE, x))
    if x == 0:
        return ONE
    if x == ONE:
        return math.floor(math.e * (1 << 23)) << 9
    op = abs(x)
    result, term = op + ONE, op
    for i in range(2, 32):
        term = mul(term, op) // i
        result += term
    return div(ONE, result) if x < 0 else result


def weighted_median(stake: list[int], score: list[int], minority: int, lo: int, hi: int) -> int:
    """math.rs weighted_median: the deterministic mid-pivot quickselect."""
    idx = list(range(len(stake)))
    for _ in range(len(stake) + 1):
        if not idx:
            return 0
        if len(idx) == 1:
            return score[idx[0]]
        pivot = score[idx[len(idx) // 2]]
        lo_stake = hi_stake = 0
        lower: list[int] = []
        upper: list[int] = []
        for i in idx:
            if score[i] == pivot:
                continue
            if score[i] < pivot:
                lo_stake += stake[i]
                lower.append(i)
            else:
                hi_stake += stake[i]
                upper.append(i)
        if minority < lo + lo_stake and lower:
            idx, hi = lower, lo + lo_stake
        elif hi - hi_stake <= minority and upper:
            idx, lo = upper, hi - hi_stake
        else:
            return pivot
    return 0


def median_cols(stake: list[int], weights: list[list[int]], kappa: int) -> list[int]:
    """weighted_median_col_sparse on a dense matrix of raw values."""
    use = [s for s in stake if s > 0]
    total = sum(use)
    use = [div(s, total) for s in use] if total else use
    total = sum(use)
    rows = [w for s, w in zip(stake, weights, strict=True) if s > 0]
    n_cols = len(weights[0]) if weights else 0
    return [weighted_median(use, [r[j] for r in rows], total - kappa, 0, total) for j in range(n_cols)]
