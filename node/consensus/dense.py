"""The epoch's matrix steps on dense (subnet, row, column) blocks, for subnets that fill them.

A subnet qualifies when the rows holding weights or bonds (its validators) times the columns
they point at (the uids they rate) is not much more than its number of entries -- the common
case, and the benchmark shapes. Rows and columns without any entry never produce anything but
zeros, so they are left out of the block. Every subnet of one call has the same block shape
(``driver.py`` groups them), so there is no padding at all: each cell is computed with exactly
the same operations as the sparse path (node/consensus/bonds.py) computes the entry, and an
absent entry is a 0 cell, which every step maps to 0 again (``0*x = 0``, ``safe_div(0, x) = 0``,
sums ignore it, the EMA keeps only entries > 0). Integer sums are exact in any order, so exact
mode is bit-identical to the sparse path (tests/consensus/test_dense.py checks it); fast mode
only differs by float summation order.

Not handled here (``driver.py`` sends them to the sparse path): Yuma3 with liquid alpha (its
per-entry alpha depends on whether an entry is present and on the stored row order) and a
bonds_moving_average above 10^6 (a negative EMA alpha, outside the products' proven range).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from node.consensus.arith import Arith
from node.consensus.bonds import Entries
from node.consensus.types import EpochInput, SparseRows

Vec = npt.NDArray[Any]
IntVec = npt.NDArray[np.int64]


CELLS_PER_ENTRY = 3
"""A subnet goes dense when its block has at most this many cells per stored entry (or is small)."""
SMALL_BLOCK = 4096
CUMSUM_LOOP_COLUMNS = 16
"""The median sums stakes column by column (a Python loop over voters) from this many columns per voter."""


_WORK = threading.local()


def _work(slot: str, shape: tuple[int, ...], dtype: Any) -> Vec:
    """A reusable scratch array for ``slot`` (uninitialised; contents of the previous pass).

    Dense passes of a batch allocate the same few large arrays again and again; on this VM a
    fresh large array costs page faults that outweigh the arithmetic on it, so each thread
    keeps one growing buffer per slot. Only arrays that never leave this module's functions
    (blocks, median keys and stake sums) come from here; every result is a fresh array.
    """
    cache: dict[str, Vec] = _WORK.__dict__.setdefault("arrays", {})
    size = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
    buf = cache.get(slot)
    if buf is None or buf.shape[0] < size:
        buf = cache[slot] = np.empty(size, np.uint8)
    out: Vec = buf[:size].view(dtype).reshape(shape)
    return out


@dataclass(frozen=True)
class Layout:
    """One subnet's block: its local row uids and column uids."""

    rows: IntVec
    cols: IntVec

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return int(self.rows.shape[0]), int(self.cols.shape[0])


def layout(inp: EpochInput) -> Layout | None:
    """The block a subnet would use, or None if it should take the sparse path.

    Rows: every uid with stored weights or bonds, or with a validator permit (a voter without
    weights still counts in the median's stake); columns: every uid an entry points at.
    """
    h = inp.hyper
    if inp.n == 0 or (h.yuma3_enabled and h.liquid_alpha_enabled) or h.bonds_moving_average > 1_000_000:
        return None
    w, b = inp.weights, inp.bonds
    row_used = (w.indptr[1:] > w.indptr[:-1]) | (b.indptr[1:] > b.indptr[:-1]) | inp.validator_permit
    if inp.owner_uid is not None:
        row_used[inp.owner_uid] = True
    col_used = np.zeros(inp.n, bool)
    col_used[w.indices] = True
    col_used[b.indices] = True
    rows, cols = np.flatnonzero(row_used), np.flatnonzero(col_used)
    cells = rows.shape[0] * cols.shape[0]
    if cells > SMALL_BLOCK and cells > CELLS_PER_ENTRY * (w.nnz + b.nnz):
        return None
    return Layout(rows, cols)


