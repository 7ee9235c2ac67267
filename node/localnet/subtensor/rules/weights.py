"""`set_weights` validation and the u16 max-upscaling the chain stores weights with.

The checks run in the chain's order (`subnets/weights.rs::internal_set_weights`) so the first
failing rule names the same error as on chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from node.localnet.subtensor.rules.fixed import FRAC32

_ONE = 1 << FRAC32
U16_MAX = 65_535


def _round_half_away(bits: int) -> int:
    """I32F32 `.round()` then to integer (non-negative input): ties away from zero."""
    return (bits + (_ONE >> 1)) >> FRAC32


def max_upscale_to_u16(values: Sequence[int]) -> list[int]:
    """`vec_u16_max_upscale_to_u16`: scale so the largest weight becomes 65535 (I32F32, rounded)."""
    if not values:
        return []
    vec = [v << FRAC32 for v in values]
    top = max(vec)
    u16_max = U16_MAX << FRAC32
    if top == 0:
        return [min((e * u16_max) >> FRAC32 >> FRAC32, U16_MAX) for e in vec]
    if top > (32_768 << FRAC32):
        ratio = (u16_max << FRAC32) // top
        return [min(_round_half_away((e * ratio) >> FRAC32), U16_MAX) for e in vec]
    return [min(_round_half_away((((e * u16_max) >> FRAC32) << FRAC32) // top), U16_MAX) for e in vec]


def check_vec_max_limited(values: Sequence[int], max_limit: int) -> bool:
    """True when the largest normalized weight is <= max_limit/65535 (I32F32 arithmetic)."""
    limit = (max_limit << FRAC32 << FRAC32) // (U16_MAX << FRAC32)
    vec = [v << FRAC32 for v in values]
    total = sum(vec)
    normalized = vec if total == 0 else [(e << FRAC32) // total for e in vec]
    return not normalized or max(normalized) <= limit


@dataclass(frozen=True)
class WeightsContext:
    """Chain state the checks read for one `set_weights` call."""

    netuid: int
    subnetwork_n: int
    caller_uid: int | None
    caller_stake: int
    stake_threshold: int
    network_version_key: int
    last_update: int
    rate_limit: int
    current_block: int
    commit_reveal: bool
    validator_permit: bool
    owner_uid: int | None
    min_allowed_weights: int
    max_weight_limit: int


def _is_self_weight(uid: int, uids: Sequence[int], weights: Sequence[int]) -> bool:
    return len(weights) == 1 and bool(uids) and uids[0] == uid


def check_set_weights(ctx: WeightsContext, uids: Sequence[int], weights: Sequence[int], version_key: int) -> str | None:
    """Return the SubtensorModule error name the chain would raise, or None if the call is valid."""
    if ctx.netuid == 0:
        return "CanNotSetRootNetworkWeights"
    if len(uids) != len(weights):
        return "WeightVecNotEqualSize"
    if len(uids) > ctx.subnetwork_n:
        return "UidsLengthExceedUidsInSubNet"
    if ctx.caller_uid is None:
        return "HotKeyNotRegisteredInSubNet"
    uid = ctx.caller_uid
    is_owner = ctx.owner_uid is not None and ctx.owner_uid == uid
    if not is_owner and ctx.caller_stake < ctx.stake_threshold:
        return "NotEnoughStakeToSetWeights"
    if not (ctx.network_version_key == 0 or version_key >= ctx.network_version_key):
        return "IncorrectWeightVersionKey"
    if not ctx.commit_reveal and ctx.last_update != 0 and ctx.current_block - ctx.last_update < ctx.rate_limit:
        return "SettingWeightsTooFast"
    if not (_is_self_weight(uid, uids, weights) or is_owner or ctx.validator_permit):
        return "NeuronNoValidatorPermit"
    if len(set(uids)) != len(uids):
        return "DuplicateUids"
    if any(u >= ctx.subnetwork_n for u in uids):
        return "UidVecContainInvalidOne"
    min_allowed = min(ctx.subnetwork_n, ctx.min_allowed_weights)
    if not (_is_self_weight(uid, uids, weights) or len(weights) >= min_allowed):
        return "WeightVecLengthIsLow"
    upscaled = max_upscale_to_u16(weights)
    if not (_is_self_weight(uid, uids, weights) or ctx.max_weight_limit == U16_MAX
            or check_vec_max_limited(upscaled, ctx.max_weight_limit)):
        return "MaxWeightExceeded"
    return None
