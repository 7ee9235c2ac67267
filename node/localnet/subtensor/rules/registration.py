"""Registration pricing and pruning: burn decay/bump, network lock cost, which uid to replace.

Follows `subnets/registration.rs` (continuous per-block burn decay with a half-life, x1.26 bump per
registration, clamped to [MinBurn, MaxBurn]), `coinbase/root.rs::get_network_lock_cost` (last lock
doubled, decaying linearly over the reduction interval, floored at the minimum) and
`get_neuron_to_prune` (lowest emission, then oldest registration, then lowest uid; immune uids only
when too few non-immune remain; owner hotkeys never).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from node.localnet.subtensor.rules.fixed import U64_MAX, mul64, to_u64, u64f64

Q32_ONE = 1 << 32
DEFAULT_BURN_HALF_LIFE = 360
DEFAULT_BURN_INCREASE_MULT = 0x1_428F_5C28_F5C2_9000  # U64F64::from_num(1.26): the f64 1.26, exact in 64 frac bits


def mul_by_q32(value: int, factor: int) -> int:
    """value * factor / 2^32, floor, saturating at u64::MAX."""
    return min((value * factor) >> 32, U64_MAX)


def pow_q32(base: int, exp: int) -> int:
    """base^exp in Q32 by squaring, each step floored like the chain."""
    result, factor, power = Q32_ONE, base, exp
    while power > 0:
        if power & 1:
            result = mul_by_q32(result, factor)
        power >>= 1
        if power > 0:
            factor = mul_by_q32(factor, factor)
    return result


def decay_factor_q32(half_life: int) -> int:
    """Largest Q32 f with f^half_life <= 1/2 (binary search, as `decay_factor_q32`)."""
    if half_life == 0:
        return Q32_ONE
    lo, hi = 0, Q32_ONE
    while lo + 1 < hi:
        mid = lo + ((hi - lo) >> 1)
        if pow_q32(mid, half_life) > Q32_ONE >> 1:
            hi = mid
        else:
            lo = mid
    return lo


def decayed_burn(burn: int, half_life: int, min_burn: int, max_burn: int, block: int,
                 factor_q32: int | None = None) -> int:
    """Burn after one block of decay (no decay at blocks <= 1), clamped to [min, max]."""
    new = burn
    if half_life > 0 and block > 1:
        new = mul_by_q32(burn, factor_q32 if factor_q32 is not None else decay_factor_q32(half_life))
    return min(max(new, min_burn), max_burn)


def bumped_burn(burn: int, mult_u64f64: int, min_burn: int, max_burn: int) -> int:
    """Burn right after a registration: burn * max(mult, 1) (floor), clamped to [min, max]."""
    new = to_u64(mul64(u64f64(burn), max(mult_u64f64, u64f64(1))))
    return min(max(new, min_burn), max_burn)


def network_lock_cost(last_lock: int, min_lock: int, last_lock_block: int, current_block: int,
                      reduction_interval: int) -> int:
    """Cost to register a subnet: 2*last_lock (1x before any lock) minus linear decay, >= min_lock."""
    mult = 1 if last_lock_block == 0 else 2
    per_block = last_lock // reduction_interval if reduction_interval else 0
    cost = max(last_lock * mult - per_block * max(current_block - last_lock_block, 0), 0)
    return max(cost, min_lock)


@dataclass(frozen=True)
class PruneCandidate:
    """What pruning looks at for one uid."""

    uid: int
    emission: int
    registered_at: int
    immune: bool
    owner_protected: bool = False


def neuron_to_prune(candidates: Sequence[PruneCandidate], min_non_immune: int) -> int | None:
    """Uid to replace when the subnet is full, or None (chain: `NoNeuronIdAvailable`)."""
    free = [c for c in candidates if not c.owner_protected and not c.immune]
    immune = [c for c in candidates if not c.owner_protected and c.immune]
    if not free and not immune:
        return None

    def key(c: PruneCandidate) -> tuple[int, int, int]:
        return (c.emission, c.registered_at, c.uid)

    if free and len(free) > min_non_immune:
        return min(free, key=key).uid
    return min(immune, key=key).uid if immune else None


def is_immune(block: int, registered_at: int, immunity_period: int) -> bool:
    """A uid is immune while `block - registered_at < immunity_period`."""
    return block - registered_at < immunity_period
