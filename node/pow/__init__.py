"""Proof-of-work registration: the chain's seal hash, its difficulty rule, and a multi-process solver.

Modules:
    seal:       seal hash over (block hash, hotkey, nonce) and the difficulty check, as subtensor defines them.
    difficulty: the per-subnet difficulty adjustment (U110F18 arithmetic of `upgraded_difficulty`).
    keccak:     Keccak-256 (pre-NIST padding) with a low-overhead path for the solver's inner loop.
    solver:     a cancellable all-cores solver with progress reporting and block refresh.
"""
