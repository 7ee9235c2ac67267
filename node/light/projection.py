"""Projections with node.consensus: next epoch's expected earnings and what-if stake moves.

The next epoch is run on the synced state (the last snapshot advanced with ``next_input``: its
stored bonds and permits, the same weights and stake). A position on hotkey h earns, per epoch:

* as the hotkey's owner: its server emission, plus the take on its validator emission, plus its
  pool share of the rest (the pool then includes the incentive and take just staked);
* as a nominator: its pool share of the validator emission after take (delegation share).

Validator emission is the epoch's ``validator_emission`` of the uid. The chain pays the subnet's
pending validator alpha in proportion to it, so this is an estimate (exact only when nothing
else changes before the next epoch).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from node.consensus import EpochOutput, next_input, run_epoch
from node.light.earnings import TAKE_DENOMINATOR, delegation_share
from node.light.snapshot import EpochSnapshot


@dataclass(frozen=True)
class Projection:
    """Expected alpha earnings (rao) of one position in the subnet's next epoch."""

    netuid: int
    hotkey: bytes
    position_alpha: int
    expected_alpha: int
    expected_tao: int
    from_block: int


def _next(snap: EpochSnapshot, extra: dict[int, int] | None = None) -> EpochOutput:
    inp = snap.epoch_input()
    out = run_epoch(inp, "exact")
    nxt = next_input(inp, out)
    if extra:
        stake = nxt.stake.copy()
        for uid, amount in extra.items():
            stake[uid] = np.uint64(min(int(stake[uid]) + amount, (1 << 64) - 1))
        nxt = replace(nxt, stake=stake)
    return run_epoch(nxt, "exact")


def _price(snap: EpochSnapshot) -> int:
    tao, alpha_in = int(snap.context.get("subnet_tao", 0)), int(snap.context.get("subnet_alpha_in", 0))
    return tao * 10**9 // alpha_in if alpha_in else 0


def _share(snap: EpochSnapshot, out: EpochOutput, uid: int, position: int, pool: int, owned: bool) -> int:
    """Expected gain of a position of ``position`` alpha on uid's hotkey whose pool holds ``pool``.

    Follows the coinbase order: incentive, then the take, go to the owner's stake first; the rest of
    the dividends is then shared by the whole pool (which by then includes both).
    """
    take = int(snap.context.get("takes", [0] * snap.n)[uid])
    validator = int(out.validator_emission[uid])
    take_part = validator * take // TAKE_DENOMINATOR
    rest = validator - take_part
    server = int(out.server_emission[uid]) if not _subnet_owners(snap, uid) else 0
    own = server + take_part if owned else 0
    return own + delegation_share(position + own, rest, pool + server + take_part)


def _subnet_owners(snap: EpochSnapshot, uid: int) -> bool:
    """Whether the uid's hotkey belongs to the subnet owner (its miner incentive is burned)."""
    owners = snap.context.get("owners", [])
    if snap.owner_uid is None or uid >= len(owners) or snap.owner_uid >= len(owners):
        return False
    return bool(owners[uid] == owners[snap.owner_uid])


def project_position(snap: EpochSnapshot, coldkey: bytes, hotkey: bytes, position_alpha: int) -> Projection:
    """Expected earnings of (coldkey, hotkey) on the snapshot's subnet next epoch."""
    uid = snap.hotkeys.index(hotkey.hex()) if hotkey.hex() in snap.hotkeys else None
    expected = 0
    if uid is not None:
        owners = snap.context.get("owners", [])
        owned = uid < len(owners) and owners[uid] == coldkey.hex()
        expected = _share(snap, _next(snap), uid, position_alpha, snap.alpha_stake[uid], owned)
    return Projection(snap.netuid, hotkey, position_alpha, expected, expected * _price(snap) // 10**9, snap.block)


def what_if_stake(snap: EpochSnapshot, hotkey: bytes, amount_alpha: int) -> Projection:
    """Expected earnings next epoch of staking ``amount_alpha`` more to ``hotkey`` (a nominator).

    Raises:
        ValueError: the hotkey is not registered on the snapshot's subnet.
    """
    if hotkey.hex() not in snap.hotkeys:
        raise ValueError(f"hotkey 0x{hotkey.hex()[:16]}.. is not registered on subnet {snap.netuid}")
    uid = snap.hotkeys.index(hotkey.hex())
    out = _next(snap, {uid: amount_alpha})
    expected = _share(snap, out, uid, amount_alpha, snap.alpha_stake[uid] + amount_alpha, False)
    return Projection(snap.netuid, hotkey, amount_alpha, expected, expected * _price(snap) // 10**9, snap.block)
