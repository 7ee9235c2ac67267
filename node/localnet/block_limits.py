"""Block weight and length limits from the metadata (frame_system's BlockWeights / BlockLength constants).

The block builder fills a block the way frame_system's CheckWeight extension allows: each dispatch class
(normal, operational, mandatory) has a cap on its total weight (``max_total``; normal gets 75% of the
block on subtensor), a cap per extrinsic (``max_extrinsic``), and may only push the whole block past
``max_block`` up to its ``reserved`` share (normal has none). Every extrinsic costs its call weight plus
the class's ``base_extrinsic``; the block starts at ``base_block`` (mandatory). Lengths count the encoded
extrinsics of the whole block against the class's ``BlockLength.max``. Only ``ref_time`` is modelled:
the localnet's call weights declare no proof size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from node.localnet.metadata import RuntimeMetadata
from node.localnet.validity import InvalidTransaction

__all__ = ["BlockBudget", "BlockLimits", "ClassLimits"]


def _ref_time(weight: Any) -> int | None:
    return None if weight is None else int(weight["ref_time"])


@dataclass(frozen=True)
class ClassLimits:
    """Limits of one dispatch class (weights in picoseconds of ref_time, length in bytes)."""

    base_extrinsic: int
    max_extrinsic: int | None
    max_total: int | None
    reserved: int | None
    max_length: int


@dataclass(frozen=True)
class BlockLimits:
    """The runtime's block limits, read from System.BlockWeights and System.BlockLength."""

    base_block: int
    max_block: int
    per_class: dict[str, ClassLimits]

    @classmethod
    def from_metadata(cls, md: RuntimeMetadata) -> BlockLimits:
        """Read the limits from the metadata's constants."""
        weights = md.constant("System", "BlockWeights")
        lengths = md.constant("System", "BlockLength")["max"]
        per_class = {
            name: ClassLimits(
                base_extrinsic=int(v["base_extrinsic"]["ref_time"]),
                max_extrinsic=_ref_time(v["max_extrinsic"]),
                max_total=_ref_time(v["max_total"]),
                reserved=_ref_time(v["reserved"]),
                max_length=int(lengths[name]),
            )
            for name, v in weights["per_class"].items()
        }
        return cls(int(weights["base_block"]["ref_time"]), int(weights["max_block"]["ref_time"]), per_class)

    def extrinsic_weight(self, dispatch_class: str, call_ref_time: int) -> int:
        """Weight an extrinsic adds to its class: its call weight plus the class's base_extrinsic."""
        return call_ref_time + self.per_class[dispatch_class].base_extrinsic

    def check_fits_empty_block(self, dispatch_class: str, weight: int, length: int) -> None:
        """Reject (at submission) a transaction that could not go into any block.

        Raises:
            InvalidTransaction: 1010 ExhaustsResources ("Transaction would exhaust the block limits").
        """
        limits = self.per_class[dispatch_class]
        caps = [c for c in (limits.max_extrinsic, limits.max_total) if c is not None]
        if any(weight > c for c in caps) or length > limits.max_length:
            raise InvalidTransaction.invalid("ExhaustsResources")


@dataclass
class BlockBudget:
    """Weight and length used so far by the block being built."""

    limits: BlockLimits
    weights: dict[str, int] = field(default_factory=dict)
    length: int = 0

    def __post_init__(self) -> None:
        for name in self.limits.per_class:
            self.weights.setdefault(name, 0)
        self.weights["mandatory"] = self.weights.get("mandatory", 0) + self.limits.base_block

    def add_unchecked(self, dispatch_class: str, weight: int, length: int) -> None:
        """Account for something that goes in regardless (inherents)."""
        self.weights[dispatch_class] = self.weights.get(dispatch_class, 0) + weight
        self.length += length

    def try_add(self, dispatch_class: str, weight: int, length: int) -> bool:
        """Account for an extrinsic if it fits the block (CheckWeight's rules); False leaves nothing changed."""
        limits = self.limits.per_class[dispatch_class]
        if self.length + length > limits.max_length:
            return False
        class_total = self.weights.get(dispatch_class, 0) + weight
        if limits.max_extrinsic is not None and weight > limits.max_extrinsic:
            return False
        if limits.max_total is not None and class_total > limits.max_total:
            return False
        over_block = sum(self.weights.values()) + weight > self.limits.max_block
        if over_block and limits.reserved is not None and class_total > limits.reserved:
            return False  # past max_block only within the class's reserved share (normal: none)
        self.weights[dispatch_class] = class_total
        self.length += length
        return True
