"""One tempo of subnet emission, from alpha_out down to each staking position's earnings.

Follows ``coinbase/run_coinbase.rs`` (``emit_to_subnets`` for the per-block split,
``distribute_emission`` / ``calculate_dividend_distribution`` /
``distribute_dividends_and_incentives`` for the epoch payout). Amounts are int rao; the chain's
U96F32 values are emulated with Python ints holding ``x * 2**32`` (mul floors, div truncates).
What is modelled and what is not is listed in docs/consensus.md §Emission.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from node.consensus.driver import run_epoch
from node.consensus.types import ConsensusInputError, EpochInput, EpochOutput, Mode

FRAC = 32
U16_MAX = 65535
DEFAULT_OWNER_CUT = 11_796  # SubnetOwnerCut default: 18%
DEFAULT_TAKE = 11_796  # delegate take default: 18%


def _ratio(x: int) -> int:
    """U96F32 ``from(x) / from(65535)`` as a raw value."""
    return (x << FRAC) // U16_MAX


def _fixed(x: float) -> int:
    """``U96F32::from_num(x)`` for a float in [0, 1] (round to nearest)."""
    return round(x * (1 << FRAC))


def _mul(a: int, b: int) -> int:
    return (a * b) >> FRAC


def _div(a: int, b: int) -> int:
    return 0 if b == 0 else (a << FRAC) // b


@dataclass(frozen=True)
class Neuron:
    """A registered hotkey as the payout sees it."""

    uid: int
    hotkey: str
    owner_coldkey: str
    take: int = DEFAULT_TAKE
    """Delegate take, u16 (65535 = 100%)."""
    root_stake: int = 0
    """The hotkey's TAO on root (rao); with tao_weight > 0 it draws root dividends."""


@dataclass(frozen=True)
class Position:
    """Alpha a coldkey holds on a hotkey in this subnet (rao)."""

    coldkey: str
    hotkey: str
    alpha: int


@dataclass(frozen=True)
class TempoParams:
    """Subnet-level inputs of one tempo's payout."""

    alpha_out_per_block: int
    """Alpha emitted to participants per block (``alpha_out``), rao."""
    blocks: int
    """Blocks accumulated since the last epoch (usually tempo + 1)."""
    owner_cut: int = DEFAULT_OWNER_CUT
    owner_cut_enabled: bool = True
    owner_coldkey: str | None = None
    owner_hotkey: str | None = None
    owner_hotkeys: frozenset[str] = frozenset()
    """Hotkeys of the owner coldkey registered here: their miner incentive is burned/recycled."""
    root_proportion: float = 0.0
    """``root_proportion(netuid)``: share of validator alpha sold for root dividends."""
    root_sell: bool = True
    tao_weight: float = 0.0


@dataclass(frozen=True)
class EmissionSplit:
    """Where one tempo's alpha went."""

    epoch: EpochOutput
    owner_cut: int
    pending_server: int
    pending_validator: int
    pending_root: int
    recycled_root: int
    incentive: dict[str, int]
    """Miner incentive paid per hotkey (to its owner coldkey)."""
    incentive_burned: dict[str, int]
    """Incentive of owner hotkeys, burned or recycled instead of paid."""
    alpha_dividends: dict[str, int]
    """Validator dividends per hotkey before take."""
    validator_take: dict[str, int]
    nominator_pool: dict[str, int]
    """Dividends after take, added to the hotkey's stake pool (shared by all its stakers)."""
    root_dividends: dict[str, int]
    """Root alpha dividends per hotkey after take (claimable by root stakers; not split here)."""
    coldkey_earnings: dict[str, int] = field(default_factory=dict)
    position_earnings: dict[tuple[str, str], int] = field(default_factory=dict)


def pending_for_tempo(p: TempoParams) -> tuple[int, int, int, int]:
    """(server, validator, root, owner_cut) pending alpha after ``p.blocks`` blocks (``emit_to_subnets``)."""
    alpha = p.alpha_out_per_block << FRAC
    cut = 0
    if p.owner_cut_enabled:
        cut_raw = _mul(alpha, _ratio(p.owner_cut))
        alpha -= cut_raw
        cut = cut_raw >> FRAC
    root_raw = _mul(_mul(_fixed(p.root_proportion), alpha), 1 << (FRAC - 1))
    server_raw = _mul(alpha, 1 << (FRAC - 1))
    validator_raw = alpha - server_raw - root_raw
    per_block = (server_raw >> FRAC, validator_raw >> FRAC, root_raw >> FRAC, cut)
    return tuple(x * p.blocks for x in per_block)  # type: ignore[return-value]


