"""Random epoch inputs for property tests and error measurements (tests only)."""

from __future__ import annotations

import numpy as np

from node.consensus import EpochInput, Hyperparameters, SparseRows


def random_input(seed: int, n: int | None = None, yuma3: bool | None = None, liquid: bool | None = None) -> EpochInput:
    """A random subnet: stake on a few validators, random sparse weights and bonds, mixed activity."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 40)) if n is None else n
    validators = int(rng.integers(1, n + 1))
    stake = np.zeros(n, np.uint64)
    vidx = rng.choice(n, validators, replace=False)
    stake[vidx] = rng.integers(1, 10**15, validators, dtype=np.uint64)
    current = 100_000
    hyper = Hyperparameters(
        tempo=int(rng.integers(1, 400)),
        kappa=int(rng.choice([32767, int(rng.integers(1, 65535))])),
        bonds_penalty=int(rng.choice([0, 65535, int(rng.integers(1, 65535))])),
        bonds_moving_average=int(rng.integers(0, 1_000_000)),
        max_allowed_validators=int(rng.integers(1, n + 2)),
        yuma3_enabled=bool(rng.integers(0, 2)) if yuma3 is None else yuma3,
        liquid_alpha_enabled=bool(rng.integers(0, 2)) if liquid is None else liquid,
        alpha_low=int(rng.integers(1638, 30000)), alpha_high=int(rng.integers(30000, 65535)),
        alpha_sigmoid_steepness=int(rng.integers(-2000, 3000)),
    )
    last_update = rng.integers(current - 6000, current, n).astype(np.uint64)
    registered = rng.integers(0, current - 3000, n).astype(np.uint64)
    w_rows, b_rows = [], []
    for i in range(n):
        k = int(rng.integers(0, n + 1)) if stake[i] or rng.random() < 0.3 else 0
        cols = rng.choice(n, k, replace=False)
        vals = rng.integers(0, 65536, k)
        if k and vals.max():
            vals = (vals * 65535) // vals.max()
        w_rows.append(list(zip(cols.tolist(), vals.tolist(), strict=True)))
        kb = int(rng.integers(0, n + 1)) if rng.random() < 0.6 else 0
        bcols = np.sort(rng.choice(n, kb, replace=False))
        b_rows.append(list(zip(bcols.tolist(), rng.integers(0, 65536, kb).tolist(), strict=True)))
    return EpochInput(
        current_block=current, last_update=last_update, block_at_registration=registered, stake=stake,
        validator_permit=rng.random(n) < 0.7, weights=SparseRows.from_rows(w_rows),
        bonds=SparseRows.from_rows(b_rows), hyper=hyper,
        owner_uid=int(rng.integers(0, n)) if rng.random() < 0.3 else None,
        last_mechanism_step_block=int(rng.choice([0, current - 200])),
        rao_emission=int(rng.integers(1, 10**12)),
    )
