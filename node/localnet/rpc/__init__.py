"""The localnet's Substrate-compatible WebSocket JSON-RPC server (see docs/localnet.md).

Public API: `LocalnetServer`, `ServerConfig`, `SealMode`, `start_localnet` (background thread) and
`run_foreground` (CLI). Import from the submodules; this package root stays import-light.
"""
