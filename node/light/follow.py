"""Waiting for the next head: by subscription (chain_subscribeNewHeads / FinalizedHeads), else polling.

A notification only wakes the sync loop; the loop then fetches and verifies the heads as always, so a
subscription never adds trust, it only removes the polling delay. Without subscriptions (an endpoint
that lacks them, or a connection that broke) the loop polls every ``poll_interval``; a subscribed
loop still polls every ``idle_poll`` seconds in case notifications silently stop.
"""

from __future__ import annotations

import logging
import threading
import time

from node.light.endpoints import EndpointPool
from node.light.errors import EndpointError
from node.light.rpc import RpcEndpoint, RpcErrorAnswer

logger = logging.getLogger(__name__)

HEAD_SUBSCRIPTIONS = ("chain_subscribeNewHeads", "chain_subscribeFinalizedHeads")
"""Best and finalized heads: either kind of news is worth a look at the heads."""

SLICE = 0.25
"""Longest single wait on the socket, so a stop request is honoured quickly."""


class HeadFollower:
    """Wakes the sync loop when the endpoint announces a head; falls back to polling.

    Args:
        pool: the endpoints; the first usable one carries the subscriptions.
        enabled: False = always poll.
        idle_poll: seconds between safety polls while subscribed.
    """

    def __init__(self, pool: EndpointPool, enabled: bool = True, idle_poll: float = 10.0) -> None:
        self.pool = pool
        self.enabled = enabled
        self.idle_poll = idle_poll
        self.mode = "polling"
        """polling | subscribed (reported in SyncProgress.heads)"""
        self.subscribed = 0
        """How many times head subscriptions were (re)established."""
        self.notifications = 0
        self._ep: RpcEndpoint | None = None
        self._connection = -1
        self._ids: set[str] = set()
        self._unsupported: set[str] = set()

    def _live(self) -> RpcEndpoint | None:
        """The endpoint whose subscriptions are live, (re)subscribing if needed; None = poll."""
        ep = self._ep
        if ep is not None and ep.connected and ep.connection_id == self._connection \
                and ep in self.pool.usable():
            return ep
        self._ep, self._ids, self.mode = None, set(), "polling"
        if not self.enabled:
            return None
        for candidate in self.pool.usable():
            if candidate.url in self._unsupported:
                continue
            try:
                ids = {candidate.subscribe(method) for method in HEAD_SUBSCRIPTIONS}
            except RpcErrorAnswer as exc:  # reachable, but without (these) subscriptions: poll it
                logger.info("%s: no head subscriptions (%s); polling", candidate.url, exc)
                self._unsupported.add(candidate.url)
                continue
            except EndpointError as exc:
                logger.info("head subscription failed (%s); polling", exc)
                return None
            self._ep, self._ids, self._connection = candidate, ids, candidate.connection_id
            self.mode = "subscribed"
            self.subscribed += 1
            return candidate
        return None

    def wait(self, stop: threading.Event, poll_interval: float) -> None:
        """Return when a new head may be there: on a notification, after the poll interval when
        polling (or idle_poll when subscribed), or when ``stop`` is set."""
        ep = self._live()
        if ep is None:
            stop.wait(poll_interval)
            return
        deadline = time.monotonic() + max(self.idle_poll, poll_interval)
        while not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                note = ep.next_notification(min(SLICE, remaining))
            except EndpointError as exc:
                logger.info("head subscription lost (%s); polling until it is back", exc)
                self._ep, self.mode = None, "polling"
                stop.wait(poll_interval)
                return
            if note is not None and note.subscription in self._ids:
                self.notifications += 1
                while True:  # drain the backlog: one look at the heads covers all of it
                    try:
                        if ep.next_notification(0.001) is None:
                            break
                    except EndpointError:
                        break
                return
