"""Fixed-point helpers mirroring substrate-fixed's rounding, on plain Python ints.

The chain computes money in `U64F64`/`U96F32`/`I32F32` fixed point. We keep the *raw bits* as ints
so results round exactly like the chain: multiplication floors (product shifted right), division
truncates toward zero, integer conversion floors, and `safe_div` returns 0 on a zero divisor.
"""

from __future__ import annotations

FRAC64 = 64
ONE64 = 1 << FRAC64
U64_MAX = (1 << 64) - 1
U128_MAX = (1 << 128) - 1
PERQUINTILL = 10**18


def u64f64(value: int) -> int:
    """Integer -> U64F64 bits (saturating at the type's max)."""
    return min(max(value, 0) << FRAC64, U128_MAX)


def mul64(a: int, b: int) -> int:
    """U64F64 * U64F64, floor, saturating."""
    return min((a * b) >> FRAC64, U128_MAX)


def div64(a: int, b: int) -> int:
    """U64F64 / U64F64 truncating; 0 when dividing by 0 (substrate `safe_div`)."""
    if b == 0:
        return 0
    return min((a << FRAC64) // b, U128_MAX)


def to_u64(bits: int) -> int:
    """U64F64 -> u64, floor and saturate (`saturating_to_num::<u64>`)."""
    return min(max(bits, 0) >> FRAC64, U64_MAX)


def sub64(a: int, b: int) -> int:
    """Saturating subtraction for unsigned fixed point."""
    return max(a - b, 0)


def perquintill_from_rational(p: int, q: int) -> int:
    """`Perquintill::from_rational(p, q)` parts: floor(p/q * 1e18), capped at 1.0."""
    if q == 0:
        return PERQUINTILL
    return min(p * PERQUINTILL // q, PERQUINTILL)


def rao_price_to_u64f64(price_rao: int) -> int:
    """A TAO-per-alpha price given in rao (1e9 = 1.0) as U64F64 bits (truncating, as the chain)."""
    return div64(u64f64(price_rao), u64f64(10**9))


def u64f64_to_rao_price(bits: int) -> int:
    """U64F64 price -> rao per alpha (floor)."""
    return to_u64(mul64(bits, u64f64(10**9)))

# U96F32 (32 fractional bits): the coinbase's alpha/TAO split type.
FRAC32 = 32
ONE32 = 1 << FRAC32


def u96f32(value: int) -> int:
    """Integer -> U96F32 bits."""
    return max(value, 0) << FRAC32


def mul32(a: int, b: int) -> int:
    """U96F32 * U96F32, floor."""
    return (a * b) >> FRAC32


def div32(a: int, b: int) -> int:
    """U96F32 / U96F32 truncating; 0 on a zero divisor."""
    return 0 if b == 0 else (a << FRAC32) // b


def to_u64_32(bits: int) -> int:
    """U96F32 -> u64 (floor, saturating)."""
    return min(max(bits, 0) >> FRAC32, U64_MAX)


def u64f64_to_u96f32(bits: int) -> int:
    """Narrow U64F64 to U96F32 (drop 32 low bits = floor)."""
    return bits >> 32


def u96f32_to_u64f64(bits: int) -> int:
    """Widen U96F32 to U64F64 (exact)."""
    return min(bits << 32, U128_MAX)
