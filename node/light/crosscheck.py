"""Cross-checking endpoints: with several, the majority's canonical hash at our finalized block wins.

Without GRANDPA justifications one endpoint can serve a self-consistent fake chain (every header
hashes and links, every proof matches its own roots). Asking every endpoint for its hash at our
finalized height catches that whenever the honest endpoints are the majority.
"""

from __future__ import annotations

import logging

from node.light.chain import canonical_hashes
from node.light.endpoints import EndpointPool
from node.light.errors import EndpointError, LyingEndpointError

logger = logging.getLogger(__name__)


def cross_check(pool: EndpointPool, number: int, ours: bytes) -> bool:
    """Compare our stored hash at ``number`` with every usable endpoint's canonical hash.

    Endpoints in the minority are reported as liars (and dropped while others remain). A tie
    decides nothing (logged).

    Returns:
        False if the majority disagrees with what we stored (it came from a liar), else True.
    """
    votes: dict[str, bytes] = {}
    for ep in pool.usable():
        try:
            [h] = canonical_hashes(ep, [number])
        except (EndpointError, LyingEndpointError):
            continue
        if h is not None:
            votes[ep.url] = h
    agree = [u for u, h in votes.items() if h == ours]
    disagree = [u for u, h in votes.items() if h != ours]
    if len(votes) < 2 or not disagree:
        return True
    if len(agree) > len(disagree):
        for url in disagree:
            pool.report_lie(LyingEndpointError(url, f"its block #{number} differs from the other endpoints'"))
        return True
    if len(disagree) > len(agree):
        for url in agree:
            pool.report_lie(LyingEndpointError(url, f"served a chain the other endpoints reject at #{number}"))
        return False
    logger.warning("endpoints split evenly on block #%d: %s", number, sorted(votes))
    return True
