"""The embedded node: chain client, sync, SQLite store, consensus, and the local chain. No UI."""
