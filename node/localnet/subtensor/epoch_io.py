"""Read a subnet's epoch inputs from storage and write the epoch's outputs back (node.consensus, exact mode)."""

from __future__ import annotations

from typing import Any

import numpy as np

from node.consensus import EpochInput, EpochOutput, Hyperparameters, SparseRows, run_epoch
from node.localnet.runtime.pallet import account_bytes
from node.localnet.subtensor.context import Ctx
from node.localnet.subtensor.fastcodec import fexists, fiter_prefix, fremove

U64_MAX = (1 << 64) - 1


def hotkeys(c: Ctx, netuid: int) -> list[bytes]:
    """Keys[netuid, uid] for every uid."""
    return [account_bytes(c.get("Keys", netuid, uid)) for uid in range(int(c.get("SubnetworkN", netuid)))]


def stake_weights(c: Ctx, netuid: int, keys: list[bytes]) -> list[int]:
    """alpha + root TAO * TaoWeight per hotkey (no child/parent inheritance on the localnet)."""
    tw = (int(c.get("TaoWeight")) << 64) // U64_MAX
    out = []
    for hk in keys:
        alpha = c.ledger.hotkey_alpha(hk, netuid)
        tao = c.ledger.hotkey_alpha(hk, 0) if netuid != 0 else 0
        out.append(min(alpha + ((tao * tw) >> 64), U64_MAX))
    return out


def _rows(c: Ctx, item: str, netuid: int, n: int) -> SparseRows:
    rows: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for (_, uid), value in fiter_prefix(c.state, "SubtensorModule", item, netuid):
        if int(uid) < n:
            rows[int(uid)] = [(int(a), int(b)) for a, b in value if int(a) < n]
    return SparseRows.from_rows(rows) if n else SparseRows.empty(0)


def epoch_input(c: Ctx, netuid: int, rao_emission: int) -> tuple[EpochInput, list[bytes]]:
    """Snapshot the epoch inputs of `netuid` at the current block."""
    keys = hotkeys(c, netuid)
    n = len(keys)
    alpha_values = c.get("AlphaValues", netuid)
    hyper = Hyperparameters(
        tempo=int(c.get("Tempo", netuid)),
        activity_cutoff_factor_milli=int(c.get("ActivityCutoffFactorMilli", netuid)),
        kappa=int(c.get("Kappa", netuid)),
        bonds_penalty=int(c.get("BondsPenalty", netuid)),
        bonds_moving_average=int(c.get("BondsMovingAverage", netuid)),
        max_allowed_validators=int(c.get("MaxAllowedValidators", netuid)),
        stake_threshold=int(c.get("StakeThreshold")),
        liquid_alpha_enabled=bool(c.get("LiquidAlphaOn", netuid)),
        alpha_low=int(alpha_values[0]),
        alpha_high=int(alpha_values[1]),
        alpha_sigmoid_steepness=int(c.get("AlphaSigmoidSteepness", netuid)),
        yuma3_enabled=bool(c.get("Yuma3On", netuid)),
    )
    owner_uid = None
    if fexists(c.state, "SubtensorModule", "SubnetOwnerHotkey", netuid):
        owner_uid = c.uid_of(netuid, account_bytes(c.get("SubnetOwnerHotkey", netuid)))
    last_update = list(c.get("LastUpdate", netuid))[:n]
    permits = list(c.get("ValidatorPermit", netuid))[:n]
    inp = EpochInput(
        current_block=c.block,
        last_update=np.array(last_update + [0] * (n - len(last_update)), dtype=np.uint64),
        block_at_registration=np.array([int(c.get("BlockAtRegistration", netuid, u)) for u in range(n)],
                                       dtype=np.uint64),
        stake=np.array(stake_weights(c, netuid, keys), dtype=np.uint64),
        validator_permit=np.array(permits + [False] * (n - len(permits)), dtype=bool),
        weights=_rows(c, "Weights", netuid, n),
        bonds=_rows(c, "Bonds", netuid, n),
        hyper=hyper,
        owner_uid=owner_uid,
        last_mechanism_step_block=int(c.get("LastMechansimStepBlock", netuid)),
        rao_emission=rao_emission,
    )
    return inp, keys


def persist(c: Ctx, netuid: int, out: EpochOutput) -> None:
    """Write the epoch outputs under their metadata names (Rank/Trust are no longer written)."""
    def ints(a: Any) -> list[int]:
        return [int(x) for x in a]

    c.set("Active", netuid, value=[bool(x) for x in out.active])
    c.set("Emission", netuid, value=ints(out.emission))
    c.set("Consensus", netuid, value=ints(out.consensus))
    c.set("Incentive", netuid, value=ints(out.incentive))
    c.set("Dividends", netuid, value=ints(out.dividends))
    c.set("ValidatorTrust", netuid, value=ints(out.validator_trust))
    c.set("StakeWeight", netuid, value=ints(out.stake_weight))
    c.set("ValidatorPermit", netuid, value=[bool(x) for x in out.validator_permit])
    for uid in range(out.bonds.n_rows):
        row = out.bonds.row(uid)
        if row:
            c.set("Bonds", netuid, uid, value=row)
        else:
            fremove(c.state, "SubtensorModule", "Bonds", netuid, uid)


def run_subnet_epoch(c: Ctx, netuid: int, rao_emission: int) -> tuple[list[bytes], EpochOutput]:
    """Run and persist one epoch; return the hotkeys and the outputs (incl. per-uid emission split)."""
    inp, keys = epoch_input(c, netuid, rao_emission)
    out = run_epoch(inp, "exact")
    persist(c, netuid, out)
    return keys, out
