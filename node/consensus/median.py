"""Stake-weighted median consensus per column, vectorised over every column of a batch.

The chain (``math.rs:weighted_median``) runs a deterministic mid-pivot quickselect per column.
Its state keeps ``lo <= minority < hi`` where ``lo`` is the exact stake strictly below the
current partition and ``hi = lo + partition stake``; at pivot ``p`` it returns ``p`` exactly when
``stake(score < p) <= minority < stake(score <= p)`` (both sides are exact integer sums of
positive stakes), and otherwise recurses into the side that contains that crossing. Such a
``p`` is unique, so the quickselect returns the smallest score ``v`` with
``stake(score <= v) > minority`` -- independent of pivot order. When no score qualifies
(``minority >= total``, i.e. kappa <= 0) the recursion walks up to the largest score; with
``minority < 0`` the smallest score qualifies. tests/consensus/test_median.py checks this
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
) -> Vec:
    """Weighted median of each column.

    Args:
        ar: arithmetic back-end.
        use_stake: per-uid stake of the rows taking part (0 for the others), renormalised.
        stake_total: per-subnet sum of ``use_stake``.
        minority: per-subnet ``stake_total - kappa``.
        seg: subnet index of each uid.
        rows, cols, vals: weight entries (global uids), row-normalised.

    Returns:
        Per-uid consensus value C_j.
    """
    n = use_stake.shape[0]
    take = (use_stake[rows] > 0) & (vals > 0)
    e_cols, e_vals = cols[take], vals[take]
    e_stake = use_stake[rows[take]]
    col_minority = minority[seg]
    base = stake_total[seg] - scatter_sum(e_cols, e_stake, n)  # stake scoring 0 in each column
    out = np.zeros(n, dtype=use_stake.dtype)
    if e_cols.size == 0:
        return out
    if ar.exact:
        order = np.argsort(e_cols * (1 << 34) + e_vals, kind="stable")
    else:
        order = np.lexsort((e_vals, e_cols))
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
