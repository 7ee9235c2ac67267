"""Fixed-point helpers and the vectorised median against subtensor's math.rs tests and oracles."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node.consensus import fixed
from node.consensus.arith import Exact, Fast
from node.consensus.bonds import ema_alpha
from node.consensus.epoch import _topk_nonzero
from node.consensus.median import consensus
from node.consensus.weights import max_upscale_u16
from tests.consensus import oracle

ONE = fixed.ONE
raw = st.integers(min_value=0, max_value=1 << 34)


def fx(x: float) -> int:
    """math.rs ``fixed(f32)``: the f32 value rounded to the nearest I32F32."""
    return round(float(np.float32(x)) * ONE)


@pytest.mark.parametrize("allow_dense", [True, False])
def test_weighted_median_col_sparse_ported(allow_dense: bool) -> None:
    # math.rs test_math_weighted_median_col_sparse: stake over 4 rows, 3 columns.
    w = [0., 0.1, 0., 0., 0.2, 0.4, 0., 0.3, 0.1, 0., 0.4, 0.5]
    cases = [([0., 0.75, 0.25, 0.], w, 0.24, [0., 0.3, 0.4]), ([0., 0.75, 0.25, 0.], w, 0.26, [0., 0.2, 0.4]),
             ([0., 0.75, 0.25, 0.], w, 0.76, [0., 0.2, 0.1]),
             ([0., 0.3, 0.2, 0.5], [0., 0.1, 0., 0., 0.2, 0.4, 0., 0.3, 0.1, 0., 0., 0.5], 0.51, [0., 0., 0.4])]
    for stake, weights, majority, expected in cases:
        got = _median_square(stake, weights, majority, allow_dense)
        assert got == [fx(v) for v in expected]


def _median_square(stake: list[float], weights: list[float], majority: float, allow_dense: bool) -> list[int]:
    ar = Exact()
    rows = len(stake)
    w = np.asarray([fx(v) for v in weights], np.int64).reshape(rows, -1)
    n = max(rows, w.shape[1])
    s = np.zeros(n, np.int64)
    s[:rows] = [fx(v) for v in stake]
    total_raw = int(s.sum())
    use = fixed.div(s, np.full_like(s, total_raw)) if total_raw else s
    total = np.asarray([use.sum()], np.int64)
    r, c = np.nonzero(w != 0)
    out = consensus(ar, use, total, total - fx(majority), np.zeros(n, np.int64), r.astype(np.int64),
                    c.astype(np.int64), w[r, c], allow_dense=allow_dense)
    return out[: w.shape[1]].tolist()


def test_weighted_median_col_zero_stake() -> None:
    assert _median_square([0., 0.], [0., 0., 0., 0.], 0.5, True) == [0, 0]
    assert _median_square([0., 0.], [0., 0., 0., 0.], 0.5, False) == [0, 0]


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(),
    rows=st.integers(1, 7),
    cols=st.integers(1, 6),
    kappa=st.one_of(st.just(0), st.just(65535), st.just(32767), st.integers(0, 65535)),
    allow_dense=st.booleans(),
)
def test_median_matches_literal_quickselect(data: st.DataObject, rows: int, cols: int, kappa: int,
                                            allow_dense: bool) -> None:
    """Vectorised median == math.rs quickselect for any stakes, ties, zeros and kappa."""
    stake = data.draw(st.lists(st.integers(0, 5) .map(lambda k: k * ONE // 7), min_size=rows, max_size=rows))
    vals = st.sampled_from([0, 0, ONE // 3, ONE // 2, ONE // 4, ONE, 12345])
    w = [data.draw(st.lists(vals, min_size=cols, max_size=cols)) for _ in range(rows)]
    kappa_raw = fixed.u16_ratio(kappa)
    expected = oracle.median_cols(stake, w, kappa_raw)
    n = max(rows, cols)
    s = np.zeros(n, np.int64)
    s[:rows] = stake
    total_raw = int(s.sum())
    use = fixed.div(s, np.full_like(s, total_raw)) if total_raw else s
    total = np.asarray([use.sum()], np.int64)
    wm = np.asarray(w, np.int64)
    r, c = np.nonzero(wm != 0)
    got = consensus(Exact(), use, total, total - kappa_raw, np.zeros(n, np.int64), r.astype(np.int64),
                    c.astype(np.int64), wm[r, c], allow_dense=allow_dense)[:cols].tolist()
    assert got == expected


def test_is_topk_nonzero_ported() -> None:
    """math.rs test_math_is_topk cases, with the epoch's non-zero rule applied on top."""
    cases = [([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 5, [0] * 5 + [1] * 5),
             ([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 10, [0] + [1] * 9),
             ([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 100, [0] + [1] * 9),
             ([9, 8, 7, 6, 5, 4, 3, 2, 1, 0], 5, [1] * 5 + [0] * 5),
             ([9, 0, 8, 1, 7, 2, 6, 3, 5, 4], 5, [1, 0] * 5),
             ([0, 1, 2, 3, 4, 5, 5, 5, 5, 6], 5, [0] * 5 + [1] * 5),
             ([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 0, [0] * 10)]
    for vec, k, expected in cases:
        v = np.asarray(vec, np.int64) * ONE
        got = _topk_nonzero(v, np.asarray([k]), np.zeros(10, np.int64), np.asarray([0, 10]), np.asarray([10]))
        assert got.astype(int).tolist() == expected


def test_topk_tie_keeps_higher_uid() -> None:
    v = np.asarray([5, 5, 5, 1], np.int64)
    got = _topk_nonzero(v, np.asarray([2]), np.zeros(4, np.int64), np.asarray([0, 4]), np.asarray([4]))
    assert got.tolist() == [False, True, True, False]


def test_exp_safe_ported() -> None:
    """math.rs test_math_exp_safe: exact values at 0 and 1 and the clamp at +-20."""
    e = fixed.exp_safe(np.asarray([0, ONE, -20 * ONE, -21 * ONE, -(1 << 63), 20 * ONE, 21 * ONE, (1 << 63) - 1]))
    assert e[0] == ONE
    assert e[1] == fixed.E_RAW == oracle.exp(ONE)
    assert e[2] == e[3] == e[4] == oracle.exp(-20 * ONE)
    assert e[5] == e[6] == e[7] == oracle.exp(20 * ONE)
    # 30 Taylor terms undershoot at the clamp: the chain's exp(20) is ~0.8% low, and so is ours.
    assert 0.99 < e[5] / ONE / math.exp(20) < 0.995


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-25 * ONE, 25 * ONE), min_size=1, max_size=20))
def test_exp_matches_oracle(xs: list[int]) -> None:
    got = fixed.exp_safe(np.asarray(xs, np.int64)).tolist()
    assert got == [oracle.exp(x) for x in xs]
    for x, g in zip(xs, got, strict=True):
        xc = x / ONE
        if abs(xc) > 8:  # beyond ~8 the 30-term series visibly truncates (as on chain)
            continue
        assert abs(g / ONE - math.exp(xc)) <= 1e-6 * math.exp(xc) + 4 / ONE


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(raw, raw), min_size=1, max_size=30))
def test_mul_div_match_oracle(pairs: list[tuple[int, int]]) -> None:
    a = np.asarray([p[0] for p in pairs], np.int64)
    b = np.asarray([p[1] for p in pairs], np.int64)
    assert fixed.mul(a, b).tolist() == [oracle.mul(x, y) for x, y in pairs]
    assert fixed.div(a, b).tolist() == [oracle.div(x, y) for x, y in pairs]
    assert fixed.mul_signed(a, -b).tolist() == [oracle.mul(x, -y) for x, y in pairs]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, (1 << 62) - 1), st.integers(0, (1 << 61) - 1)), min_size=1, max_size=30))