@dataclass
class Block:
    """Which global uids make up the rows and columns of every subnet's block."""

    row_uids: IntVec
    """(S, R): the uids with weight or bond entries, ascending within each subnet."""
    col_uids: IntVec
    """(S, K): the uids some entry points at, ascending within each subnet."""
    row_base: IntVec
    """Per global uid: ``(subnet * R + row) * K`` for a block row (0 otherwise)."""
    col_slot: IntVec
    """Per global uid: its column index in its subnet's block (-1 if not a column)."""

    @classmethod
    def stack(cls, layouts: Sequence[Layout], offsets: IntVec) -> Block:
        """The global block of subnets with equal layout shapes."""
        base = offsets[:-1, None]
        rows = (np.stack([lay.rows for lay in layouts]) + base).astype(np.int64, copy=False)
        cols = (np.stack([lay.cols for lay in layouts]) + base).astype(np.int64, copy=False)
        (s, r), k, n = rows.shape, cols.shape[1], int(offsets[-1])
        row_base = np.zeros(n, np.int64)
        row_base[rows.ravel()] = np.arange(s * r, dtype=np.int64) * k
        col_slot = np.full(n, -1, np.int64)
        col_slot[cols.ravel()] = np.tile(np.arange(k, dtype=np.int64), s)
        return cls(rows, cols, row_base, col_slot)

    def scatter(self, ar: Arith, mats: Sequence[SparseRows], offsets: IntVec, slot: str) -> Vec:
        """The stored u16 rows of every subnet as one dense (S, R, K) block of ``ar`` values.

        A subnet whose rows fill its block in column order (every block row holds every column,
        ascending: the usual dense weights) is copied as it is stored; the others are scattered.
        """
        s, r, k = self.row_uids.shape[0], self.row_uids.shape[1], self.col_uids.shape[1]
        out = _work(slot, (s, r * k), ar.dtype)
        rest = [si for si, m in enumerate(mats) if not self._fills(si, m, offsets)]
        for si in (si for si in range(len(mats)) if si not in set(rest)):
            # Fast mode's u16 -> float is the assignment's own cast; exact mode shifts to I32F32.
            out[si] = ar.from_u16(mats[si].values) if ar.exact else mats[si].values
        if rest:
            out[rest] = 0
            part = [mats[si] for si in rest]
            counts = _cat([np.diff(m.indptr) for m in part])
            cols = _cat([m.indices for m in part])
            base = _cat([self.row_base[offsets[si]:offsets[si + 1]] for si in rest])
            if len(mats) > 1:
                cols = cols + np.repeat(offsets[rest], [m.nnz for m in part])
            values = _cat([m.values for m in part])
            # Cast first: a fancy assignment that also casts goes through a buffer (~2x slower).
            out.reshape(-1)[np.repeat(base, counts) + self.col_slot[cols]] = (
                ar.from_u16(values) if ar.exact else values.astype(ar.dtype))
        return out.reshape(s, r, k)

    def _fills(self, si: int, m: SparseRows, offsets: IntVec) -> bool:
        """Whether subnet ``si``'s stored entries are exactly its block in row-major order."""
        r, k = self.row_uids.shape[1], self.col_uids.shape[1]
        if m.nnz != r * k or m.nnz == 0:
            return False
        # r * k distinct in-block entries, at most k per row: every block row holds all k columns.
        return bool(np.array_equal(m.indices.reshape(r, k), np.broadcast_to(self.col_uids[si] - offsets[si], (r, k))))


def _cat(arrays: list[Vec]) -> Vec:
    """Concatenate, without copying a single array."""
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


