"""A local Substrate-compatible chain that speaks subtensor's JSON-RPC, for offline use and tests."""
