"""TAO block emission, its split across subnets, and each subnet's per-block alpha terms.

Follows `coinbase/block_emission.rs`, `subnet_emissions.rs` and `run_coinbase.rs`: emission halves
each time issuance crosses 1/2, 3/4, 7/8 ... of the 21M supply; subnets share it by their EMA price
(weighted by 1 - MinerBurned); each subnet injects TAO and alpha into its pool (capped by its root
proportion, the excess TAO buying alpha) and mints alpha for owner/miners/validators.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from node.localnet.subtensor.rules.fixed import (
    ONE32,
    ONE64,
    div32,
    div64,
    mul32,
    mul64,
    to_u64_32,
    u64f64,
    u64f64_to_u96f32,
    u96f32,
)

TOTAL_SUPPLY = 21_000_000_000_000_000
DEFAULT_BLOCK_EMISSION = 1_000_000_000


def block_emission_for_issuance(issuance: int, *, total_supply: int = TOTAL_SUPPLY,
                                default_emission: int = DEFAULT_BLOCK_EMISSION) -> int:
    """Rao minted per block at `issuance`: default / 2^floor(log2(1 / (1 - issuance/21M))).

    The chain evaluates the log in I96F32; we use exact integers (identical except within one
    rao-fraction of a halving boundary).
    """
    if issuance >= total_supply:
        return 0
    half = 2 * 10_500_000_000_000_000
    remaining = half - issuance
    halvings = 0
    while remaining << (halvings + 1) <= half:
        halvings += 1
    return default_emission >> halvings


def subnet_shares(moving_prices: Mapping[int, int], miner_burned: Mapping[int, int]) -> dict[int, int]:
    """Emission share per subnet (U64F64): EMA price share weighted by (1 - MinerBurned), renormalized.

    Args:
        moving_prices: netuid -> SubnetMovingPrice as U64F64 bits.
        miner_burned: netuid -> MinerBurned as U64F64 bits (missing = 0).
    """
    total = sum(moving_prices.values())
    price_shares = {n: div64(p, total) for n, p in moving_prices.items()}
    weighted = {n: mul64(s, ONE64 - min(miner_burned.get(n, 0), ONE64)) for n, s in price_shares.items()}
    total_w = sum(weighted.values())
    if total_w > 0:
        return {n: div64(w, total_w) for n, w in weighted.items()}
    return price_shares


def subnet_block_emissions(shares: Mapping[int, int], block_emission: int,
                           enabled: Mapping[int, bool]) -> dict[int, int]:
    """Per-subnet TAO emission (U96F32) from shares; emission-disabled subnets' shares are redistributed."""
    has_disabled = any(not enabled.get(n, True) for n in shares)
    enabled_sum = sum(s for n, s in shares.items() if enabled.get(n, True))
    out: dict[int, int] = {}
    for n, s in shares.items():
        if has_disabled:
            s = div64(s, enabled_sum) if enabled.get(n, True) and enabled_sum > 0 else 0
        out[n] = u64f64_to_u96f32(mul64(u64f64(block_emission), s))
    return out


def updated_moving_price(old: int, price: int, moving_alpha: int, blocks_since_start: int, halving: int) -> int:
    """New SubnetMovingPrice (U64F64): EMA toward min(price, 1) with alpha = a * b/(b + h)."""
    b = u64f64(blocks_since_start)
    alpha = mul64(moving_alpha, div64(b, b + u64f64(halving)))
    current = mul64(alpha, min(price, ONE64))
    return current + mul64(ONE64 - alpha, old)


def root_proportion(alpha_issuance: int, root_tao: int, tao_weight: int) -> int:
    """U96F32 root proportion: tao_weight*root_tao / (tao_weight*root_tao + alpha_issuance).

    `tao_weight` is the TaoWeight storage value (u64, 1.0 == u64::MAX).
    """
    tw = div32(u96f32(tao_weight), u96f32((1 << 64) - 1))
    weighted = mul32(u96f32(root_tao), tw)
    return div32(weighted, weighted + u96f32(alpha_issuance))


@dataclass(frozen=True)
class SubnetTerms:
    """One subnet's per-block emission terms (U96F32 bits except alpha_out which is minted floor)."""

    tao_in: int
    alpha_in: int
    alpha_out: int
    excess_tao: int


def subnet_terms(tao_emission: int, alpha_emission: int, price: int, root_prop: int) -> SubnetTerms:
    """TAO/alpha injected into the pool, alpha minted for participants, excess TAO to buy alpha.

    Args:
        tao_emission: the subnet's TAO emission this block (U96F32 bits).
        alpha_emission: block emission for the subnet's alpha issuance (rao).
        price: current pool price (U64F64 bits).
        root_prop: root proportion (U96F32 bits).
    """
    price32 = u64f64_to_u96f32(price)
    tao_in = tao_emission
    alpha_in = div32(tao_emission, price32) if price32 else 0
    cap = mul32(root_prop, u96f32(alpha_emission))
    if alpha_in > cap:
        alpha_in = cap
        tao_in = mul32(alpha_in, price32)
    return SubnetTerms(tao_in, alpha_in, u96f32(alpha_emission), max(tao_emission - tao_in, 0))


@dataclass(frozen=True)
class AlphaSplit:
    """Pending amounts (rao) accumulated from one block's alpha_out."""

    owner_cut: int
    server: int
    validator: int
    root: int


def split_alpha_out(alpha_out: int, owner_cut_u16: int, root_prop: int, owner_cut_enabled: bool = True) -> AlphaSplit:
    """Owner cut (SubnetOwnerCut/65535, 18% default), then 50% miners, rest validators minus root's part."""
    cut_percent = div32(u96f32(owner_cut_u16), u96f32(65_535))
    owner_cut = mul32(alpha_out, cut_percent) if owner_cut_enabled else 0
    remaining = alpha_out - owner_cut
    root_alpha = mul32(mul32(root_prop, remaining), ONE32 // 2)
    server = mul32(remaining, ONE32 // 2)
    validator = max(remaining - server - root_alpha, 0)
    return AlphaSplit(to_u64_32(owner_cut), to_u64_32(server), to_u64_32(validator), to_u64_32(root_alpha))