def distribute_emission(
    inp: EpochInput, neurons: Sequence[Neuron], positions: Sequence[Position], params: TempoParams,
    mode: Mode = "exact",
) -> EmissionSplit:
    """Run the tempo's epoch and pay it out down to every staking position.

    Args:
        inp: epoch input; its ``rao_emission`` is replaced by the pending alpha of the tempo.
        neurons: one entry per uid (hotkey, owner coldkey, take, root stake).
        positions: every coldkey's alpha on each hotkey (including owners' own stake).
        params: tempo emission parameters.
        mode: epoch arithmetic ("exact" for chain-identical numbers).

    Raises:
        ConsensusInputError: if neurons do not cover the uids or a position's hotkey is unknown.
    """
    if sorted(nr.uid for nr in neurons) != list(range(inp.n)):
        raise ConsensusInputError("neurons must list each uid 0..n-1 exactly once")
    by_hotkey = {nr.hotkey: nr for nr in neurons}
    if len(by_hotkey) != len(neurons):
        raise ConsensusInputError("two uids share a hotkey")
    for pos in positions:
        if pos.hotkey not in by_hotkey or pos.alpha < 0:
            raise ConsensusInputError(f"position on unknown hotkey {pos.hotkey!r} or negative alpha")
    server, validator, root, cut = pending_for_tempo(params)
    recycled = 0 if params.root_sell else root
    root = root if params.root_sell else 0
    out = run_epoch(dataclasses.replace(inp, rao_emission=server + validator + root), mode)
    ordered = sorted(neurons, key=lambda nr: nr.uid)
    incentives = {nr.hotkey: int(out.server_emission[nr.uid]) for nr in ordered}
    dividends = {nr.hotkey: int(out.validator_emission[nr.uid]) for nr in ordered}
    validator_alpha = validator if sum(incentives.values()) else validator + server
    alpha_stake = _alpha_by_hotkey(positions)
    alpha_divs, root_divs = _split_root(dividends, alpha_stake, by_hotkey, params.tao_weight)
    alpha_pay = _pro_rata(alpha_divs, validator_alpha)
    root_pay = _pro_rata(root_divs, root)
    # get_owner_hotkeys: the owner coldkey's registered hotkeys plus SubnetOwnerHotkey.
    burned_keys = set(params.owner_hotkeys) | ({params.owner_hotkey} if params.owner_hotkey else set())
    burned_keys |= {nr.hotkey for nr in neurons if params.owner_coldkey and nr.owner_coldkey == params.owner_coldkey}
    split = EmissionSplit(
        epoch=out, owner_cut=cut, pending_server=server, pending_validator=validator, pending_root=root,
        recycled_root=recycled,
        incentive={h: v for h, v in incentives.items() if h not in burned_keys},
        incentive_burned={h: v for h, v in incentives.items() if h in burned_keys},
        alpha_dividends={h: v >> FRAC for h, v in alpha_pay.items()},
        validator_take={}, nominator_pool={}, root_dividends={},
    )
    for hotkey, raw in alpha_pay.items():
        take = _mul(_ratio(by_hotkey[hotkey].take), raw)
        split.validator_take[hotkey] = take >> FRAC
        split.nominator_pool[hotkey] = (raw - take) >> FRAC
    for hotkey, raw in root_pay.items():
        take = _mul(_ratio(by_hotkey[hotkey].take), raw)
        split.validator_take[hotkey] = split.validator_take.get(hotkey, 0) + (take >> FRAC)
        split.root_dividends[hotkey] = (raw - take) >> FRAC
    _earnings(split, by_hotkey, positions, alpha_stake, params)
    return split


def _alpha_by_hotkey(positions: Sequence[Position]) -> dict[str, int]:
    total: dict[str, int] = {}
    for pos in positions:
        total[pos.hotkey] = total.get(pos.hotkey, 0) + pos.alpha
    return total


def _split_root(
    dividends: Mapping[str, int], alpha_stake: Mapping[str, int], by_hotkey: Mapping[str, Neuron],
    tao_weight: float,
) -> tuple[dict[str, int], dict[str, int]]:
    """``calculate_dividend_distribution``: each hotkey's dividend split into alpha and root parts (raw)."""
    weight = _fixed(tao_weight)
    alpha_divs: dict[str, int] = {}
    root_divs: dict[str, int] = {}
    for hotkey, div in dividends.items():
        d = div << FRAC
        root_alpha = _mul(by_hotkey[hotkey].root_stake << FRAC, weight)
        total = (alpha_stake.get(hotkey, 0) << FRAC) + root_alpha
        root_part = _mul(d, _div(root_alpha, total))
        alpha_divs[hotkey] = d - root_part
        root_divs[hotkey] = root_part
    return alpha_divs, root_divs


def _pro_rata(parts: Mapping[str, int], pending: int) -> dict[str, int]:
    """Share ``pending`` rao by each hotkey's part of the total (U96F32 raw results)."""
    total = sum(parts.values())
    return {h: _mul(pending << FRAC, _div(v, total)) for h, v in parts.items()}


def _earnings(split: EmissionSplit, by_hotkey: Mapping[str, Neuron], positions: Sequence[Position],
              alpha_stake: Mapping[str, int], params: TempoParams) -> None:
    """Per-position and per-coldkey earnings; a pool increase is shared pro rata to stake."""
    pos_earn: dict[tuple[str, str], int] = {}
    for pos in positions:
        pool = split.nominator_pool.get(pos.hotkey, 0)
        total = alpha_stake.get(pos.hotkey, 0)
        share = pool * pos.alpha // total if total else 0
        pos_earn[(pos.coldkey, pos.hotkey)] = pos_earn.get((pos.coldkey, pos.hotkey), 0) + share
    cold: dict[str, int] = {}
    for (coldkey, _), v in pos_earn.items():
        cold[coldkey] = cold.get(coldkey, 0) + v
    for hotkey, v in list(split.incentive.items()) + list(split.validator_take.items()):
        owner = by_hotkey[hotkey].owner_coldkey
        cold[owner] = cold.get(owner, 0) + v
        pos_earn[(owner, hotkey)] = pos_earn.get((owner, hotkey), 0) + v
    if params.owner_coldkey is not None and params.owner_hotkey is not None and split.owner_cut:
        key = (params.owner_coldkey, params.owner_hotkey)
        cold[params.owner_coldkey] = cold.get(params.owner_coldkey, 0) + split.owner_cut
        pos_earn[key] = pos_earn.get(key, 0) + split.owner_cut
    split.coldkey_earnings.update(cold)
    split.position_earnings.update(pos_earn)
