"""How ``set_weights`` stores a weight vector: max-upscaled so the row's largest value is 65535."""

from __future__ import annotations

from collections.abc import Sequence

FRAC = 32
U16_MAX = 65535


def _round(raw: int) -> int:
    """substrate-fixed ``round`` (ties away from zero) of a non-negative raw value, to an int."""
    return (raw + (1 << (FRAC - 1))) >> FRAC


def max_upscale_u16(values: Sequence[int]) -> list[int]:
    """``vec_u16_max_upscale_to_u16``: scale u16 weights so the maximum becomes 65535, rounding.

    Raises:
        ValueError: if a value is not a u16.
    """
    if any(not 0 <= v <= U16_MAX for v in values):
        raise ValueError("weights must be u16 values (0..65535)")
    if not values:
        return []
    mx = max(values)
    if mx == 0:
        return [0 for _ in values]
    if mx > 32768:
        factor = (U16_MAX << FRAC) // mx  # fixed(65535).safe_div(fixed(max)), raw
        return [min(_round(v * factor), U16_MAX) for v in values]
    return [min(_round(((v * U16_MAX) << FRAC) // mx), U16_MAX) for v in values]
