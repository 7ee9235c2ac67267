"""Transaction mortality (sp_runtime `Era`): a signed extrinsic is valid only for `period` blocks.

Written from the Substrate definition: the period is a power of two in [4, 65536], the phase is the
birth block modulo the period, quantized so that it fits in 12 bits next to the 4-bit period exponent.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Default validity: 64 blocks (about 13 minutes at 12 s blocks) — long enough to confirm, short enough
#: that a transaction lost in a dropped connection cannot surface much later.
DEFAULT_ERA_PERIOD = 64


@dataclass(frozen=True)
class MortalEra:
    """A mortal era anchored at a block number."""

    period: int
    phase: int

    @classmethod
    def at(cls, current_block: int, period: int = DEFAULT_ERA_PERIOD) -> MortalEra:
        """The era starting at (the quantized) `current_block`, valid for about `period` blocks."""
        if current_block < 0:
            raise ValueError("block number must be >= 0")
        calc = 1 << max(period - 1, 1).bit_length()  # next power of two >= period
        calc = min(max(calc, 4), 1 << 16)
        phase = current_block % calc
        quantize = max(calc >> 12, 1)
        return cls(period=calc, phase=phase // quantize * quantize)

    def encode(self) -> bytes:
        """Two bytes, little-endian: low 4 bits = log2(period) - 1, high 12 bits = phase / quantize."""
        quantize = max(self.period >> 12, 1)
        exponent = min(15, max(1, (self.period & -self.period).bit_length() - 2))
        value = exponent | ((self.phase // quantize) << 4)
        return value.to_bytes(2, "little")

    @classmethod
    def decode(cls, data: bytes) -> MortalEra:
        """Inverse of `encode` (2 bytes)."""
        if len(data) != 2:
            raise ValueError("a mortal era is 2 bytes")
        value = int.from_bytes(data, "little")
        period = 2 << (value % (1 << 4))
        quantize = max(period >> 12, 1)
        return cls(period=period, phase=(value >> 4) * quantize)

    def birth(self, current_block: int) -> int:
        """First block of validity for an era created at `current_block` (its hash is signed)."""
        return (max(current_block, self.phase) - self.phase) // self.period * self.period + self.phase

    def death(self, current_block: int) -> int:
        """First block at which the transaction is no longer valid."""
        return self.birth(current_block) + self.period