def test_div_wide_operands(pairs: list[tuple[int, int]]) -> None:
    a = np.asarray([p[0] for p in pairs], np.int64)
    b = np.asarray([p[1] for p in pairs], np.int64)
    assert fixed.div(a, b).tolist() == [oracle.div(x, y) for x, y in pairs]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, (1 << 60)), min_size=1, max_size=20))
def test_stake_share_is_i64f64_narrowed(stakes: list[int]) -> None:
    """inplace_normalize_64 then I64F64 -> I32F32 equals floor(s * 2**32 / total)."""
    total = sum(stakes)
    got = fixed.div_int_pow2(np.asarray(stakes, np.uint64), np.full(len(stakes), total, np.uint64))
    expected = [(((s << 64) // total) >> 32) if total else 0 for s in stakes]
    assert got.tolist() == expected


def test_normalize_64_ported() -> None:
    """math.rs test_math_inplace_normalize_64 (positive case), within its 1e-4 epsilon."""
    got = fixed.div_int_pow2(np.asarray([1, 10, 30], np.uint64), np.full(3, 41, np.uint64)) / ONE
    assert got == pytest.approx([0.0243902437, 0.243902439, 0.7317073171], abs=1e-4)


def test_to_u16_and_rao() -> None:
    assert fixed.to_u16(np.asarray([0, ONE, ONE // 2, 2 * ONE, -5])).tolist() == [0, 65535, 32767, 65535, 0]
    x = np.asarray([ONE // 10, ONE], np.int64)
    assert fixed.to_rao(x, 1_000_000_000).tolist() == [(ONE // 10) * 1_000_000_000 >> 32, 1_000_000_000]
    big = (1 << 64) - 1
    assert fixed.to_rao(np.asarray([ONE], np.int64), big).tolist() == [big]


def test_sparse_mat_ema_alpha_ported() -> None:
    """math.rs test_math_sparse_mat_ema_alpha (first case), tolerance 1e-4."""
    old = [0.1, 0.2, 3., 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.10, 0.11, 0.12]
    new = [1., 2., 3., 4., 5., 6., 7., 8., 9., 10., 11., 12.]
    target = [0.19, 0.38, 1., 0.43599, 0.545, 0.65399, 0.763, 0.87199, 0.981, 1., 1., 1.]
    a = np.full(12, fx(0.1), np.int64)
    got = ema_alpha(Exact(), np.asarray([fx(v) for v in new]), np.asarray([fx(v) for v in old]), a) / ONE
    assert got == pytest.approx(target, abs=1e-4)
    fast = ema_alpha(Fast(), np.asarray(new), np.asarray(old), np.full(12, 0.1))
    assert fast == pytest.approx(target, abs=1e-4)


def test_max_upscale_ported() -> None:
    """math.rs test_vec_u16_max_upscale_to_u16 representative cases."""
    assert max_upscale_u16([]) == []
    assert max_upscale_u16([0]) == [0]
    assert max_upscale_u16([0, 0]) == [0, 0]
    assert max_upscale_u16([1]) == [65535]
    assert max_upscale_u16([65535 // 4, 65535 // 2, (65535 // 4) * 3, 65535]) == [16383, 32767, 49149, 65535]
    assert max_upscale_u16([1, 2]) == [32768, 65535]
    with pytest.raises(ValueError, match="u16"):
        max_upscale_u16([70000])


def test_chunked_kernels_match_references_on_large_arrays() -> None:
    """Arrays above the chunk size take the cache-blocked path; it must agree exactly."""
    rng = np.random.default_rng(3)
    n = 3 * fixed.CHUNK + 17
    a = rng.integers(0, 1 << 40, n, dtype=np.int64)
    b = rng.integers(0, 1 << 40, n, dtype=np.int64)
    assert np.array_equal(fixed.div(a, b), fixed._div_long(a, b))
    idx = rng.choice(n, 500, replace=False)
    got = fixed.mul(a, b)[idx].tolist()
    assert got == [oracle.mul(int(a[i]), int(b[i])) for i in idx]
    got_s = fixed.mul_signed(a, -b)[idx].tolist()
    assert got_s == [oracle.mul(int(a[i]), -int(b[i])) for i in idx]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_sorted_merge_equals_generic_union(seed: int) -> None:
    """ema_union's merge of two sorted entry lists == its generic argsort path."""
    from node.consensus.bonds import Entries, ema_union

    rng = np.random.default_rng(seed)
    n = 12

    def entries() -> Entries:
        keys = np.sort(rng.choice(n * n, int(rng.integers(0, 40)), replace=False))
        return Entries(keys // n, keys % n, rng.integers(0, ONE, keys.shape[0]).astype(np.int64))

    a, b = entries(), entries()
    if seed % 2:  # near-identical patterns: the row-aligned fast path plus a few irregular rows
        drop = rng.random(a.rows.shape[0]) < 0.1
        b = Entries(a.rows[~drop], a.cols[~drop], rng.integers(0, ONE, int((~drop).sum())).astype(np.int64))
    alpha = np.full(n, int(rng.integers(0, ONE)), np.int64)
    merged = ema_union(Exact(), a, b, alpha, n)
    perm = rng.permutation(a.rows.shape[0])
    generic = ema_union(Exact(), Entries(a.rows[perm], a.cols[perm], a.vals[perm]), b, alpha, n)
    if a.rows.shape[0] > 1 and np.array_equal(perm, np.arange(a.rows.shape[0])):
        return
    assert merged.rows.tolist() == generic.rows.tolist()
    assert merged.cols.tolist() == generic.cols.tolist()
    assert merged.vals.tolist() == generic.vals.tolist()
