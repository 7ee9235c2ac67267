"""Public surface: input validation, empty subnets, the multi-epoch driver, dense input."""

from __future__ import annotations

import dataclasses
import platform
import subprocess
import sys

import numpy as np
import pytest

from node.consensus import (
    ConsensusInputError,
    EpochInput,
    Hyperparameters,
    SparseRows,
    next_input,
    run_batch,
    run_epoch,
    run_epochs,
)
from tests.consensus.gen import random_input


def base(n: int = 3) -> EpochInput:
    return EpochInput(
        current_block=100, last_update=np.full(n, 99, np.uint64), block_at_registration=np.zeros(n, np.uint64),
        stake=np.arange(1, n + 1, dtype=np.uint64) * 1000, validator_permit=np.ones(n, bool),
        weights=SparseRows.from_dense(np.full((n, n), 65535)), bonds=SparseRows.empty(n),
        hyper=Hyperparameters(tempo=10),
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"last_update": np.zeros(2, np.uint64)}, "expected 2 values"),
        ({"stake": np.asarray([-1, 0, 0])}, "non-negative"),
        ({"weights": SparseRows.from_rows([[(5, 1)], [], []])}, "outside"),
        ({"weights": SparseRows.from_rows([[(1, 1), (1, 2)], [], []])}, "same uid twice"),
        ({"bonds": SparseRows.from_rows([[(1, 70000)], [], []])}, "u16"),
        ({"owner_uid": 7}, "owner_uid"),
        ({"stake": np.full(3, 2**62, np.uint64)}, "I64F64"),
        ({"validator_permit": np.ones(2, bool)}, "validator_permit"),
    ],
)
def test_bad_input_is_rejected_clearly(change: dict[str, object], message: str) -> None:
    with pytest.raises(ConsensusInputError, match=message):
        dataclasses.replace(base(), **change)  # type: ignore[arg-type]


def test_unknown_mode() -> None:
    with pytest.raises(ValueError, match="mode"):
        run_epoch(base(), "float")  # type: ignore[arg-type]


def test_empty_subnet_and_batch_with_one() -> None:
    empty = EpochInput(
        current_block=1, last_update=np.zeros(0, np.uint64), block_at_registration=np.zeros(0, np.uint64),
        stake=np.zeros(0, np.uint64), validator_permit=np.zeros(0, bool), weights=SparseRows.empty(0),
        bonds=SparseRows.empty(0),
    )
    outs = run_batch([empty, base(), empty])
    assert outs[0].emission.size == 0 and outs[2].bonds.n_rows == 0
    assert np.array_equal(outs[1].emission, run_epoch(base()).emission)


def test_dense_and_sparse_inputs_agree() -> None:
    inp = random_input(7, yuma3=False)
    dense = inp.weights.to_dense(inp.n)
    again = dataclasses.replace(inp, weights=SparseRows.from_dense(dense, keep_zeros=False))
    a, b = run_epoch(inp), run_epoch(again)
    assert np.array_equal(a.incentive, b.incentive) and np.array_equal(a.dividends, b.dividends)


def test_run_epochs_carries_bonds_and_permits() -> None:
    inp = base()
    outs = run_epochs(inp, 3)
    assert len(outs) == 3
    step2 = run_epoch(next_input(next_input(inp, outs[0]), outs[1]))
    assert step2.bonds.to_rows() == outs[2].bonds.to_rows()
    assert outs[2].bonds.nnz > 0

    seen: list[int] = []

    def update(e: int, cur: EpochInput) -> EpochInput:
        seen.append(e)
        return dataclasses.replace(cur, stake=cur.stake * 2)

    run_epochs(inp, 3, update=update)
    assert seen == [1, 2]
    with pytest.raises(ValueError, match="epochs"):
        run_epochs(inp, -1)


def test_sparse_rows_round_trip() -> None:
    rows = [[(2, 5), (0, 0)], [], [(1, 65535)]]
    m = SparseRows.from_rows(rows)
    assert m.to_rows() == rows and m.nnz == 3 and m.n_rows == 3
    assert m.to_dense().tolist() == [[0, 0, 5], [0, 0, 0], [0, 65535, 0]]


def test_consensus_package_has_no_ui_or_io_imports() -> None:
    code = "import sys, node.consensus; print(sorted(m for m in ('textual','rich','sqlite3','socket') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_commit_reveal_mask_drops_weights_to_uids_registered_after_the_commit() -> None:
    """Like epoch.rs test_epoch_masks_incoming_to_sniped_uid_prevents_inheritance."""
    inp = dataclasses.replace(
        base(3), block_at_registration=np.asarray([0, 0, 95], np.uint64),
        weights=SparseRows.from_rows([[(1, 65535), (2, 65535)], [], []]),
        stake=np.asarray([1000, 0, 0], np.uint64), validator_permit=np.asarray([True, False, False]),
    )
    no_mask = run_epoch(inp)
    assert no_mask.incentive[2] > 0
    commits = np.asarray([90, 2**64 - 1, 2**64 - 1], np.uint64)  # uid 0 committed at block 90 < 95
    masked = run_epoch(dataclasses.replace(inp, commit_blocks=commits))
    assert masked.incentive[2] == 0 and masked.incentive[1] == 65535
    later = run_epoch(dataclasses.replace(inp, commit_blocks=np.asarray([96, 2**64 - 1, 2**64 - 1], np.uint64)))
    assert np.array_equal(later.incentive, no_mask.incentive)


@pytest.mark.parametrize(("field", "value"), [("kappa", 70000), ("tempo", -1), ("alpha_sigmoid_steepness", 40000),
                                              ("bonds_moving_average", -5)])
def test_bad_hyperparameters_are_rejected(field: str, value: int) -> None:
    with pytest.raises(ConsensusInputError, match=field):
        Hyperparameters(**{field: value})  # type: ignore[arg-type]


def test_tune_allocator_in_a_child_process() -> None:
    """Process-wide setting: exercised in a throwaway interpreter, never in the test process."""
    code = ("from node.consensus import tune_allocator, run_epoch; from tests.consensus.gen import random_input;"
            "ok = tune_allocator(); run_epoch(random_input(1)); print(ok)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    expected = "True" if platform.libc_ver()[0] == "glibc" else "False"
    assert out.stdout.strip() == expected
