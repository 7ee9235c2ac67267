"""Shared fixtures: every test runs with its own HOME, config, data and wallet dirs."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

# Property tests check correctness, not speed: on a shared 2-core CI machine a first example that imports
# a codec can take ~1 s, which Hypothesis' default 200 ms deadline turns into a spurious failure.
settings.register_profile("tao-wallet", deadline=None)
settings.load_profile("tao-wallet")


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads or writes the real ~, XDG dirs or wallets."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("TAO_WALLET_PATH", str(tmp_path / "wallets"))
    monkeypatch.delenv("BT_WALLET_PATH", raising=False)
    return tmp_path
