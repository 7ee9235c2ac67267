"""Subscriptions: which connection wants which chain events, and fan-out of chain events to them.

Every subscription starts *buffered*: notifications are held until the response carrying its id has been
queued, so a client never sees a notification for an id it does not know yet (substrate-interface drops
those). Everything here runs on the event loop thread; chain listeners hop onto it first.
"""

from __future__ import annotations

import logging
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

_ID_ALPHABET = string.ascii_letters + string.digits

#: kind -> (notification method, unsubscribe methods that may end it)
KINDS: dict[str, str] = {
    "newHead": "chain_newHead",
    "finalizedHead": "chain_finalizedHead",
    "allHead": "chain_allHead",
    "storage": "state_storage",
    "runtimeVersion": "state_runtimeVersion",
    "extrinsic": "author_extrinsicUpdate",
}


class _CloseMarker:
    """Placeholder in a buffer: the subscription ends here (e.g. after `finalized`)."""


_CLOSE = _CloseMarker()


def new_subscription_id() -> str:
    """A random 16-character id, the shape jsonrpsee (Substrate) hands out."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(16))


@dataclass(eq=False)
class Subscription:
    """One live subscription of one connection."""

    id: str
    kind: str
    send: Callable[[dict[str, Any]], None]
    keys: frozenset[bytes] | None = None
    tx_hash: bytes | None = None
    live: bool = False
    buffer: list[Any] = field(default_factory=list)
    closed: bool = False

    def notify(self, result: Any) -> None:
        """Send (or hold, while buffered) one notification."""
        if self.closed:
            return
        if not self.live:
            self.buffer.append(result)
            return
        self.send(
            {
                "jsonrpc": "2.0",
                "method": KINDS[self.kind],
                "params": {"subscription": self.id, "result": result},
            }
        )


class SubscriptionHub:
    """All subscriptions of the server, indexed for fan-out."""

    def __init__(self) -> None:
        self._by_id: dict[str, Subscription] = {}
        self._owner: dict[str, object] = {}
        self._watchers: dict[bytes, list[Subscription]] = {}

    def __len__(self) -> int:
        return len(self._by_id)

    def count_of(self, owner: object) -> int:
        """Live subscriptions of one connection."""
        return sum(1 for own in self._owner.values() if own is owner)

    def add(
        self,
        owner: object,
        kind: str,
        send: Callable[[dict[str, Any]], None],
        *,
        keys: frozenset[bytes] | None = None,
        tx_hash: bytes | None = None,
    ) -> Subscription:
        """Register a buffered subscription owned by `owner` (a connection)."""
        sub = Subscription(new_subscription_id(), kind, send, keys=keys, tx_hash=tx_hash)
        self._by_id[sub.id] = sub
        self._owner[sub.id] = owner
        if tx_hash is not None:
            self._watchers.setdefault(tx_hash, []).append(sub)
        return sub

    def activate(self, sub: Subscription, initial: list[Any] | None = None) -> None:
        """Go live: send `initial` notifications, then whatever was buffered meanwhile."""
        if sub.closed:
            return
        held, sub.buffer = sub.buffer, []
        sub.live = True
        for result in [*(initial or []), *held]:
            if result is _CLOSE:
                self._discard(sub)
                return
            sub.notify(result)

    def remove(self, owner: object, sub_id: Any, kinds: tuple[str, ...]) -> bool:
        """Unsubscribe; only the owning connection may, and only with a matching method."""
        if not isinstance(sub_id, str | int):
            return False
        key = str(sub_id)
        sub = self._by_id.get(key)
        if sub is None or self._owner.get(key) is not owner or sub.kind not in kinds:
            return False
        self._discard(sub)
        return True

    def remove_subscription(self, sub: Subscription) -> None:
        """End a subscription from the server side (e.g. its setup failed)."""
        self._discard(sub)

    def drop_owner(self, owner: object) -> None:
        """Forget every subscription of a closed connection."""
        for sub_id in [sid for sid, own in self._owner.items() if own is owner]:
            self._discard(self._by_id[sub_id])

    def _discard(self, sub: Subscription) -> None:
        sub.closed = True
        self._by_id.pop(sub.id, None)
        self._owner.pop(sub.id, None)
        if sub.tx_hash is not None:
            watchers = self._watchers.get(sub.tx_hash, [])
            if sub in watchers:
                watchers.remove(sub)
            if not watchers:
                self._watchers.pop(sub.tx_hash, None)

    def of_kind(self, *kinds: str) -> list[Subscription]:
        """Current subscriptions of the given kinds."""
        return [sub for sub in self._by_id.values() if sub.kind in kinds]

    # ---- chain events (duck-typed on the facade's event class names) ----

    def dispatch(self, event: Any) -> None:
        """Fan one chain event out to the interested subscriptions."""
        name = type(event).__name__
        try:
            if name in ("NewHead", "Finalized"):
                subs = self.of_kind("newHead", "allHead") if name == "NewHead" else self.of_kind("finalizedHead")
                if subs:
                    header = event.header.to_json()
                    for sub in subs:
                        sub.notify(header)
            elif name == "StorageChanged":
                self._storage_changed(event.block_hash, event.changes)
            elif name == "ExtrinsicReady":  # a future transaction's nonce gap was filled
                self._tx_update(event.tx_hash, "ready", final=False)
            elif name == "ExtrinsicIncluded":
                self._tx_update(event.tx_hash, {"inBlock": "0x" + event.block_hash.hex()}, final=False)
            elif name == "ExtrinsicRetracted":  # its block was abandoned by a reorg; it is pooled again
                self._tx_update(event.tx_hash, {"retracted": "0x" + event.block_hash.hex()}, final=False)
            elif name == "ExtrinsicFinalized":
                self._tx_update(event.tx_hash, {"finalized": "0x" + event.block_hash.hex()}, final=True)
            elif name == "ExtrinsicDropped":
                # Substrate: "dropped" when the pool pushed it out (limits), "invalid" when it became invalid.
                reason = str(getattr(event, "reason", "")).lower()
                status = "dropped" if "drop" in reason or "limit" in reason else "invalid"
                self._tx_update(event.tx_hash, status, final=True)
        except Exception:  # a bad event must never take the server down
            logger.exception("failed to dispatch chain event %s", name)

    def _storage_changed(self, block_hash: bytes, changes: dict[bytes, bytes | None]) -> None:
        subs = self.of_kind("storage")
        if not subs:
            return
        block = "0x" + block_hash.hex()
        for sub in subs:
            picked = [
                ["0x" + key.hex(), None if value is None else "0x" + value.hex()]
                for key, value in changes.items()
                if sub.keys is None or key in sub.keys
            ]
            if picked:
                sub.notify({"block": block, "changes": picked})

    def _tx_update(self, tx_hash: bytes, result: Any, *, final: bool) -> None:
        for sub in list(self._watchers.get(tx_hash, [])):
            sub.notify(result)
            if final:
                if sub.live:
                    self._discard(sub)
                else:  # deliver after activation, then close
                    sub.buffer.append(_CLOSE)
