"""The generic FRAME pallets of the localnet runtime (System, Balances, Timestamp, Sudo, Utility, ...)."""
