"""Notifications the Chain sends to its listeners (the RPC server's subscriptions)."""

from __future__ import annotations

from dataclasses import dataclass

from node.localnet.header import Header


@dataclass(frozen=True)
class NewHead:
    """A new best block was imported."""

    header: Header
    block_hash: bytes


@dataclass(frozen=True)
class Finalized:
    """A block became final."""

    header: Header
    block_hash: bytes


@dataclass(frozen=True)
class ExtrinsicReady:
    """A pooled transaction waiting for an earlier nonce (future) became ready: the gap was filled."""

    tx_hash: bytes


@dataclass(frozen=True)
class ExtrinsicIncluded:
    """A pooled transaction was included in a block at `index`."""

    tx_hash: bytes
    block_hash: bytes
    index: int


@dataclass(frozen=True)
class ExtrinsicFinalized:
    """The block including a transaction became final."""

    tx_hash: bytes
    block_hash: bytes


@dataclass(frozen=True)
class ExtrinsicDropped:
    """A pooled transaction was dropped (became invalid: stale nonce, expired era, cannot pay)."""

    tx_hash: bytes
    reason: str


@dataclass(frozen=True)
class ExtrinsicRetracted:
    """The block that included a transaction was abandoned by a reorg (it goes back to the pool)."""

    tx_hash: bytes
    block_hash: bytes


@dataclass(frozen=True)
class StorageChanged:
    """Storage keys written by a block (None = deleted)."""

    block_hash: bytes
    changes: dict[bytes, bytes | None]


ChainEvent = (NewHead | Finalized | ExtrinsicReady | ExtrinsicIncluded | ExtrinsicFinalized | ExtrinsicDropped
              | ExtrinsicRetracted | StorageChanged)
