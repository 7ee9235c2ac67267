"""The Yuma epoch as the chain runs it (``run_epoch.rs:epoch_mechanism``, the sparse path).

Every subnet of a batch is packed block-diagonally into flat arrays (node/consensus/segments.py),
so ``run_epoch`` is simply a batch of one. Section numbers refer to docs/consensus.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from node.consensus.arith import Arith
from node.consensus.bonds import Entries, normalize_by_subnet, original_yuma, yuma3
from node.consensus.dense import Block, Layout, bond_block, dense_matrix, weight_block
from node.consensus.median import consensus as weighted_median
from node.consensus.segments import row_sum, scatter_sum
from node.consensus.types import U64_MAX, EpochInput, EpochOutput, SparseRows

Vec = npt.NDArray[Any]
IntVec = npt.NDArray[np.int64]


def _per_subnet(inputs: Sequence[EpochInput], get: Any, dtype: Any) -> npt.NDArray[Any]:
    return np.asarray([get(i) for i in inputs], dtype=dtype)


def _entries(mats: Sequence[SparseRows], offsets: IntVec) -> Entries:
    """Concatenate per-subnet rows into global COO entries sorted by row."""
    counts = np.concatenate([np.diff(m.indptr) for m in mats])
    rows = np.repeat(np.arange(counts.shape[0], dtype=np.int64), counts)
    nnz = np.asarray([m.nnz for m in mats], np.int64)
    cols = np.concatenate([m.indices for m in mats]).astype(np.int64, copy=False)
    cols = cols + np.repeat(offsets[:-1], nnz)
    vals = np.concatenate([m.values for m in mats]).astype(np.int64, copy=False)
    return Entries(rows, cols, vals)


def _topk_nonzero(stake: Vec, k: IntVec, seg: IntVec, offsets: IntVec, sizes: IntVec) -> npt.NDArray[np.bool_]:
    """``is_topk_nonzero`` per subnet: stable ascending sort, ties keep the higher uid."""
    n = stake.shape[0]
    order = np.lexsort((np.arange(n), stake, seg))
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n) - offsets[seg[order]]
    size = sizes[seg]
    drop = (size >= k[seg]) & (rank < size - k[seg])
    out: npt.NDArray[np.bool_] = (stake != 0) & ~drop
    return out


def epoch_batch(ar: Arith, inputs: Sequence[EpochInput], layouts: Sequence[Layout] | None = None) -> list[EpochOutput]:
    """Run one epoch for each input subnet, all in one vectorised pass.

    With ``layouts`` (one per input, all of the same shape; see driver.py) the matrix steps run
    on dense (subnet, row, column) blocks (node/consensus/dense.py).
    """
    live = [i for i in inputs if i.n > 0]
    if len(live) < len(inputs):
        done = iter(epoch_batch(ar, live)) if live else iter(())
        return [next(done) if i.n > 0 else _empty_output() for i in inputs]
    n_sub = len(inputs)
    sizes = _per_subnet(inputs, lambda i: i.n, np.int64)
    offsets = np.zeros(n_sub + 1, np.int64)
    np.cumsum(sizes, out=offsets[1:])
    n = int(offsets[-1])
    seg = np.repeat(np.arange(n_sub, dtype=np.int64), sizes)

    cur = _per_subnet(inputs, lambda i: i.current_block, np.uint64)[seg]
    cutoff = _per_subnet(inputs, lambda i: i.hyper.activity_cutoff, np.uint64)[seg]
    last_update = np.concatenate([i.last_update for i in inputs])
    registered = np.concatenate([i.block_at_registration for i in inputs])
    raw_stake = np.concatenate([i.stake for i in inputs])
    owner = np.zeros(n, bool)
    for s, inp in enumerate(inputs):
        if inp.owner_uid is not None:
            owner[offsets[s] + inp.owner_uid] = True

    # §2 activity, stake, permits
    reach = np.where(last_update > np.uint64(U64_MAX) - cutoff, np.uint64(U64_MAX), last_update + cutoff)
    active = ~(reach < cur)
    threshold = _per_subnet(inputs, lambda i: i.hyper.stake_threshold, np.uint64)[seg]
    filtered = np.where(owner | (raw_stake >= threshold), raw_stake, np.uint64(0))
    totals = scatter_sum(seg, filtered, n_sub)
    stake = ar.stake_share(filtered, totals[seg])
    old_permit = np.concatenate([i.validator_permit for i in inputs]) | owner
    k = _per_subnet(inputs, lambda i: i.hyper.max_allowed_validators, np.int64)
    new_permit = _topk_nonzero(stake, k, seg, offsets, sizes) | owner
    active_stake = normalize_by_subnet(ar, np.where(active & old_permit, stake, 0).astype(ar.dtype), seg, n_sub)

    commits = None
    if any(i.commit_blocks is not None for i in inputs):
        commits = np.concatenate([np.full(i.n, U64_MAX, np.uint64) if i.commit_blocks is None
                                  else i.commit_blocks for i in inputs])
    lms = _per_subnet(inputs, lambda i: i.last_mechanism_step_block, np.int64)
    tempo = _per_subnet(inputs, lambda i: i.hyper.tempo, np.int64)
    cur_i = _per_subnet(inputs, lambda i: i.current_block, np.int64)
    last_tempo = np.where(lms == 0, np.maximum(cur_i - tempo, 0), lms + 1).astype(np.uint64)
    kappa = np.asarray([ar.u16_ratio(i.hyper.kappa) for i in inputs], dtype=ar.dtype)
    use_stake = normalize_by_subnet(ar, active_stake, seg, n_sub)
    stake_total = scatter_sum(seg, use_stake, n_sub)
    bp = np.asarray([ar.u16_ratio(i.hyper.bonds_penalty) for i in inputs], dtype=ar.dtype)
    alpha_s = np.asarray([ar.bma_alpha(i.hyper.bonds_moving_average) for i in inputs], dtype=ar.dtype)

    if layouts is not None:  # §3-§5 on dense blocks
        block = Block.stack(layouts, offsets)
        wd = weight_block(ar, block, block.scatter(ar, [i.weights for i in inputs], offsets, "weights"), old_permit,
                          owner, last_update, registered, commits)
        bd = bond_block(block, block.scatter(ar, [i.bonds for i in inputs], offsets, "bonds"), registered, last_tempo)
        res = dense_matrix(ar, block, n, wd, bd, active_stake, use_stake, stake_total - kappa, bp, alpha_s,
                           inputs[0].hyper.yuma3_enabled, new_permit,
                           lambda ranks: normalize_by_subnet(ar, ranks, seg, n_sub))
        cons, trust, incentive = res.consensus, res.trust, res.incentive
        dividends = normalize_by_subnet(ar, res.dividends_raw, seg, n_sub)
        parts = [res.stored]
    else:
        # §3 weights: masks, then row normalisation
        w = _entries([i.weights for i in inputs], offsets)
        keep = (old_permit[w.rows] & ((w.rows != w.cols) | owner[w.rows])
                & ~(last_update[w.rows] <= registered[w.cols]))
        if commits is not None:
            keep &= ~(commits[w.rows] < registered[w.cols])
        w = w.select(keep)
        w.vals = ar.from_u16(w.vals)
        sums = row_sum(w.rows, w.vals, n)[w.rows]
        w.vals = np.where(sums > 0, ar.div(w.vals, sums), w.vals)
        # §5 stored bonds, without the columns of uids registered since the last tempo
        b = _entries([i.bonds for i in inputs], offsets)
        b = b.select(~(last_tempo[seg[b.rows]] <= registered[b.cols]))
        # §4-§5 consensus, clipping, trust, incentive, bonds, dividends
        cons, trust, incentive, dividends, parts = _sparse_matrix(
            ar, inputs, seg, n, n_sub, w, b, active_stake, use_stake, stake_total, kappa, bp, alpha_s)

    # §6 emission
    combined = incentive + dividends
    e_sum = scatter_sum(seg, combined, n_sub)[seg]
    has = e_sum != 0
    n_server = np.where(has, ar.div(incentive, e_sum), incentive)
    n_validator = np.where(has, ar.div(dividends, e_sum), dividends)
    n_combined = np.where(has, ar.div(combined, e_sum), combined)
    a_zero = scatter_sum(seg, active_stake, n_sub)[seg] == 0
    fallback = np.where(a_zero, stake, active_stake)
    n_validator = np.where(has, n_validator, fallback)
    n_combined = np.where(has, n_combined, fallback)
    rao = _per_subnet(inputs, lambda i: i.rao_emission, np.uint64)[seg]

    stored = _concat_sorted(parts)
    if layouts is None:  # the dense path keeps only rows with a new permit itself
        stored = stored.select(new_permit[stored.rows])
    cols = {
        "active": active,
        "consensus": ar.to_u16(cons),
        "incentive": ar.to_u16(incentive),
        "dividends": ar.to_u16(dividends),
        "validator_trust": ar.to_u16(trust),
        "stake_weight": ar.to_u16(stake),
        "validator_permit": new_permit,
        "emission": ar.to_rao(n_combined, rao),
        "server_emission": ar.to_rao(n_server, rao),
        "validator_emission": ar.to_rao(n_validator, rao),
    }
    return _split(cols, stored, offsets)



def _sparse_matrix(
    ar: Arith, inputs: Sequence[EpochInput], seg: IntVec, n: int, n_sub: int, w: Entries, b: Entries,
    active_stake: Vec, use_stake: Vec, stake_total: Vec, kappa: Vec, bp: Vec, alpha_s: Vec,
) -> tuple[Vec, Vec, Vec, Vec, list[Entries]]:
    """§4-§5 on flat entries: consensus, trust, incentive, dividends and the bond entries to store."""
    cons = weighted_median(ar, use_stake, stake_total, stake_total - kappa, seg, w.rows, w.cols, w.vals)
    c_at = cons[w.cols]
    clip_keep = ~((c_at < w.vals) & (c_at <= 0))
    clipped = Entries(w.rows[clip_keep], w.cols[clip_keep], np.minimum(w.vals, c_at)[clip_keep])
    trust = row_sum(clipped.rows, clipped.vals, n)
    ranks = scatter_sum(clipped.cols, ar.mul(active_stake[clipped.rows], clipped.vals), n)
    incentive = normalize_by_subnet(ar, ranks, seg, n_sub)

    # §4.5 weights for bonds
    wb = _weights_for_bonds(ar, bp, seg, w, clipped, c_at, clip_keep)

    # §5 bonds
    alpha = alpha_s[seg]
    y3 = _per_subnet(inputs, lambda i: i.hyper.yuma3_enabled, bool)[seg]
    dividends = np.zeros(n, dtype=ar.dtype)
    parts: list[Entries] = []
    if (~y3).any():
        res = original_yuma(ar, wb.select(~y3[wb.rows]), b.select(~y3[b.rows]), active_stake, incentive,
                            alpha, seg, n_sub)
        dividends = np.where(y3, dividends, res.dividends)
        parts.append(res.stored)
    if y3.any():
        liquid_on = _per_subnet(inputs, lambda i: i.hyper.liquid_alpha_enabled, bool)
        any_c = scatter_sum(seg, (cons != 0).astype(np.int64), n_sub) > 0
        liquid = (liquid_on & any_c)[seg]
        lo = np.asarray([ar.u16_ratio(i.hyper.alpha_low) for i in inputs], dtype=ar.dtype)[seg]
        hi = np.asarray([ar.u16_ratio(i.hyper.alpha_high) for i in inputs], dtype=ar.dtype)[seg]
        steep = np.asarray([ar.scalar_div(ar.from_int(i.hyper.alpha_sigmoid_steepness), ar.from_int(-100))
                            for i in inputs], dtype=ar.dtype)[seg]
        res = yuma3(ar, wb.select(y3[wb.rows]), b.select(y3[b.rows]), cons, active_stake, incentive, alpha,
                    liquid, lo, hi, steep, seg, n_sub)
        dividends = np.where(y3, res.dividends, dividends)
        parts.append(res.stored)
    return cons, trust, incentive, dividends, parts

def _weights_for_bonds(
    ar: Arith, bp: Vec, seg: IntVec, w: Entries, clipped: Entries, c_at: Vec, clip_keep: npt.NDArray[np.bool_],
) -> Entries:
    """``interpolate_sparse(W, W_clipped, bonds_penalty)`` per subnet."""
    if np.all(bp == ar.one):
        return clipped
    if np.all(bp == 0):
        return w
    bp_w = bp[seg[w.rows]]
    is_zero = bp_w == 0
    is_one = bp_w == ar.one
    v2 = np.where(clip_keep, np.minimum(w.vals, c_at), 0)
    interp = w.vals + ar.mul_signed(bp_w, v2 - w.vals)
    keep = is_zero | (is_one & clip_keep) | (~is_zero & ~is_one & (interp > 0))
    vals = np.where(is_zero, w.vals, np.where(is_one, v2, interp))
    out = Entries(w.rows[keep], w.cols[keep], vals[keep])
    mid = ~is_zero[keep] & ~is_one[keep]
    if mid.any():  # interpolate_sparse rebuilds rows densely, so they come out sorted by column
        order = np.lexsort((np.where(mid, out.cols, np.arange(out.cols.shape[0])), out.rows))
        out = Entries(out.rows[order], out.cols[order], out.vals[order])
    return out


def _concat_sorted(parts: list[Entries]) -> Entries:
    if not parts:
        z = np.zeros(0, np.int64)
        return Entries(z, z, z.astype(np.uint16))
    if len(parts) == 1:
        return parts[0]
    rows = np.concatenate([p.rows for p in parts])
    order = np.argsort(rows, kind="stable")
    return Entries(rows[order], np.concatenate([p.cols for p in parts])[order],
                   np.concatenate([p.vals for p in parts])[order])


def _split(cols: dict[str, Vec], stored: Entries, offsets: IntVec) -> list[EpochOutput]:
    """Cut the batch's per-uid columns and stored bond entries (sorted by row) per subnet."""
    n = int(offsets[-1])
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(stored.rows, minlength=n), out=indptr[1:])
    local_cols = stored.cols - np.repeat(offsets[:-1], np.diff(indptr[offsets]))
    vals = stored.vals.astype(np.int64)
    outs: list[EpochOutput] = []
    for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True):
        lo, hi = int(indptr[a]), int(indptr[b])
        bonds = SparseRows(indptr[a:b + 1] - lo, local_cols[lo:hi].copy(), vals[lo:hi].copy())
        outs.append(EpochOutput(bonds=bonds, **{k: v[a:b].copy() for k, v in cols.items()}))
    return outs


def _empty_output() -> EpochOutput:
    z = np.zeros(0)
    return EpochOutput(
        active=z.astype(bool), consensus=z.astype(np.uint16), incentive=z.astype(np.uint16),
        dividends=z.astype(np.uint16), validator_trust=z.astype(np.uint16),
        stake_weight=z.astype(np.uint16), validator_permit=z.astype(bool), emission=z.astype(np.uint64),
        server_emission=z.astype(np.uint64), validator_emission=z.astype(np.uint64),
        bonds=SparseRows.empty(0),
    )
