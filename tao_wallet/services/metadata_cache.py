"""On-disk cache of a runtime's V15 metadata bytes, keyed by the chain and the runtime's full version.

The V15 metadata (~0.8 MB) describes the runtime-API and storage types; it changes only with the
runtime, and every runtime upgrade changes `state_getRuntimeVersion` (spec version at least). So the
key is the genesis hash plus the whole version answer (spec name/version, impl version, transaction
version, the list of runtime APIs and their versions), and a new runtime simply misses the cache.
Only metadata is cached, never chain state. A corrupt or unreadable file is treated as a miss.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from tao_wallet.paths import cache_dir

logger = logging.getLogger(__name__)

#: Bumped if the file format changes.
FORMAT = 1


def cache_key(genesis: bytes, version: dict[str, Any]) -> str:
    """Hex digest naming one runtime of one chain."""
    body = json.dumps({"format": FORMAT, "genesis": genesis.hex(), "version": version}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()[:40]


def _path(key: str, root: Path | None) -> Path:
    return (root or cache_dir()) / "runtime-metadata" / f"{key}.v15"


def load(key: str, root: Path | None = None) -> bytes | None:
    """The cached V15 bytes for `key`, or None (missing or unreadable)."""
    path = _path(key, root)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    digest, blob = data[:32], data[32:]
    if hashlib.sha256(blob).digest() != digest:
        logger.warning("ignoring a corrupt metadata cache file %s", path)
        return None
    return blob


def store(key: str, blob: bytes, root: Path | None = None) -> None:
    """Write `blob` atomically (a checksum first); failures are logged, never raised: it is only a cache."""
    path = _path(key, root)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as out:
            out.write(hashlib.sha256(blob).digest() + blob)
        os.replace(tmp, path)
    except OSError:
        logger.warning("could not write the metadata cache %s", path, exc_info=True)