def weight_block(
    ar: Arith, block: Block, weights: Vec, old_permit: Vec, owner: Vec, last_update: Vec, registered: Vec,
    commits: Vec | None,
) -> Vec:
    """§3 on a block (``weights`` is modified): the chain's weight masks, then row normalisation.

    Masks: rows without an old permit, self-weights except the owner's, weights set before the
    target registered (and, with commit-reveal, committed before it registered).
    """
    rows, cols = block.row_uids, block.col_uids
    keep = np.greater(last_update[rows][:, :, None], registered[cols][:, None, :],
                      out=_work("weight_keep", weights.shape, bool))
    keep &= old_permit[rows][:, :, None]
    if commits is not None:
        keep &= ~(commits[rows][:, :, None] < registered[cols][:, None, :])
    diag = block.col_slot[rows]  # where each row's own uid is a column
    s_i, r_i = np.nonzero((diag >= 0) & ~owner[rows])
    keep[s_i, r_i, diag[s_i, r_i]] = False
    # Zero the dropped cells by a masked copy (a float x bool product casts through a buffer).
    np.copyto(weights, 0, where=np.logical_not(keep, out=keep))
    # Rows summing to 0 hold only zeros (weights are non-negative) and stay 0.
    return _scale(ar, weights, weights.sum(axis=2, keepdims=True), inplace=True)


def bond_block(block: Block, bonds: Vec, registered: Vec, last_tempo: Vec) -> Vec:
    """§5 stored bonds on a block (modified in place): columns of uids registered since the last
    tempo dropped."""
    dropped = last_tempo[:, None, None] <= registered[block.col_uids][:, None, :]
    if dropped.any():
        np.copyto(bonds, 0, where=dropped)
    return bonds


def _scale(ar: Arith, m: Vec, d: Vec, inplace: bool = False) -> Vec:
    """``m / d`` for non-negative ``m``, with a small broadcast divisor; 0 where ``d`` is 0.

    Callers only divide by sums or maxima of ``m`` itself, so ``d = 0`` means those cells are 0.
    Exact: ``safe_div``. Fast: one IEEE division by ``d`` (1 where it is 0), no masked pass,
    into ``m`` itself when the caller no longer needs it (fresh large arrays cost page faults).
    """
    if ar.exact:
        return ar.div(m, d)
    out: Vec = np.divide(m, np.where(d != 0, d, 1.0), out=m if inplace else None)
    return out


@dataclass
class MatrixResult:
    """Per-uid results of the matrix steps and the bond entries to store."""

    consensus: Vec
    trust: Vec
    incentive: Vec
    dividends_raw: Vec
    stored: Entries


def _col_normalize(ar: Arith, m: Vec, inplace: bool = False) -> Vec:
    """``inplace_col_normalize_sparse`` on a block of non-negative values.

    The chain leaves columns summing to 0 unchanged; such a column holds only zeros, and
    ``safe_div(0, 0) = 0``, so one division does it.
    """
    out: Vec = _scale(ar, m, m.sum(axis=1, keepdims=True), inplace)
    return out


