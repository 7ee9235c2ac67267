"""Bittensor keys and keyfiles, byte-compatible with bittensor-wallet. No network, no UI."""
