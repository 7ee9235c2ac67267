"""The two arithmetic back-ends behind one epoch code path.

``Exact`` holds I32F32 raw ``int64`` values and rounds like the chain (node/consensus/fixed.py);
``Fast`` holds ``float64`` real values and does not round at all. The epoch is written once
against this small interface, so both modes share every step and differ only in rounding.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from node.consensus import fixed

Vec = npt.NDArray[Any]


class Exact:
    """Chain-exact I32F32 arithmetic on raw int64."""

    dtype = np.int64
    one: int = fixed.ONE
    half: int = fixed.ONE // 2
    exact = True

    def from_u16(self, x: Vec) -> Vec:
        """u16 value as a fixed-point integer (``u16_to_fixed``)."""
        return np.asarray(x, dtype=np.int64) << fixed.FRAC

    def mul(self, a: Vec, b: Vec) -> Vec:
        """Floor product of non-negative values."""
        return fixed.mul(a, b)

    def mul_signed(self, a: Vec, b: Vec) -> Vec:
        """Floor product of values of any sign."""
        return fixed.mul_signed(a, b)

    def div(self, a: Vec, b: Vec) -> Vec:
        """``safe_div`` of non-negative values."""
        return fixed.div(a, b)

    def scalar_div(self, a: int, b: int) -> int:
        """Signed scalar division of raw values (truncating)."""
        return fixed.scalar_div(a, b)

    def from_int(self, x: int) -> int:
        """An integer as a fixed-point scalar."""
        return x << fixed.FRAC

    def u16_ratio(self, x: int) -> int:
        """``fixed(x) / fixed(65535)``."""
        return fixed.u16_ratio(x)

    def bma_alpha(self, bma: int) -> int:
        """EMA alpha from bonds_moving_average (millionths)."""
        return fixed.bma_alpha(bma)

    def stake_share(self, stake: npt.NDArray[np.uint64], total: npt.NDArray[np.uint64]) -> Vec:
        """I64F64 ``stake / total`` narrowed to I32F32."""
        return fixed.div_int_pow2(stake, total)

    def to_u16(self, x: Vec) -> npt.NDArray[np.uint16]:
        """``fixed_proportion_to_u16``."""
        return fixed.to_u16(x)

    def to_rao(self, x: Vec, rao: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
        """Proportion times rao, floored (per-element rao)."""
        out = np.empty(x.shape, np.uint64)
        for r in np.unique(rao).tolist():
            sel = rao == r
            out[sel] = fixed.to_rao(x[sel], int(r))
        return out

    def exp_safe(self, x: Vec) -> Vec:
        """substrate-fixed ``exp`` on [-20, 20]."""
        return fixed.exp_safe(x)


class Fast:
    """float64 arithmetic with the same formulas and no rounding."""

    dtype = np.float64
    one: float = 1.0
    half: float = 0.5
    exact = False

    def from_u16(self, x: Vec) -> Vec:
        """u16 value as a float."""
        return np.asarray(x, dtype=np.float64)

    def mul(self, a: Vec, b: Vec) -> Vec:
        """Product."""
        return np.multiply(a, b, dtype=np.float64)

    def mul_signed(self, a: Vec, b: Vec) -> Vec:
        """Product."""
        return np.multiply(a, b, dtype=np.float64)

    def div(self, a: Vec, b: Vec) -> Vec:
        """Quotient, 0 where the divisor is 0."""
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
        shape = np.broadcast_shapes(a.shape, b.shape)
        out: Vec = np.divide(a, b, out=np.zeros(shape), where=b != 0)
        return out

    def scalar_div(self, a: float, b: float) -> float:
        """Scalar quotient, 0 for a zero divisor."""
        return 0.0 if b == 0 else a / b

    def from_int(self, x: int) -> float:
        """An integer as a float."""
        return float(x)

    def u16_ratio(self, x: int) -> float:
        """x / 65535."""
        return x / 65535

    def bma_alpha(self, bma: int) -> float:
        """1 - bma / 1e6."""
        return 1.0 - bma / 1_000_000

    def stake_share(self, stake: npt.NDArray[np.uint64], total: npt.NDArray[np.uint64]) -> Vec:
        """stake / total."""
        return self.div(stake.astype(np.float64), total.astype(np.float64))

    def to_u16(self, x: Vec) -> npt.NDArray[np.uint16]:
        """floor(x * 65535), saturated."""
        x = np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)
        return (x * 65535.0).astype(np.uint16)  # non-negative: the cast floors

    def to_rao(self, x: Vec, rao: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
        """floor(x * rao), saturated to u64."""
        v = np.floor(np.maximum(x, 0.0) * rao.astype(np.float64))
        out: npt.NDArray[np.uint64] = np.minimum(v, math.ldexp(1.0, 64) - 4096).astype(np.uint64)
        return out

    def exp_safe(self, x: Vec) -> Vec:
        """exp on [-20, 20]."""
        out: Vec = np.exp(np.clip(x, -20.0, 20.0))
        return out


class Arith(Protocol):
    """What the epoch needs from a back-end (Exact or Fast)."""

    dtype: Any
    one: Any
    half: Any
    exact: bool

    def from_u16(self, x: Any) -> Vec: ...
    def mul(self, a: Any, b: Any) -> Vec: ...
    def mul_signed(self, a: Any, b: Any) -> Vec: ...
    def div(self, a: Any, b: Any) -> Vec: ...
    def scalar_div(self, a: Any, b: Any) -> Any: ...
    def from_int(self, x: int) -> Any: ...
    def u16_ratio(self, x: int) -> Any: ...
    def bma_alpha(self, bma: int) -> Any: ...
    def stake_share(self, stake: npt.NDArray[np.uint64], total: npt.NDArray[np.uint64]) -> Vec: ...
    def to_u16(self, x: Vec) -> npt.NDArray[np.uint16]: ...
    def to_rao(self, x: Vec, rao: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]: ...
    def exp_safe(self, x: Vec) -> Vec: ...


def arith_for(mode: str) -> Arith:
    """The back-end for ``mode`` ("exact" or "fast")."""
    if mode == "exact":
        return Exact()
    if mode == "fast":
        return Fast()
    raise ValueError(f"unknown consensus mode {mode!r}: use 'exact' or 'fast'")
