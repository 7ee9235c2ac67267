"""The dense block path (node/consensus/dense.py) against the flat sparse path.

In exact mode the two must agree bit for bit on every output and every stored bond entry;
in fast mode they differ only by float summation order.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node.consensus import EpochInput, EpochOutput, Hyperparameters, SparseRows, dense, run_batch, run_epoch
from tests.consensus.gen import random_input

SEEDS = st.integers(0, 2**32 - 1)
FIELDS = ("active", "consensus", "incentive", "dividends", "validator_trust", "stake_weight",
          "validator_permit", "emission", "server_emission", "validator_emission")


def _sparse(inp: EpochInput, mode: str, monkeypatch: pytest.MonkeyPatch) -> EpochOutput:
    with monkeypatch.context() as m:
        m.setattr(dense, "SMALL_BLOCK", 0)
        m.setattr(dense, "CELLS_PER_ENTRY", 0)
        assert dense.layout(inp) is None or inp.weights.nnz + inp.bonds.nnz == 0
        return run_epoch(inp, mode)  # type: ignore[arg-type]


def _assert_same(a: EpochOutput, b: EpochOutput) -> None:
    for name in FIELDS:
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.bonds.to_rows() == b.bonds.to_rows()


@settings(max_examples=80, deadline=None)
@given(SEEDS, st.booleans())
def test_exact_dense_is_bit_identical_to_sparse(seed: int, yuma3: bool) -> None:
    inp = random_input(seed, yuma3=yuma3, liquid=False)
    assert dense.layout(inp) is not None  # small subnets always take the dense path
    with pytest.MonkeyPatch.context() as mp:
        _assert_same(run_epoch(inp, "exact"), _sparse(inp, "exact", mp))


@pytest.mark.parametrize("seed", range(6))
def test_exact_dense_matches_sparse_on_larger_subnets(seed: int) -> None:
    inp = random_input(1000 + seed, n=300, liquid=False)
    with pytest.MonkeyPatch.context() as mp:
        _assert_same(run_epoch(inp, "exact"), _sparse(inp, "exact", mp))


@settings(max_examples=30, deadline=None)
@given(SEEDS)
def test_fast_dense_close_to_sparse(seed: int) -> None:
    inp = random_input(seed, liquid=False)
    with pytest.MonkeyPatch.context() as mp:
        a, b = run_epoch(inp, "fast"), _sparse(inp, "fast", mp)
    for name in ("consensus", "incentive", "dividends", "validator_trust", "stake_weight"):
        assert np.abs(getattr(a, name).astype(int) - getattr(b, name).astype(int)).max(initial=0) <= 1
    for name in ("emission", "server_emission", "validator_emission"):
        diff = np.abs(getattr(a, name).astype(float) - getattr(b, name).astype(float)).max(initial=0)
        assert diff <= 1e-9 * inp.rao_emission + 2
    assert np.abs(a.bonds.to_dense(inp.n) - b.bonds.to_dense(inp.n)).max(initial=0) <= 1


def test_which_subnets_go_dense() -> None:
    inp = random_input(7, n=30, yuma3=True, liquid=True)
    assert dense.layout(inp) is None  # liquid alpha needs entry presence and row order
    inp = random_input(7, n=30, yuma3=True, liquid=False)
    assert dense.layout(inp) is not None
    big = dataclasses.replace(inp, hyper=dataclasses.replace(inp.hyper, bonds_moving_average=2_000_000))
    assert dense.layout(big) is None  # negative EMA alpha stays on the sparse path
    n = 4096  # 2 validators rating 2 far-apart uids each: 4 entries, a 2 x 4 block of cells
    rows = [[(10, 65535), (4000, 100)], [(20, 65535), (3000, 7)]] + [[] for _ in range(n - 2)]
    sparse_in = EpochInput(
        current_block=100, last_update=np.full(n, 99), block_at_registration=np.zeros(n, np.uint64),
        stake=np.r_[[10**12, 10**12], np.zeros(n - 2, np.int64)], validator_permit=np.arange(n) < 2,
        weights=SparseRows.from_rows(rows), bonds=SparseRows.empty(n), hyper=Hyperparameters(tempo=10),
    )
    lay = dense.layout(sparse_in)
    assert lay is not None and lay.shape == (2, 4)
    wide = dataclasses.replace(sparse_in, validator_permit=np.ones(n, bool))
    assert dense.layout(wide) is None  # 4096 permitted rows x 4 columns for 4 entries


@settings(max_examples=10, deadline=None)
@given(st.lists(SEEDS, min_size=2, max_size=5), st.sampled_from(["exact", "fast"]))
def test_batch_of_equal_shapes_matches_single_runs(seeds: list[int], mode: str) -> None:
    """Subnets with the same block shape share one 3-D pass; each result equals its own run."""
    inputs = [random_input(s, n=24, liquid=False) for s in seeds]
    inputs = [dataclasses.replace(i, validator_permit=np.ones(24, bool),
                                  weights=SparseRows.from_dense(np.full((24, 24), 9), keep_zeros=True))
              for i in inputs]
    shapes = {dense.layout(i).shape for i in inputs}  # type: ignore[union-attr]
    assert len(shapes) == 1
    for inp, got in zip(inputs, run_batch(inputs, mode), strict=True):  # type: ignore[arg-type]
        _assert_same(run_epoch(inp, mode), got)  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["exact", "fast"])
def test_block_scatter_copies_filled_rows_and_scatters_the_rest(mode: str) -> None:
    """Subnets whose rows fill the block in column order are copied as stored; unsorted or
    incomplete ones are scattered. Both give the stored matrix restricted to the block."""
    from node.consensus.arith import arith_for

    rng = np.random.default_rng(5)
    n = 12
    full = rng.integers(1, 65536, (n, n))
    full[6:] = 0  # validators 0..5 weight every uid
    sorted_rows = SparseRows.from_dense(full)
    rows = sorted_rows.to_rows()
    unsorted = SparseRows.from_rows([rows[0][::-1], *rows[1:]])  # same entries, one row reversed
    holes = SparseRows.from_rows([rows[0][1:], *rows[1:]])  # one entry short of a full block
    base = random_input(3, n=n, liquid=False)
    inputs = [dataclasses.replace(base, weights=w, bonds=SparseRows.empty(n), validator_permit=np.arange(n) < 6,
                                  owner_uid=None) for w in (sorted_rows, unsorted, holes)]
    layouts = [dense.layout(i) for i in inputs]
    assert all(lay is not None and lay.shape == (6, n) for lay in layouts)
    offsets = np.arange(4, dtype=np.int64) * n
    block = dense.Block.stack(layouts, offsets)  # type: ignore[arg-type]
    assert [block._fills(si, i.weights, offsets) for si, i in enumerate(inputs)] == [True, False, False]
    ar = arith_for(mode)
    got = block.scatter(ar, [i.weights for i in inputs], offsets, "weights")
    for si, inp in enumerate(inputs):
        want = inp.weights.to_dense(n)[:6]
        assert np.array_equal(got[si], ar.from_u16(want) if ar.exact else want.astype(float))
    for inp in inputs:
        with pytest.MonkeyPatch.context() as mp:
            _assert_same(run_epoch(inp, "exact"), _sparse(inp, "exact", mp))
