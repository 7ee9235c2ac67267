"""Bond models: original Yuma (EMA of column-normalised bond deltas) and Yuma3 (liquid alpha).

Entries are flat COO arrays (global row, global column, value) sorted by row; within a row they
keep the order the chain would produce, because the stored Bonds rows come out in that order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from node.consensus.arith import Arith
from node.consensus.segments import row_sum, scatter_max, scatter_sum, seen_in_row

Vec = npt.NDArray[Any]
IntVec = npt.NDArray[np.int64]


@dataclass
class Entries:
    """Sparse matrix entries: global row, global column, value."""

    rows: IntVec
    cols: IntVec
    vals: Vec

    def select(self, mask: npt.NDArray[np.bool_]) -> Entries:
        """The entries where mask is true."""
        if mask.all():
            return self
        return Entries(self.rows[mask], self.cols[mask], self.vals[mask])


@dataclass
class BondResult:
    """EMA bond entries as stored (u16) and the raw dividends."""

    stored: Entries
    dividends: Vec


def col_normalize(ar: Arith, e: Entries, n: int) -> Vec:
    """``inplace_col_normalize_sparse``: divide by column sums, columns summing to 0 unchanged."""
    sums = scatter_sum(e.cols, e.vals, n)[e.cols]
    return np.where(sums != 0, ar.div(e.vals, sums), e.vals)


def ema_union(ar: Arith, new: Entries, old: Entries, alpha: Vec, n: int) -> Entries:
    """``mat_ema_sparse``: alpha*new + (1-alpha)*old over the union of entries, keep > 0.

    ``alpha`` is per uid (broadcast from the row's subnet). Output rows are sorted by column.
    """
    a_new = alpha[new.rows]
    a_old = ar.one - alpha[old.rows]
    if (new.rows.shape == old.rows.shape and np.array_equal(new.rows, old.rows)
            and np.array_equal(new.cols, old.cols) and _row_sorted(new, n)):
        # Same entries in the same (sorted) order, the steady state: no merge needed.
        summed = ar.mul(a_new, new.vals) + ar.mul(a_old, old.vals)
        keep = summed > 0
        if keep.all():
            return Entries(new.rows, new.cols, summed)
        return Entries(new.rows[keep], new.cols[keep], summed[keep])
    va, vb = ar.mul(a_new, new.vals), ar.mul(a_old, old.vals)
    if _row_sorted(new, n) and _row_sorted(old, n):
        return _merge_sorted(va, new, vb, old, n)
    return _union_generic(va, new, vb, old, n)


def _union_generic(va: Vec, a: Entries, vb: Vec, b: Entries, n: int) -> Entries:
    """Sum two entry lists in any order: sort by (row, col) and add duplicates; keep > 0."""
    rows = np.concatenate([a.rows, b.rows])
    cols = np.concatenate([a.cols, b.cols])
    vals = np.concatenate([va, vb])
    key = rows * n + cols
    order = np.argsort(key, kind="stable")
    key, vals = key[order], vals[order]
    first = np.ones(key.shape[0], bool)
    first[1:] = key[1:] != key[:-1]
    starts = np.flatnonzero(first)
    summed = np.add.reduceat(vals, starts) if starts.size else vals[:0]
    keep = summed > 0
    pick = order[starts[keep]]
    return Entries(rows[pick], cols[pick], summed[keep])


def _merge_sorted(va: Vec, a: Entries, vb: Vec, b: Entries, n: int) -> Entries:
    """Sum two entry lists sorted by (row, col), in O(n) for rows whose entries line up.

    Rows with the same columns in both lists (the steady state) are added position by position;
    the few rows that differ go through the generic merge, and the two sorted parts are
    interleaved again by a stable sort on the row (two runs: a linear merge).
    """
    n_rows = int(max(a.rows.max(initial=-1), b.rows.max(initial=-1))) + 1
    same = np.bincount(a.rows, minlength=n_rows) == np.bincount(b.rows, minlength=n_rows)
    ma, mb = same[a.rows], same[b.rows]
    mismatch = a.cols[ma] != b.cols[mb]
    if mismatch.any():
        same[np.unique(a.rows[ma][mismatch])] = False
        ma, mb = same[a.rows], same[b.rows]
    aligned = Entries(a.rows[ma], a.cols[ma], va[ma] + vb[mb])
    if ma.all() and mb.all():
        merged = aligned
    else:
        rest = _union_generic(va[~ma], a.select(~ma), vb[~mb], b.select(~mb), n)
        rows = np.concatenate([aligned.rows, rest.rows])
        order = np.argsort(rows, kind="stable")
        merged = Entries(rows[order], np.concatenate([aligned.cols, rest.cols])[order],
                         np.concatenate([aligned.vals, rest.vals])[order])
    keep = merged.vals > 0
    return merged if keep.all() else merged.select(keep)


def _row_sorted(e: Entries, n: int) -> bool:
    """Entries strictly increasing in (row, col)."""
    key = e.rows * n + e.cols
    return bool(np.all(key[1:] > key[:-1]))


def normalize_by_subnet(ar: Arith, x: Vec, seg: IntVec, n_subnets: int) -> Vec:
    """``inplace_normalize`` of each subnet's slice of a per-uid vector."""
    sums = scatter_sum(seg, x, n_subnets)[seg]
    return np.where(sums != 0, ar.div(x, sums), x)


def original_yuma(
    ar: Arith, wb: Entries, bonds: Entries, active_stake: Vec, incentive: Vec, alpha: Vec,
    seg: IntVec, n_subnets: int,
) -> BondResult:
    """Yuma3On = false: bonds loaded as integers, column-normalised, EMA with the delta."""
    n = active_stake.shape[0]
    b = Entries(bonds.rows, bonds.cols, ar.from_u16(bonds.vals))
    b.vals = col_normalize(ar, b, n)
    delta = Entries(wb.rows, wb.cols, ar.mul(wb.vals, active_stake[wb.rows]))
    delta.vals = col_normalize(ar, delta, n)
    ema = ema_union(ar, delta, b, alpha, n)
    ema.vals = col_normalize(ar, ema, n)
    div_raw = row_sum(ema.rows, ar.mul(incentive[ema.cols], ema.vals), n)
    dividends = normalize_by_subnet(ar, div_raw, seg, n_subnets)
    col_max = scatter_max(ema.cols, ema.vals, n)[ema.cols]
    up = np.where(col_max != 0, ar.div(ema.vals, col_max), ema.vals)
    return BondResult(Entries(ema.rows, ema.cols, ar.to_u16(up)), dividends)


def _lookup(bonds: Entries, rows: IntVec, cols: IntVec, n: int, only: npt.NDArray[np.bool_]) -> Vec:
    """Bond value at each (row, col), 0 where absent (or where ``only`` is false)."""
    key = bonds.rows * n + bonds.cols
    order = np.argsort(key, kind="stable")
    skey = key[order]
    q = rows * n + cols
    pos = np.clip(np.searchsorted(skey, q), 0, max(skey.shape[0] - 1, 0))
    if skey.shape[0] == 0:
        return np.zeros(q.shape[0], dtype=bonds.vals.dtype)
    hit = (skey[pos] == q) & only[order][pos]
    return np.where(hit, bonds.vals[order][pos], 0)


def alpha_sigmoid(ar: Arith, c: Vec, w: Vec, b: Vec, lo: Vec, hi: Vec, steep: Vec) -> Vec:
    """Per-entry liquid alpha (``run_epoch.rs:alpha_sigmoid``); lo/hi/steep are per entry."""
    one, zero = ar.one, 0
    buy = np.clip(w - c, zero, one)
    sell = np.clip(b - w, zero, one)
    d = np.where(w >= b, buy, sell)
    x = ar.mul_signed(steep, d - ar.half)
    sig = ar.div(np.full(x.shape, one, dtype=ar.dtype), one + ar.exp_safe(x))
    alpha = lo + ar.mul_signed(sig, hi - lo)
    out: Vec = np.maximum(np.minimum(alpha, hi), lo)
    return out


def ema_alpha(ar: Arith, new: Vec, old: Vec, alpha: Vec) -> Vec:
    """``mat_ema_alpha_sparse`` at the new entries: ``min((1-a)*old + max(a*new, 0), 1)``."""
    decayed = ar.mul(ar.one - alpha, old)
    out: Vec = np.minimum(decayed + np.maximum(ar.mul(alpha, new), 0), ar.one)
    return out


def yuma3(
    ar: Arith, wb: Entries, bonds: Entries, consensus: Vec, active_stake: Vec, incentive: Vec,
    alpha: Vec, liquid: npt.NDArray[np.bool_], alpha_lo: Vec, alpha_hi: Vec, steep: Vec,
    seg: IntVec, n_subnets: int,
) -> BondResult:
    """Yuma3On = true: bonds as proportions, fixed or liquid alpha EMA, stored unnormalised.

    ``liquid`` is per uid: liquid alpha on and some consensus non-zero in that uid's subnet.
    """
    n = active_stake.shape[0]
    b = Entries(bonds.rows, bonds.cols, ar.div(ar.from_u16(bonds.vals), ar.from_u16(np.asarray(65535, np.int64))))
    liq_w = liquid[wb.rows]
    fixed_part = ema_union(ar, wb.select(~liq_w), b.select(~liquid[b.rows]), alpha, n)
    lw = wb.select(liq_w)
    lb = b.select(liquid[b.rows])
    w_seen = np.where(seen_in_row(lw.rows, lw.cols, n), lw.vals, 0)
    b_seen = _lookup(lb, lw.rows, lw.cols, n, seen_in_row(lb.rows, lb.cols, n))
    b_full = _lookup(lb, lw.rows, lw.cols, n, np.ones(lb.rows.shape[0], bool))
    a = alpha_sigmoid(ar, consensus[lw.cols], w_seen, b_seen, alpha_lo[lw.rows], alpha_hi[lw.rows],
                      steep[lw.rows])
    val = ema_alpha(ar, lw.vals, b_full, a)
    keep = val > 0
    liquid_part = Entries(lw.rows[keep], lw.cols[keep], val[keep])
    rows = np.concatenate([fixed_part.rows, liquid_part.rows])
    order = np.argsort(rows, kind="stable")
    ema = Entries(rows[order], np.concatenate([fixed_part.cols, liquid_part.cols])[order],
                  np.concatenate([fixed_part.vals, liquid_part.vals])[order])
    norm = col_normalize(ar, ema, n)
    tb = row_sum(ema.rows, ar.mul(norm, incentive[ema.cols]), n)
    dividends = normalize_by_subnet(ar, ar.mul(tb, active_stake), seg, n_subnets)
    return BondResult(Entries(ema.rows, ema.cols, ar.to_u16(ema.vals)), dividends)
