"""Several endpoints, each with a health record; a caught liar is dropped while others remain."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from node.light.errors import EndpointError, LyingEndpointError, NoHonestEndpointError
from node.light.rpc import RpcEndpoint

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class EndpointHealth:
    """What the node knows about one endpoint (mutable; copied out for the UI)."""

    url: str
    status: str = "ok"
    """ok | unreachable | dropped (caught serving unverifiable data)"""
    requests: int = 0
    errors: int = 0
    lies: list[str] = field(default_factory=list)
    last_error: str = ""
    latency_ms: float = 0.0


class EndpointPool:
    """Round-robin-free failover: use the first usable endpoint, drop liars, skip unreachable ones.

    Args:
        urls: endpoint URLs in order of preference.
        on_lie: called with each LyingEndpointError (the watchtower and the UI report it).
    """

    def __init__(self, urls: list[str], on_lie: Callable[[LyingEndpointError], None] | None = None,
                 timeout: float = 30.0) -> None:
        if not urls:
            raise ValueError("at least one endpoint URL is required")
        self.endpoints = [RpcEndpoint(u, timeout) for u in urls]
        self.health = {u: EndpointHealth(u) for u in urls}
        self._on_lie = on_lie

    def usable(self) -> list[RpcEndpoint]:
        """Endpoints not dropped, reachable ones first."""
        live = [e for e in self.endpoints if self.health[e.url].status != "dropped"]
        return sorted(live, key=lambda e: self.health[e.url].status != "ok")

    def health_all_dropped(self) -> bool:
        """Whether every endpoint was dropped as a liar (retrying cannot help)."""
        return not self.usable()

    def report_lie(self, err: LyingEndpointError) -> None:
        """Record a lie; drop the endpoint if another one is left."""
        h = self.health[err.endpoint]
        h.lies.append(err.reason)
        logger.warning("endpoint %s lied: %s", err.endpoint, err.reason)
        if len(self.usable()) > 1:
            h.status = "dropped"
            for e in self.endpoints:
                if e.url == err.endpoint:
                    e.close()
        if self._on_lie is not None:
            self._on_lie(err)

    def run(self, fn: Callable[[RpcEndpoint], T]) -> T:
        """Run ``fn`` on the best endpoint, failing over on errors and lies.

        Raises:
            LyingEndpointError: the only remaining endpoint lied (it is reported, never believed).
            NoHonestEndpointError: no endpoint could answer.
        """
        last: Exception | None = None
        for ep in self.usable():
            h = self.health[ep.url]
            start = time.perf_counter()
            try:
                result = fn(ep)
            except LyingEndpointError as err:
                self.report_lie(err)
                if h.status != "dropped":
                    raise
                last = err
                continue
            except EndpointError as err:
                h.errors += 1
                h.status = "unreachable"
                h.last_error = str(err)
                last = err
                continue
            h.requests += 1
            h.status = "ok"
            h.latency_ms = (time.perf_counter() - start) * 1000
            return result
        raise NoHonestEndpointError(f"no usable endpoint ({last})")

    def close(self) -> None:
        """Close all connections."""
        for e in self.endpoints:
            e.close()
