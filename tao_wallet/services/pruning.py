"""Which uid a registration replaces, and where a user's own uids stand: the chain's pruning rule, no I/O.

Spec 461's `get_neuron_to_prune` (as the localnet models it): the subnet owner's hotkey is never pruned;
among the other uids, those outside their immunity period go first, lowest emission first, then the
oldest registration, then the lowest uid; immune uids are taken only when no more than
`MinNonImmuneUids` non-immune uids remain. A uid is immune while `block - registered_at < immunity`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class UidPruning:
    """One uid as pruning sees it.

    Attributes:
        rank: position by pruning score among the uids that can be pruned (1 = lowest score: first to go
            once outside immunity); None for the owner's protected hotkey.
        immune_blocks_left: blocks until its immunity ends (0 = not immune).
    """

    uid: int
    hotkey: str
    emission_rao: int
    registered_at: int
    immune: bool
    immune_blocks_left: int
    owner_protected: bool
    rank: int | None


@dataclass(frozen=True)
class PruningView:
    """A subnet's pruning picture at `block` (the block a registration sent now would execute in).

    Attributes:
        next_pruned: the uid registering now replaces (None when the subnet has free uids or no uid can be
            replaced: the chain then refuses with NoNeuronIdAvailable).
        own: the user's hotkeys registered on the subnet.
    """

    netuid: int
    block: int
    uids: int
    max_uids: int
    immunity_period: int
    min_non_immune: int
    full: bool
    next_pruned: UidPruning | None
    own: tuple[UidPruning, ...]
    candidates: int


def rank_uids(hotkeys: Sequence[str], emission: Sequence[int], registered_at: Sequence[int], owner_hotkey: str | None,
              block: int, immunity: int) -> list[UidPruning]:
    """Every uid with its immunity and its rank by pruning score (emission, registration block, uid)."""
    rows = []
    for uid, hotkey in enumerate(hotkeys):
        reg = registered_at[uid] if uid < len(registered_at) else 0
        left = max(immunity - (block - reg), 0)
        rows.append((uid, hotkey, emission[uid] if uid < len(emission) else 0, reg, left))
    order = sorted((r for r in rows if r[1] != owner_hotkey), key=lambda r: (r[2], r[3], r[0]))
    rank = {r[0]: i + 1 for i, r in enumerate(order)}
    return [UidPruning(uid, hk, em, reg, left > 0, left, hk == owner_hotkey, rank.get(uid))
            for uid, hk, em, reg, left in rows]


def next_to_prune(uids: Sequence[UidPruning], min_non_immune: int) -> UidPruning | None:
    """The uid the chain replaces when the subnet is full (None: no uid can be replaced)."""
    def key(u: UidPruning) -> tuple[int, int, int]:
        return (u.emission_rao, u.registered_at, u.uid)

    free = [u for u in uids if not u.owner_protected and not u.immune]
    immune = [u for u in uids if not u.owner_protected and u.immune]
    if free and len(free) > min_non_immune:
        return min(free, key=key)
    return min(immune, key=key) if immune else None
