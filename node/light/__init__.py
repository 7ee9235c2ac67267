"""The embedded light node: verified header sync into SQLite, epoch snapshots and local audits.

Public surface (see docs/light-node.md):

* ``LightSync(SyncConfig, on_progress, on_lie).run(stop_event)`` -- the one writer thread.
* ``SyncProgress`` -- progress reports; ``EndpointHealth`` -- per-endpoint status.
* ``VerifiedReader`` / ``read_verified_on`` -- storage reads proven against a verified header.
* ``EpochSnapshot``, ``audit`` -- what an epoch consumed and produced, compared with node.consensus.
* ``open_db`` / ``LightStore`` -- the SQLite database (WAL, migrations, one transaction per block).
* Errors: ``LightNodeError``, ``EndpointError``, ``LyingEndpointError``, ``NoHonestEndpointError``.
"""

from __future__ import annotations

from node.light.endpoints import EndpointHealth, EndpointPool
from node.light.errors import EndpointError, LightNodeError, LyingEndpointError, NoHonestEndpointError
from node.light.reader import VerifiedReader, read_verified_on
from node.light.snapshot import AuditResult, EpochSnapshot, audit
from node.light.store import LightStore, open_db
from node.light.sync import ForkBeyondFinalityError, LightSync, SyncConfig, SyncProgress

__all__ = [
    "AuditResult",
    "EndpointError",
    "EndpointHealth",
    "EndpointPool",
    "EpochSnapshot",
    "ForkBeyondFinalityError",
    "LightNodeError",
    "LightStore",
    "LightSync",
    "LyingEndpointError",
    "NoHonestEndpointError",
    "SyncConfig",
    "SyncProgress",
    "VerifiedReader",
    "audit",
    "open_db",
    "read_verified_on",
]
