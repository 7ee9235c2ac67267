"""Stake-weighted median consensus per column, vectorised over every column of a batch.

The chain (``math.rs:weighted_median``) runs a deterministic mid-pivot quickselect per column.
Its state keeps ``lo <= minority < hi`` where ``lo`` is the exact stake strictly below the
current partition and ``hi = lo + partition stake``; at pivot ``p`` it returns ``p`` exactly when
``stake(score < p) <= minority < stake(score <= p)`` (both sides are exact integer sums of
positive stakes), and otherwise recurses into the side that contains that crossing. Such a
``p`` is unique, so the quickselect returns the smallest score ``v`` with
``stake(score <= v) > minority`` -- independent of pivot order. When no score qualifies
(``minority >= total``, i.e. kappa <= 0) the recursion walks up to the largest score; with
``minority < 0`` the smallest score qualifies. tests/consensus/test_math.py checks this
against a literal transcription of the quickselect.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from node.consensus.arith import Arith
from node.consensus.segments import scatter_sum

Vec = npt.NDArray[Any]
IntVec = npt.NDArray[np.int64]


def consensus(
    ar: Arith,
    use_stake: Vec,
    stake_total: Vec,
    minority: Vec,
    seg: IntVec,
    rows: IntVec,
    cols: IntVec,
    vals: Vec,
    allow_dense: bool = True,
) -> Vec:
    """Weighted median of each column.

    Args:
        ar: arithmetic back-end.
        use_stake: per-uid stake of the rows taking part (0 for the others), renormalised.
        stake_total: per-subnet sum of ``use_stake``.
        minority: per-subnet ``stake_total - kappa``.
        seg: subnet index of each uid.
        rows, cols, vals: weight entries (global uids), row-normalised.
        allow_dense: use the dense block path when the weights are dense enough.

    Returns:
        Per-uid consensus value C_j.
    """
    n = use_stake.shape[0]
    dense = _dense_consensus(use_stake, minority, seg, rows, cols, vals) if allow_dense else None
    if dense is not None:
        return dense
    take = (use_stake[rows] > 0) & (vals > 0)
    e_cols, e_vals = cols[take], vals[take]
    e_stake = use_stake[rows[take]]
    col_minority = minority[seg]
    base = stake_total[seg] - scatter_sum(e_cols, e_stake, n)  # stake scoring 0 in each column
    out = np.zeros(n, dtype=use_stake.dtype)
    if e_cols.size == 0:
        return out
    # Order within a column only matters up to ties of equal value, so an unstable sort works.
    # Fast-mode values lie in [0, 1], so the float key still keeps columns apart.
    key = e_cols * (1 << 34) + e_vals if ar.exact else e_cols * 4.0 + e_vals
    order = np.argsort(key)
    s_cols, s_vals, s_stake = e_cols[order], e_vals[order], e_stake[order]
    csum = np.cumsum(s_stake)
    first = np.ones(s_cols.shape[0], bool)
    first[1:] = s_cols[1:] != s_cols[:-1]
    starts = np.flatnonzero(first)
    before = np.zeros(starts.shape[0], dtype=csum.dtype)
    before[1:] = csum[starts[1:] - 1]
    group = np.cumsum(first) - 1
    cum = base[s_cols] + csum - before[group]
    flag = cum > col_minority[s_cols]
    pos = np.flatnonzero(flag)
    uc, idx = np.unique(s_cols[pos], return_index=True)
    out[uc] = s_vals[pos[idx]]
    # Columns where no score crosses the minority (kappa <= 0): the largest score.
    last = np.ones(s_cols.shape[0], bool)
    last[:-1] = s_cols[1:] != s_cols[:-1]
    lc = s_cols[last]
    missing = np.ones(n, bool)
    missing[uc] = False
    sel = missing[lc]
    out[lc[sel]] = s_vals[last][sel]
    # Columns where the rows scoring 0 already hold more than the minority.
    zero_wins = (base > 0) & (base > col_minority)
    out[zero_wins] = 0
    return out


def _dense_consensus(
    use_stake: Vec, minority: Vec, seg: IntVec, rows: IntVec, cols: IntVec, vals: Vec,
) -> Vec | None:
    """Same median via a dense (subnet, voter, column) block when the weights are dense enough.

    Sorting many short columns along an axis is much cheaper than one global argsort. Absent
    entries are explicit zeros here, which is what the chain's ``use_score`` holds as well.
    Returns None when the block would be much larger than the entries.
    """
    n = use_stake.shape[0]
    voters = np.flatnonzero(use_stake > 0)
    if voters.size == 0:
        return np.zeros(n, dtype=use_stake.dtype)
    n_sub = int(seg[-1]) + 1
    v_seg = seg[voters]
    v_count = np.bincount(v_seg, minlength=n_sub)
    c_count = np.bincount(seg, minlength=n_sub)
    vmax, cmax = int(v_count.max()), int(c_count.max())
    cells = n_sub * vmax * cmax
    in_use = use_stake[rows] > 0
    if cells > 4 * max(int(in_use.sum()), 1) or cells > 40_000_000:
        return None
    v_start = np.zeros(n_sub, np.int64)
    np.cumsum(v_count[:-1], out=v_start[1:])
    c_start = np.zeros(n_sub, np.int64)
    np.cumsum(c_count[:-1], out=c_start[1:])
    slot = np.full(n, -1, np.int64)
    slot[voters] = np.arange(voters.size) - v_start[v_seg]
    # (subnet, column, voter) with voters last, so each column's scores are contiguous.
    block = np.zeros((n_sub, cmax, vmax), dtype=vals.dtype)
    r, c, v = rows[in_use], cols[in_use], vals[in_use]
    block[seg[r], c - c_start[seg[c]], slot[r]] = v
    stake = np.zeros((n_sub, 1, vmax), dtype=use_stake.dtype)
    stake[v_seg, 0, slot[voters]] = use_stake[voters]
    # Padding voters have zero stake: they never move a crossing and are never picked.
    order = np.argsort(block, axis=2)
    sorted_vals = np.take_along_axis(block, order, axis=2)
    sorted_stake = np.broadcast_to(stake, block.shape)[
        np.arange(n_sub)[:, None, None], np.zeros((1, 1, 1), np.int64), order]
    cum = np.cumsum(sorted_stake, axis=2)
    cross = (cum > minority[:, None, None]) & (sorted_stake > 0)
    first = np.argmax(cross, axis=2)
    pick = np.where(cross.any(axis=2), first, vmax - 1)
    med = np.take_along_axis(sorted_vals, pick[:, :, None], axis=2)[:, :, 0]
    col_local = np.arange(n) - c_start[seg]
    out: Vec = med[seg, col_local]
    return out
