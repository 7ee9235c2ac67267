"""Following the chain head for a status line: best/finalized block and latency, reconnecting with backoff.

Runs in a thread the caller owns (a Textual worker, a CLI loop); stops when `stop` is set.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from node.client.client import BlockRef, ChainClient
from node.client.errors import ChainClientError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChainHead:
    """What the header shows. `connected=False` carries the last known blocks and the error."""

    connected: bool
    url: str | None
    best: BlockRef | None
    finalized: BlockRef | None
    latency_ms: float | None
    error: str | None = None


def follow_heads(
    client: ChainClient,
    on_update: Callable[[ChainHead], None],
    stop: threading.Event,
    *,
    interval: float = 1.0,
    backoff: float = 0.5,
    backoff_max: float = 8.0,
) -> None:
    """Poll best/finalized/latency every `interval` s and report changes; on failure report the loss and
    retry with exponential backoff until `stop` is set.
    """
    delay = backoff
    last: ChainHead | None = None
    while not stop.is_set():
        try:
            if not client.connected:
                client.connect()
            best, finalized = client.best_block(), client.finalized_block()
            head = ChainHead(True, client.url, best, finalized, client.ping())
            if last is None or (head.connected, head.best, head.finalized, head.url) != (
                last.connected, last.best, last.finalized, last.url
            ):
                on_update(head)
            last, delay, wait = head, backoff, interval
        except ChainClientError as exc:
            logger.info("head follower: %s (retrying in %.1f s)", exc, delay)
            client.close()
            head = ChainHead(False, client.url, last.best if last else None, last.finalized if last else None,
                             None, str(exc))
            if last is None or last.connected or last.error != head.error:
                on_update(head)
            last, wait, delay = head, delay, min(delay * 2, backoff_max)
        stop.wait(wait)
