"""System.Events of a block, filtered to one extrinsic, in a plain shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from node.client.client import ChainClient


@dataclass(frozen=True)
class EventRecord:
    """One runtime event: pallet, event name and its decoded attributes."""

    extrinsic_index: int | None
    pallet: str
    name: str
    attributes: Any


def block_events(client: ChainClient, block_hash: bytes) -> list[EventRecord]:
    """Every event of a block, decoded with the runtime's own types."""
    records = client.storage("System", "Events", at=block_hash)
    return [_record(r) for r in records or []]


def extrinsic_events(client: ChainClient, block_hash: bytes, index: int) -> list[EventRecord]:
    """The events an extrinsic triggered (phase ApplyExtrinsic(index))."""
    return [e for e in block_events(client, block_hash) if e.extrinsic_index == index]


def _record(raw: Any) -> EventRecord:
    phase = raw.get("phase")
    index = raw.get("extrinsic_idx")
    if index is None and isinstance(phase, dict) and "ApplyExtrinsic" in phase:
        index = phase["ApplyExtrinsic"]
    event = raw.get("event", raw)
    pallet = event.get("module_id") or raw.get("module_id")
    name = event.get("event_id") or raw.get("event_id")
    attributes = event.get("attributes", raw.get("attributes"))
    if pallet is None and isinstance(event, dict) and len(event) == 1:
        # plain enum rendering: {"Balances": {"Transfer": {...}}}
        pallet, inner = next(iter(event.items()))
        name, attributes = next(iter(inner.items())) if isinstance(inner, dict) else (str(inner), None)
    return EventRecord(None if index is None else int(index), str(pallet), str(name), attributes)
