"""Epoch inputs and outputs, in the chain's stored types (u16 rows, u64 stake, block numbers)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

Mode = Literal["exact", "fast"]
U64_MAX = (1 << 64) - 1


class ConsensusInputError(ValueError):
    """An epoch input is malformed (wrong length, out-of-range uid, duplicate column...)."""


@dataclass(frozen=True, eq=False)
class SparseRows:
    """Row-compressed u16 matrix, one row per uid, like the chain's ``Weights``/``Bonds`` maps.

    Within a row the entries keep the order they were stored in (the chain never sorts them,
    and one corner of the liquid-alpha path depends on that order). Explicit zero values are
    kept: for Yuma3 liquid alpha a stored 0 weight differs from an absent one.
    """

    indptr: npt.NDArray[np.int64]
    indices: npt.NDArray[np.int64]
    values: npt.NDArray[np.int64]
    _checked_n: int = field(default=-1, repr=False)

    @property
    def n_rows(self) -> int:
        """Number of rows (uids)."""
        return int(self.indptr.shape[0] - 1)

    @property
    def nnz(self) -> int:
        """Number of stored entries."""
        return int(self.indices.shape[0])

    @classmethod
    def empty(cls, n: int) -> SparseRows:
        """n empty rows."""
        return cls(np.zeros(n + 1, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[tuple[int, int]]]) -> SparseRows:
        """Build from ``[[(uid_j, value), ...], ...]`` exactly as stored on chain."""
        counts = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
        indptr = np.zeros(len(rows) + 1, np.int64)
        np.cumsum(counts, out=indptr[1:])
        flat = [e for r in rows for e in r]
        arr = np.asarray(flat, dtype=np.int64).reshape(-1, 2)
        return cls(indptr, arr[:, 0].copy(), arr[:, 1].copy())

    @classmethod
    def from_dense(cls, matrix: npt.ArrayLike, keep_zeros: bool = False) -> SparseRows:
        """Build from a dense (rows x n) u16 matrix; zeros become absent unless ``keep_zeros``."""
        m = np.asarray(matrix, dtype=np.int64)
        if m.ndim != 2:
            raise ConsensusInputError(f"dense matrix must be 2-D, got shape {m.shape}")
        mask = np.ones(m.shape, bool) if keep_zeros else m != 0
        rows, cols = np.nonzero(mask)
        indptr = np.zeros(m.shape[0] + 1, np.int64)
        np.cumsum(np.bincount(rows, minlength=m.shape[0]), out=indptr[1:])
        return cls(indptr, cols.astype(np.int64), m[rows, cols])

    def row(self, i: int) -> list[tuple[int, int]]:
        """Row i as ``[(uid_j, value), ...]``."""
        a, b = int(self.indptr[i]), int(self.indptr[i + 1])
        return list(zip(self.indices[a:b].tolist(), self.values[a:b].tolist(), strict=True))

    def to_rows(self) -> list[list[tuple[int, int]]]:
        """All rows as lists of ``(uid_j, value)``."""
        return [self.row(i) for i in range(self.n_rows)]

    def to_dense(self, n_cols: int | None = None) -> npt.NDArray[np.int64]:
        """Dense (rows x n_cols) matrix, absent entries 0."""
        cols = self.n_rows if n_cols is None else n_cols
        out = np.zeros((self.n_rows, cols), np.int64)
        rows = np.repeat(np.arange(self.n_rows), np.diff(self.indptr))
        out[rows, self.indices] = self.values
        return out

    def validate(self, n: int, name: str) -> None:
        """Raise ConsensusInputError unless this is an n-row matrix of u16 values over uids < n."""
        if self._checked_n == n:  # arrays are treated as immutable once validated
            return
        if self.indptr.shape[0] != n + 1 or self.indptr[0] != 0 or np.any(np.diff(self.indptr) < 0):
            raise ConsensusInputError(f"{name}: expected {n} rows with a monotone indptr")
        if self.indptr[-1] != self.indices.shape[0] or self.values.shape != self.indices.shape:
            raise ConsensusInputError(f"{name}: indptr, indices and values disagree in length")
        if self.nnz and (self.indices.min() < 0 or self.indices.max() >= n):
            raise ConsensusInputError(f"{name}: a column uid is outside 0..{n - 1}")
        if self.nnz and (self.values.min() < 0 or self.values.max() > 65535):
            raise ConsensusInputError(f"{name}: a value is outside the u16 range")
        if self.nnz:
            rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(self.indptr))
            keys = np.sort(rows * n + self.indices)
            if np.any(keys[1:] == keys[:-1]):
                raise ConsensusInputError(f"{name}: a row holds the same uid twice")
        object.__setattr__(self, "_checked_n", n)


@dataclass(frozen=True)
class Hyperparameters:
    """Subnet hyperparameters the epoch reads, with the runtime's defaults."""

    tempo: int = 360
    activity_cutoff_factor_milli: int = 13_889
    """ActivityCutoffFactorMilli: the cutoff is max(1, factor * tempo / 1000) blocks."""
    kappa: int = 32_767
    bonds_penalty: int = 65_535
    bonds_moving_average: int = 900_000
    max_allowed_validators: int = 128
    stake_threshold: int = 0
    liquid_alpha_enabled: bool = False
    alpha_low: int = 45_875
    alpha_high: int = 58_982
    alpha_sigmoid_steepness: int = 1000
    yuma3_enabled: bool = False

    def __post_init__(self) -> None:
        for name in ("kappa", "bonds_penalty", "alpha_low", "alpha_high", "tempo", "max_allowed_validators"):
            if not 0 <= getattr(self, name) <= 65535:
                raise ConsensusInputError(f"hyperparameter {name} must be a u16, got {getattr(self, name)}")
        if not -32768 <= self.alpha_sigmoid_steepness <= 32767:
            raise ConsensusInputError("alpha_sigmoid_steepness must be an i16")
        for name in ("bonds_moving_average", "stake_threshold", "activity_cutoff_factor_milli"):
            if not 0 <= getattr(self, name) <= U64_MAX:
                raise ConsensusInputError(f"hyperparameter {name} must be a u64")

    @property
    def activity_cutoff(self) -> int:
        """Activity cutoff in blocks (``get_activity_cutoff_blocks``)."""
        return max(1, min(self.activity_cutoff_factor_milli * self.tempo, U64_MAX) // 1000)


def _u64(values: npt.ArrayLike, n: int, name: str) -> npt.NDArray[np.uint64]:
    arr = np.asarray(values)
    if arr.shape != (n,):
        raise ConsensusInputError(f"{name}: expected {n} values, got shape {arr.shape}")
    if arr.size and (arr.dtype.kind not in "ui" or int(arr.min()) < 0):
        raise ConsensusInputError(f"{name}: values must be non-negative integers")
    return arr.astype(np.uint64)


@dataclass(frozen=True, eq=False)
class EpochInput:
    """Everything one subnet epoch reads from chain state."""

    current_block: int
    last_update: npt.NDArray[np.uint64]
    block_at_registration: npt.NDArray[np.uint64]
    stake: npt.NDArray[np.uint64]
    """Per-uid total stake weight in rao (alpha + TaoWeight-scaled root stake), u64."""
    validator_permit: npt.NDArray[np.bool_]
    weights: SparseRows
    bonds: SparseRows
    hyper: Hyperparameters = field(default_factory=Hyperparameters)
    owner_uid: int | None = None
    last_mechanism_step_block: int = 0
    rao_emission: int = 1_000_000_000
    commit_blocks: npt.NDArray[np.uint64] | None = None
    """Commit-reveal only: per uid, the block of its earliest unexpired weight commit (u64::MAX
    if none). Weights to a uid registered after that commit are dropped (run_epoch.rs l.731)."""

    def __post_init__(self) -> None:
        n = self.n
        object.__setattr__(self, "last_update", _u64(self.last_update, n, "last_update"))
        bar = _u64(self.block_at_registration, n, "block_at_registration")
        object.__setattr__(self, "block_at_registration", bar)
        object.__setattr__(self, "stake", _u64(self.stake, n, "stake"))
        permit = np.asarray(self.validator_permit, dtype=bool)
        if permit.shape != (n,):
            raise ConsensusInputError(f"validator_permit: expected {n} values")
        object.__setattr__(self, "validator_permit", permit)
        if self.commit_blocks is not None:
            object.__setattr__(self, "commit_blocks", _u64(self.commit_blocks, n, "commit_blocks"))
        self.weights.validate(n, "weights")
        self.bonds.validate(n, "bonds")
        if int(self.stake.sum(dtype=object)) >= 1 << 63:
            raise ConsensusInputError("stake: total stake does not fit the chain's I64F64")
        if self.owner_uid is not None and not 0 <= self.owner_uid < max(n, 1):
            raise ConsensusInputError(f"owner_uid {self.owner_uid} is not a uid of this subnet")
        if not 0 <= self.rao_emission <= U64_MAX or self.current_block < 0:
            raise ConsensusInputError("rao_emission and current_block must be u64")

    @property
    def n(self) -> int:
        """SubnetworkN."""
        return int(np.asarray(self.last_update).shape[0])


@dataclass(frozen=True, eq=False)
class EpochOutput:
    """What the epoch stores (and returns) for each uid."""

    active: npt.NDArray[np.bool_]
    consensus: npt.NDArray[np.uint16]
    incentive: npt.NDArray[np.uint16]
    dividends: npt.NDArray[np.uint16]
    validator_trust: npt.NDArray[np.uint16]
    stake_weight: npt.NDArray[np.uint16]
    validator_permit: npt.NDArray[np.bool_]
    emission: npt.NDArray[np.uint64]
    server_emission: npt.NDArray[np.uint64]
    validator_emission: npt.NDArray[np.uint64]
    bonds: SparseRows
    """The Bonds rows written by the epoch (rows without a new permit are empty)."""
