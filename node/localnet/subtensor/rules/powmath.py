"""`pow_ratio_scaled`: floor((num/den)^(e_num/e_den) * scale), as the chain's big-integer math does.

The chain (safe-bigmath 0.4.1) uses an exact integer n-th root when the reduced exponent's
numerator and denominator are both <= 1024, and otherwise a 256/1024-bit fixed-point ln/exp.
We use the same exact path, and for the approximate path Python's `decimal` at 90 significant
digits (~300 bits), then floor. The two agree except when the true value sits within ~1e-70 of an
integer boundary (documented in docs/localnet-rules.md).
"""

from __future__ import annotations

import decimal
from math import gcd

_MAX_EXACT_EXPONENT = 1024
_CTX = decimal.Context(prec=90)


def _iroot_floor(value: int, n: int) -> int:
    """floor(value ** (1/n)) for value >= 0, n >= 1, exactly (integer Newton iteration)."""
    if value < 2 or n == 1:
        return value
    guess = 1 << -(-value.bit_length() // n)  # an upper bound
    while True:
        nxt = ((n - 1) * guess + value // guess ** (n - 1)) // n
        if nxt >= guess:
            break
        guess = nxt
    while guess**n > value:
        guess -= 1
    while (guess + 1) ** n <= value:
        guess += 1
    return guess


def pow_ratio_scaled(num: int, den: int, e_num: int, e_den: int, scale: int) -> int | None:
    """floor((num/den)^(e_num/e_den) * scale); None where the chain returns None (zero divisor)."""
    if den == 0 or e_den == 0:
        return None
    if num == 0:
        return 0
    if num < 0 or den < 0 or scale < 0:
        return None
    if e_num == 0:
        return scale
    g = gcd(e_num, e_den)
    e_num //= g
    e_den //= g
    if e_num <= _MAX_EXACT_EXPONENT and e_den <= _MAX_EXACT_EXPONENT:
        target = num**e_num * scale**e_den // den**e_num
        return _iroot_floor(target, e_den)
    ln_ratio = _CTX.ln(decimal.Decimal(num)) - _CTX.ln(decimal.Decimal(den))
    exponent = _CTX.divide(_CTX.multiply(ln_ratio, decimal.Decimal(e_num)), decimal.Decimal(e_den))
    value = _CTX.multiply(_CTX.exp(exponent), decimal.Decimal(scale))
    return int(value.to_integral_value(rounding=decimal.ROUND_FLOOR))
