"""Epoch snapshots: what one subnet epoch consumed and produced, stored compactly, and its audit.

A snapshot holds the inputs as read from the parent block's verified state (the epoch runs at the
start of its block, before any extrinsic) and the outputs as stored in the epoch block's state.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from node.consensus import EpochInput, EpochOutput, Hyperparameters, SparseRows

Rows = list[list[tuple[int, int]]]


@dataclass(frozen=True)
class EpochSnapshot:
    """One subnet epoch (plain ints/bools so it round-trips through JSON)."""

    netuid: int
    block: int
    hotkeys: list[str]
    last_update: list[int]
    block_at_registration: list[int]
    stake: list[int]
    alpha_stake: list[int]
    root_stake: list[int]
    validator_permit: list[bool]
    weights: Rows
    bonds: Rows
    hyper: dict[str, Any]
    owner_uid: int | None
    last_mechanism_step_block: int
    rao_emission: int
    outputs: dict[str, Any] = field(default_factory=dict)
    """Chain-stored outputs: active, emission, consensus, incentive, dividends, validator_trust,
    stake_weight, validator_permit (lists by uid) and bonds (rows)."""
    context: dict[str, Any] = field(default_factory=dict)
    """Extra chain values of the epoch (prices, pending emission parts, takes) for earnings."""

    @property
    def n(self) -> int:
        """SubnetworkN."""
        return len(self.hotkeys)

    def to_blob(self) -> bytes:
        """zlib-compressed JSON."""
        return zlib.compress(json.dumps(asdict(self), separators=(",", ":")).encode(), 6)

    @staticmethod
    def from_blob(blob: bytes) -> EpochSnapshot:
        """Inverse of ``to_blob``."""
        d = json.loads(zlib.decompress(blob))
        d["weights"] = [[(int(a), int(b)) for a, b in r] for r in d["weights"]]
        d["bonds"] = [[(int(a), int(b)) for a, b in r] for r in d["bonds"]]
        return EpochSnapshot(**d)

    def epoch_input(self) -> EpochInput:
        """The node.consensus input of this epoch."""
        n = self.n
        return EpochInput(
            current_block=self.block,
            last_update=np.array(self.last_update, dtype=np.uint64),
            block_at_registration=np.array(self.block_at_registration, dtype=np.uint64),
            stake=np.array(self.stake, dtype=np.uint64),
            validator_permit=np.array(self.validator_permit, dtype=bool),
            weights=SparseRows.from_rows(self.weights) if n else SparseRows.empty(0),
            bonds=SparseRows.from_rows(self.bonds) if n else SparseRows.empty(0),
            hyper=Hyperparameters(**self.hyper),
            owner_uid=self.owner_uid,
            last_mechanism_step_block=self.last_mechanism_step_block,
            rao_emission=self.rao_emission,
        )


VECTOR_FIELDS = ("active", "emission", "consensus", "incentive", "dividends", "validator_trust",
                 "stake_weight", "validator_permit")


@dataclass(frozen=True)
class AuditResult:
    """Comparison of a local recomputation with the chain's stored outputs."""

    netuid: int
    block: int
    uids: int
    fields: int
    mismatches: list[tuple[str, int, str, str]]
    """(field, uid, chain value, local value) for every differing cell."""


def audit(snap: EpochSnapshot, out: EpochOutput) -> AuditResult:
    """Compare every output field per uid (bonds per row) with what the chain stored."""
    bad: list[tuple[str, int, str, str]] = []
    n = snap.n
    for name in VECTOR_FIELDS:
        local = [v.item() if hasattr(v, "item") else v for v in getattr(out, name)]
        chain = list(snap.outputs.get(name, []))
        chain = chain[:n] + [None] * (n - len(chain[:n]))
        for uid in range(n):
            if chain[uid] != local[uid]:
                bad.append((name, uid, json.dumps(chain[uid]), json.dumps(local[uid])))
    chain_bonds = snap.outputs.get("bonds", [[] for _ in range(n)])
    for uid in range(n):
        local_row = out.bonds.row(uid)
        chain_row = [tuple(e) for e in chain_bonds[uid]]
        if chain_row != local_row:
            bad.append(("bonds", uid, json.dumps(chain_row), json.dumps(local_row)))
    return AuditResult(snap.netuid, snap.block, n, len(VECTOR_FIELDS) + 1, bad)
