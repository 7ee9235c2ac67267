"""Bittensor (subtensor) chain rules for the localnet: pools, staking, registration, emission.

`rules/` holds pure, framework-independent rule modules (integer rao, the chain's fixed-point
rounding); the pallets built on the localnet runtime framework use them.
"""
