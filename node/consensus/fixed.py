"""Vectorised I32F32 fixed-point arithmetic, rounding exactly like `substrate-fixed`.

Values are held as raw ``int64`` (the integer ``x * 2**32``). The chain's rules (see
docs/consensus.md §Numerics): multiplication floors, division truncates toward zero,
``safe_div`` returns 0 on a zero divisor or an overflow, narrowing floors. numpy has no
128-bit integers, so wide products and quotients are split into 32-bit halves on ``uint64``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

FRAC = 32
ONE = 1 << FRAC
MASK32 = ONE - 1
U16_MAX = 65535
I64_MAX = (1 << 63) - 1
# substrate-fixed holds e as I9F23 (floor) and widens it exactly.
E_RAW = math.floor(math.e * (1 << 23)) << 9

IntArray = npt.NDArray[np.int64]
UIntArray = npt.NDArray[np.uint64]


def _max(x: npt.NDArray[np.generic]) -> int:
    """Python-int maximum of an array (0 for an empty one)."""
    return int(x.max()) if x.size else 0


CHUNK = 1 << 15


def _chunked(fn: Callable[[IntArray, IntArray], IntArray], a: IntArray, b: IntArray) -> IntArray | None:
    """Run an element-wise ``fn`` in cache-sized blocks (3-4x faster on arrays of millions)."""
    if a.ndim != 1 or a.shape[0] <= 2 * CHUNK:
        return None
    if b.shape != a.shape:
        a, b = np.broadcast_arrays(a, b)
    out = np.empty(a.shape, np.int64)
    for i in range(0, a.shape[0], CHUNK):
        out[i:i + CHUNK] = fn(a[i:i + CHUNK], b[i:i + CHUNK])
    return out


def mul(a: IntArray, b: IntArray) -> IntArray:
    """``floor(a*b / 2**32)`` for non-negative raw values (I32F32 ``saturating_mul``)."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    big = _chunked(mul, a, b)
    if big is not None:
        return big
    amax, bmax = _max(a), _max(b)
    if amax * bmax < (1 << 64):
        prod = a.view(np.uint64) * b.view(np.uint64)
        return (prod >> np.uint64(FRAC)).view(np.int64)
    ua, ub = a.view(np.uint64), b.view(np.uint64)
    s = np.uint64(FRAC)
    m = np.uint64(MASK32)
    ah, al, bh, bl = ua >> s, ua & m, ub >> s, ub & m
    out = ((ah * bh) << s) + ah * bl + al * bh + ((al * bl) >> s)
    return out.view(np.int64)


