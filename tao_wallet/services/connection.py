"""ChainConnection: the app's one network -- its profile, the embedded localnet when the app starts it, a
shared ChainService for the chain screens, and the head follower that feeds the header.

Blocking (starting the localnet takes seconds on a new chain): call it from thread workers. No Textual.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tao_wallet.models import ChainHeadView
from tao_wallet.network import NetworkProfile, ensure_local_node
from tao_wallet.services.errors import WalletError

if TYPE_CHECKING:
    from node.localnet.rpc.embedded import LocalnetHandle
    from tao_wallet.services.chain import ChainService

logger = logging.getLogger(__name__)

CONNECTING = "connecting"
ONLINE = "online"
RECONNECTING = "reconnecting"
OFFLINE = "offline"


def next_state(previous: str, view: ChainHeadView) -> str:
    """Connection state after a head report: online; reconnecting once a live connection was lost;
    offline while the node has never answered (the follower keeps retrying in both cases)."""
    if view.connected:
        return ONLINE
    return RECONNECTING if previous in (ONLINE, RECONNECTING) else OFFLINE


def status_line(network: str, state: str, view: ChainHeadView | None) -> str:
    """The header's subtitle: `local · online · #120 (finalized #118) · 3 ms`."""
    parts = [network, state]
    if view is not None and view.best_number is not None:
        parts.append(f"#{view.best_number} (finalized #{view.finalized_number})")
    if view is not None and view.connected and view.latency_ms is not None:
        parts.append(f"{view.latency_ms:.0f} ms")
    return " · ".join(parts)


class ChainConnection:
    """One network for the whole app.

    Args:
        profile: the network profile (`tao_wallet.network.resolve_network`).
        embedded: start the embedded localnet when the profile is local and nothing listens on its port.
        db_path: the embedded localnet's chain database (default: `network.localnet_db_path()`).
    """

    def __init__(self, profile: NetworkProfile, *, embedded: bool = True, db_path: Path | None = None) -> None:
        self.profile = profile
        self.embedded = embedded
        self._db_path = db_path
        self._lock = threading.Lock()
        self._handle: LocalnetHandle | None = None
        self._checked = False
        self._chain: ChainService | None = None
        self._closed = False

    @property
    def started_embedded(self) -> bool:
        """True while the embedded localnet this connection started is running."""
        return self._handle is not None

    def ensure_node(self) -> None:
        """Start the embedded localnet if this profile needs it (once; other callers wait for it).

        Raises:
            WalletError: "localnet_failed" when it could not start (e.g. the port was taken meanwhile).
        """
        with self._lock:
            if self._checked or self._closed or not self.embedded:
                return
            self._checked = True
            try:
                self._handle = ensure_local_node(self.profile, self._db_path)
            except Exception as exc:  # start-up errors of any kind: say what happened, the app stays usable
                logger.warning("embedded localnet did not start: %s", exc)
                raise WalletError("localnet_failed", f"the embedded localnet did not start: {exc}") from None
            if self._handle is not None:
                logger.info("started the embedded localnet on %s", self._handle.url)

    def chain(self) -> ChainService:
        """The shared ChainService (after `ensure_node`); its client reconnects on the next request."""
        from tao_wallet.services.chain import ChainService

        self.ensure_node()
        with self._lock:
            if self._chain is None:
                self._chain = ChainService(self.profile)
            return self._chain

    def new_chain(self) -> ChainService:
        """A ChainService of its own (the caller closes it), after `ensure_node`."""
        from tao_wallet.services.chain import ChainService

        self.ensure_node()
        return ChainService(self.profile)

    def follow(self, on_update: Callable[[ChainHeadView], None], stop: threading.Event, *,
               interval: float = 1.0, backoff_max: float = 8.0) -> None:
        """Start the node if needed, then report head changes until `stop` is set (blocks; thread worker)."""
        from tao_wallet.services.chain import ChainService

        try:
            self.ensure_node()
        except WalletError as exc:
            on_update(ChainHeadView(self.profile.name, False, None, None, None, None, exc.message))
        ChainService(self.profile).follow_heads(on_update, stop, interval=interval, backoff_max=backoff_max)

    def close(self, timeout: float = 30.0) -> None:
        """Close the shared connection and stop the embedded localnet if this connection started it."""
        with self._lock:
            self._closed = True
            chain, self._chain = self._chain, None
            handle, self._handle = self._handle, None
        if chain is not None:
            chain.close()
        if handle is not None:
            logger.info("stopping the embedded localnet on %s", handle.url)
            handle.stop(timeout)
