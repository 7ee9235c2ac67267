"""Nonces for several transactions in a row from one account, without waiting for each to be included."""

from __future__ import annotations

import threading

from node.client.client import ChainClient


class NonceTracker:
    """Hands out consecutive nonces per account; re-syncs from `system_accountNextIndex` when told to.

    The chain's answer includes the pool, so after a re-sync the next nonce is right even when earlier
    transactions are still pending. Locally we take the max of both, so a lagging node cannot make us
    reuse a nonce we already handed out.
    """

    def __init__(self, client: ChainClient) -> None:
        self._client = client
        self._next: dict[bytes, int] = {}
        self._lock = threading.Lock()

    def reserve(self, account_id: bytes) -> int:
        """The nonce to use for the account's next transaction (and remember it as used)."""
        with self._lock:
            chain_next = self._client.next_nonce(account_id)
            nonce = max(chain_next, self._next.get(account_id, 0))
            self._next[account_id] = nonce + 1
            return nonce

    def release(self, account_id: bytes, nonce: int) -> None:
        """A transaction with `nonce` was never accepted: hand the nonce out again if it was the last one."""
        with self._lock:
            if self._next.get(account_id) == nonce + 1:
                self._next[account_id] = nonce

    def resync(self, account_id: bytes) -> int:
        """Forget local state (after a nonce error) and return the chain's next nonce."""
        with self._lock:
            self._next.pop(account_id, None)
        return self._client.next_nonce(account_id)