def mul_signed(a: IntArray, b: IntArray) -> IntArray:
    """``floor(a*b / 2**32)`` for raw values of any sign (floor toward -inf, like the chain)."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    big = _chunked(mul_signed, a, b)
    if big is not None:
        return big
    neg = (a < 0) ^ (b < 0)
    ma, mb = np.abs(a), np.abs(b)
    mag = mul(ma, mb)
    low = (ma.astype(np.uint64) & np.uint64(MASK32)) * (mb.astype(np.uint64) & np.uint64(MASK32))
    inexact = (low & np.uint64(MASK32)) != 0
    return np.where(neg, -(mag + inexact.astype(np.int64)), mag)


def div(a: IntArray, b: IntArray) -> IntArray:
    """I32F32 ``safe_div`` for non-negative raw values: ``trunc(a * 2**32 / b)``, 0 if b == 0 or overflow.

    A float64 estimate of the quotient is off by a few units at most; the exact remainder
    ``a*2**32 - q*b`` is then small, so it is computed modulo 2**64, read back as a signed
    int64, and ``q += floor(remainder / b)`` makes the quotient exact.
    """
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    big = _chunked(div, a, b)
    if big is not None:
        return big
    if a.shape != b.shape:
        a, b = np.broadcast_arrays(a, b)
    if a.size == 0:
        return np.zeros(a.shape, np.int64)
    if int(b.max()) >= 1 << 61 or int(a.min()) < 0:
        return _div_long(a, b)
    bs = np.maximum(b, 1)
    qf = a.astype(np.float64) * float(ONE) / bs  # positive, so the int cast floors
    if float(qf.max()) >= float(1 << 62):
        return _div_long(a, b)
    q = qf.astype(np.int64)
    ub = bs.view(np.uint64)
    r = (a.view(np.uint64) << np.uint64(FRAC)) - q.view(np.uint64) * ub
    bad = r >= ub  # a negative remainder wraps to a huge unsigned value
    if bad.any():  # the estimate missed by a few units: one floor division of the remainder fixes it
        q[bad] += r[bad].view(np.int64) // bs[bad]
    zero = b == 0
    if zero.any():
        q[zero] = 0
    return q


def _div_long(a: IntArray, b: IntArray) -> IntArray:
    """Reference long division for ``div`` (any int64 a, b; truncation toward zero)."""
    zero = b == 0
    neg = (a < 0) ^ (b < 0)
    ma = np.abs(a)
    bs = np.where(zero, 1, np.abs(b))
    q0 = ma // bs
    r = (ma - q0 * bs).astype(np.uint64)
    ubs = bs.astype(np.uint64)
    overflow = q0 >= (1 << 31)
    q = (q0 & 0xFFFFFFFF).astype(np.uint64)
    chunk = 64 - _max(bs).bit_length()
    remaining = FRAC
    while remaining:
        step = max(1, min(chunk, remaining))
        sh = np.uint64(step)
        r = r << sh
        digit = r // ubs
        r = r - digit * ubs
        q = (q << sh) + digit
        remaining -= step
    out = q.astype(np.int64)
    out = np.where(neg, -out, out)
    return np.where(zero | overflow, 0, out)


def div_int_pow2(num: npt.NDArray[np.uint64], den: npt.NDArray[np.uint64]) -> IntArray:
    """``floor(num * 2**32 / den)`` for u64 ``num <= den`` (I64F64 stake share narrowed to I32F32)."""
    num = np.asarray(num, dtype=np.uint64)
    den = np.asarray(den, dtype=np.uint64)
    zero = den == 0
    dens = np.where(zero, np.uint64(1), den)
    q = num // dens
    r = num - q * dens
    chunk = 64 - _max(dens).bit_length()
    remaining = FRAC
    while remaining:
        step = max(1, min(chunk, remaining))
        sh = np.uint64(step)
        r = r << sh
        digit = r // dens
        r = r - digit * dens
        q = (q << sh) + digit
        remaining -= step
    return np.where(zero, 0, q.astype(np.int64))


def scalar_div(a: int, b: int) -> int:
    """Signed scalar ``safe_div`` (truncating toward zero), 0 for b == 0."""
    if b == 0:
        return 0
    num = a << FRAC
    q = abs(num) // abs(b)
    return q if (num >= 0) == (b > 0) else -q


def u16_ratio(x: int) -> int:
    """``fixed(x) / fixed(65535)``: how kappa, bonds_penalty and alpha_low/high enter the epoch."""
    return (x << FRAC) // U16_MAX


def bma_alpha(bonds_moving_average: int) -> int:
    """``1 - I32F32(I64F64(bma) / 1e6)``; floor of the floor equals one floor of the exact ratio."""
    ratio = (bonds_moving_average << FRAC) // 1_000_000
    return max(ONE - ratio, -(1 << 63))


def to_u16(x: IntArray) -> npt.NDArray[np.uint16]:
    """``fixed_proportion_to_u16``: ``floor(x * 65535)`` saturated to [0, 65535]."""
    x = np.minimum(np.asarray(x, dtype=np.int64), ONE)
    if x.size and int(x.min()) < 0:
        x = np.maximum(x, 0)
    out: npt.NDArray[np.uint16] = ((x * U16_MAX) >> FRAC).astype(np.uint16)
    return out


def to_rao(x: IntArray, rao: int) -> npt.NDArray[np.uint64]:
    """``floor(I96F32(x) * rao)`` saturated to u64; x is a non-negative proportion."""
    x = np.maximum(np.asarray(x, dtype=np.int64), 0).view(np.uint64)
    hi, lo = rao >> FRAC, rao & MASK32
    part = (x * np.uint64(lo)) >> np.uint64(FRAC)
    if hi == 0:
        return part.astype(np.uint64)
    if _max(x) * hi >= (1 << 64):
        vals = [min((int(v) * rao) >> FRAC, (1 << 64) - 1) for v in x.tolist()]
        return np.asarray(vals, dtype=np.uint64)
    return (x * np.uint64(hi) + part).astype(np.uint64)


def _recip(den: UIntArray) -> IntArray:
    """``1 / den`` as I32F32 (``(2**64) // den``) for den > 0 raw values."""
    full = np.uint64((1 << 64) - 1)
    q = full // den
    rem = full - q * den
    q = q + (rem + np.uint64(1) == den).astype(np.uint64)
    return np.where(q > np.uint64(I64_MAX), 0, q).astype(np.int64)


def exp_safe(x: IntArray) -> IntArray:
    """``exp_safe``: clamp to [-20, 20], then substrate-fixed's 30-term Taylor ``exp``."""
    x = np.clip(np.asarray(x, dtype=np.int64), -20 * ONE, 20 * ONE)
    neg = x < 0
    op = np.abs(x)
    result = op + ONE
    term = op.copy()
    for i in range(2, FRAC):
        term = mul(term, op) // i
        result = result + term
    result = np.where(op == 0, ONE, result)
    inv = _recip(result.astype(np.uint64))
    out = np.where(neg, inv, result)
    return np.where(x == ONE, E_RAW, out)