def median_block(wd: Vec, stake: Vec, minority: Vec, exact: bool) -> Vec:
    """Stake-weighted median of every column (see node/consensus/median.py for the rule).

    Instead of an argsort, each score is packed with its voter's index into one int64 key and
    the keys are sorted in place (numpy's SIMD integer sort is ~10x faster than argsort on short
    rows). Exact mode: scores are I32F32 proportions <= 2**32 (each weight is at most its row
    sum), so ``score << bits | voter`` needs 33 + bits <= 63 bits: exact for up to 2**30 voters.
    Fast mode: non-negative float64 bit patterns sort like the floats; the voter index replaces
    the lowest ``bits`` mantissa bits, so scores closer than ~2**(bits-52) relative may swap
    places (fast mode's documented approximation), but the picked score is read back unchanged.
    Every step after the first works in place: on this VM fresh large arrays cost page faults.

    Args:
        wd: (S, V, K) scores, voters first (the weight block).
        stake: (S, V) voting stake (0 for non-voters, whose scores are ignored).
        minority: (S,) ``stake_total - kappa``.
        exact: whether scores are raw I32F32 int64 (else non-negative float64).

    Returns:
        (S, K) the smallest score whose cumulative stake exceeds the minority, else the largest.
    """
    s, v, k = wd.shape
    if v == 0:
        return np.zeros((s, k), dtype=wd.dtype)
    bits = max(1, (v - 1).bit_length())
    mask = np.int64((1 << bits) - 1)
    # (S, K, V): each column's scores contiguous; non-voters score 0 like absent entries.
    keys = _work("median_keys", (s, k, v), wd.dtype)
    np.copyto(keys, wd.transpose(0, 2, 1))
    voter = stake > 0
    if not voter.all():
        np.copyto(keys, 0, where=~voter[:, None, :])
    if exact:
        np.left_shift(keys, bits, out=keys)
    else:
        keys = keys.view(np.int64)
        keys &= ~mask
    keys |= np.arange(v, dtype=np.int64)
    keys.sort(axis=2)
    keys &= mask  # now the voter order
    keys += (np.arange(s, dtype=np.int64) * v)[:, None, None]  # flat index into stake
    cum = stake.ravel().take(keys, out=_work("median_cum", keys.shape, stake.dtype), mode="clip")  # keys in range
    if s * k >= CUMSUM_LOOP_COLUMNS * v:
        # Many short columns: one whole-block add per voter position beats cumsum's per-row
        # inner loop (~1.4x here). Same sequential additions per column, so identical sums.
        for i in range(1, v):
            np.add(cum[:, :, i - 1], cum[:, :, i], out=cum[:, :, i])
    else:
        np.cumsum(cum, axis=2, out=cum)
    # cum never decreases, so the first crossing is the number of prefixes at or below the
    # minority. At that index cum just rose, i.e. the voter has stake (zero-stake voters are never
    # picked); a negative minority is raised to 0 so that holds at index 0 too. No crossing:
    # the largest score.
    floor = np.maximum(minority, 0)[:, None, None]
    pick = np.minimum(np.count_nonzero(np.less_equal(cum, floor, out=_work("median_le", cum.shape, bool)), axis=2),
                      v - 1)
    who = np.take_along_axis(keys, pick[:, :, None], axis=2)[:, :, 0]  # flat (subnet, voter)
    col = np.arange(k, dtype=np.int64)[None, :]
    out: Vec = np.where(stake.ravel()[who] > 0, wd.reshape(s * v, k)[who, col], 0)
    return out


