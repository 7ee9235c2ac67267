"""Segment helpers: many subnets (or many rows) packed into one flat array.

A batch of subnets is laid out block-diagonally: uid ``j`` of subnet ``s`` becomes the global
index ``offsets[s] + j``. Per-subnet sums are then segment sums, and a column of the weight
matrix never mixes subnets, so one vectorised pass serves a whole batch.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

Vec = npt.NDArray[Any]
IntVec = npt.NDArray[np.int64]


def seg_sum(values: Vec, starts: IntVec, counts: IntVec) -> Vec:
    """Sum of each contiguous segment ``values[starts[k]:starts[k]+counts[k]]`` (0 if empty)."""
    out = np.zeros(starts.shape[0], dtype=values.dtype)
    nz = counts > 0
    if values.size and nz.any():
        out[nz] = np.add.reduceat(values, starts[nz])
    return out


def scatter_sum(index: IntVec, values: Vec, size: int) -> Vec:
    """``out[k] = sum(values[index == k])``, exact for int64 (plain bincount goes through float)."""
    if values.dtype == np.float64:
        return np.bincount(index, weights=values, minlength=size)
    out = np.zeros(size, dtype=values.dtype)
    np.add.at(out, index, values)
    return out


def scatter_max(index: IntVec, values: Vec, size: int) -> Vec:
    """``out[k] = max(0, values[index == k])``."""
    out = np.zeros(size, dtype=values.dtype)
    np.maximum.at(out, index, values)
    return out


def row_starts(rows: IntVec, n_rows: int) -> tuple[IntVec, IntVec]:
    """(starts, counts) of each row in an array of entries sorted by row."""
    counts = np.bincount(rows, minlength=n_rows).astype(np.int64)
    starts = np.zeros(n_rows, np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    return starts, counts


def row_sum(rows: IntVec, values: Vec, n_rows: int) -> Vec:
    """Per-row sum of entries sorted by row."""
    starts, counts = row_starts(rows, n_rows)
    return seg_sum(values, starts, counts)


def seen_in_row(rows: IntVec, cols: IntVec, n: int) -> npt.NDArray[np.bool_]:
    """Entries a forward, peeking walk over j = 0..n-1 would find in each (possibly unsorted) row.

    The chain's liquid-alpha lookup assumes sorted rows; on an unsorted row it only sees an
    entry whose column exceeds every column before it in that row.
    """
    if rows.size == 0:
        return np.zeros(0, bool)
    key = rows * (n + 1) + cols + 1
    prev = np.empty_like(key)
    prev[0] = -1
    prev[1:] = np.maximum.accumulate(key)[:-1]
    return key > prev
