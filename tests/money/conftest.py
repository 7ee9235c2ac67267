"""Fixtures for the money tests: decoded runtimes (decoding takes ~1 s, so once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.client.runtime import Runtime

REPO = Path(__file__).resolve().parents[2]
LOCAL_METADATA = REPO / "assets" / "metadata" / "subtensor-localnet-spec461.v14.hex"
FINNEY_METADATA = REPO / "tests" / "data" / "subtensor-finney-spec343.v14.hex"


@pytest.fixture(scope="session")
def runtime461() -> Runtime:
    """The bundled localnet runtime (spec 461)."""
    return Runtime.from_file(LOCAL_METADATA)


@pytest.fixture(scope="session")
def runtime343() -> Runtime:
    """An older finney runtime (spec 343), to show nothing is tied to one runtime."""
    return Runtime.from_file(FINNEY_METADATA)