def dense_matrix(
    ar: Arith, block: Block, n: int, wd: Vec, bonds: Vec, active_stake: Vec, use_stake: Vec,
    minority: Vec, bonds_penalty: Vec, alpha: Vec, yuma3: bool, new_permit: Vec,
    incentive_of: Any,
) -> MatrixResult:
    """Consensus, clipping, trust, ranks, weights for bonds, bond EMA and dividends on blocks.

    Args:
        ar: arithmetic back-end.
        block: the rows and columns of each subnet.
        n: number of uids in the batch.
        wd: (S, R, K) masked, row-normalised weights (``weight_block``).
        bonds: (S, R, K) stored u16 bonds after the registration mask (``bond_block``).
        active_stake, use_stake: per uid.
        minority, bonds_penalty, alpha: per subnet.
        yuma3: whether these subnets use the Yuma3 bond model (without liquid alpha).
        new_permit: per uid; only rows with a new permit store bonds.
        incentive_of: ``ranks -> incentive`` (per-subnet normalisation, flat per uid).
    """
    rows, cols = block.row_uids, block.col_uids
    stake_r = active_stake[rows][:, :, None]

    # §4 consensus: voters are the rows with stake; others are zeroed for the median.
    use_r = use_stake[rows]
    cons_k = median_block(wd, use_r, minority, ar.exact)
    c = cons_k[:, None, :]
    # min(W, C) drops exactly the entries the chain drops (C = 0 < W) by making them 0.
    clipped = np.minimum(wd, c, out=_work("clipped", wd.shape, wd.dtype))
    trust_r = clipped.sum(axis=2)
    staked = ar.mul(stake_r, clipped) if ar.exact else np.multiply(stake_r, clipped,
                                                                   out=_work("staked", wd.shape, wd.dtype))
    ranks_k = staked.sum(axis=1)

    consensus = np.zeros(n, dtype=ar.dtype)
    consensus[cols] = cons_k
    trust = np.zeros(n, dtype=ar.dtype)
    trust[rows] = trust_r
    ranks = np.zeros(n, dtype=ar.dtype)
    ranks[cols] = ranks_k
    incentive = incentive_of(ranks)
    inc_k = incentive[cols][:, None, :]

    # §4.5 weights for bonds: interpolate(W, clipped, penalty) per subnet.
    bp = bonds_penalty[:, None, None]
    if np.all(bonds_penalty == ar.one):
        wb = clipped
    elif np.all(bonds_penalty == 0):
        wb = wd
    else:
        interp = wd + ar.mul_signed(np.broadcast_to(bp, wd.shape), clipped - wd)
        wb = np.where(bp == 0, wd, np.where(bp == ar.one, clipped, np.maximum(interp, 0)))

    # §5 bonds: EMA of the delta (or of W) with the stored bonds over the union of entries.
    bd = bonds
    a = alpha[:, None, None]
    if yuma3:
        old = ar.div(bd, np.full(bd.shape, ar.from_u16(np.asarray(65535, np.int64)), dtype=ar.dtype))
        new = wb
    else:
        old = _col_normalize(ar, bd, inplace=True)
        # With the default bonds_penalty = 1, W_bonds is the clipped W: its stake product is known.
        new = _col_normalize(ar, staked if wb is clipped else ar.mul(wb, stake_r), inplace=True)
    if ar.exact:
        ema = ar.mul(a, new) + ar.mul(ar.one - a, old)
    else:  # the same float operations, without fresh arrays
        ema = np.multiply(new, a, out=None if new is wb else new)
        ema += np.multiply(old, 1.0 - a, out=old)
    keep = np.greater(ema, 0, out=_work("keep", ema.shape, bool))  # alpha is in [0, 1] (layout() checks), so no cell is negative
    norm = _col_normalize(ar, ema, inplace=not yuma3)
    per_row = (ar.mul(norm, inc_k) if ar.exact else np.multiply(norm, inc_k, out=_work("product", norm.shape, norm.dtype))
               ).sum(axis=2)
    div_raw = np.zeros(n, dtype=ar.dtype)
    if yuma3:
        div_raw[rows] = ar.mul(per_row, active_stake[rows])
        to_store = ema
    else:
        div_raw[rows] = per_row
        col_max = norm.max(axis=1, keepdims=True) if norm.shape[1] else np.zeros_like(norm)
        to_store = _scale(ar, norm, col_max, inplace=True)
    return MatrixResult(consensus, trust, incentive, div_raw, _stored(ar, block, keep, to_store, new_permit))


def _stored(ar: Arith, block: Block, keep: Vec, values: Vec, new_permit: Vec) -> Entries:
    """The kept cells of rows with a new permit, sorted by (row uid, column uid), values as u16."""
    rows, cols = block.row_uids, block.col_uids
    keep &= new_permit[rows][:, :, None]
    per_row = np.count_nonzero(keep, axis=2)
    kept = values[keep]
    if not ar.exact:  # Fast.to_u16 on the fresh selection, in place: clip, scale, floor by the cast
        np.clip(kept, 0.0, 1.0, out=kept)
        kept *= 65535.0
    return Entries(np.repeat(rows.ravel(), per_row.ravel()), np.broadcast_to(cols[:, None, :], keep.shape)[keep],
                   ar.to_u16(kept) if ar.exact else kept.astype(np.uint16))
