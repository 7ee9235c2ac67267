"""Where tao-wallet keeps its files. Every path the app uses comes from here."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent

#: Bundled data: inside the installed package, or the repo's assets/ in a source checkout.
ASSETS: Path = _PACKAGE_DIR / "assets" if (_PACKAGE_DIR / "assets").is_dir() else _PACKAGE_DIR.parent / "assets"


def wallet_root() -> Path:
    """Wallet directory shared with bittensor-wallet/btcli (override: TAO_WALLET_PATH, BT_WALLET_PATH)."""
    raw = os.environ.get("TAO_WALLET_PATH") or os.environ.get("BT_WALLET_PATH") or "~/.bittensor/wallets"
    return Path(raw).expanduser()


def data_dir() -> Path:
    """App data (node database, localnet chain), following XDG_DATA_HOME."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    return Path(base) / "tao-wallet"


def config_dir() -> Path:
    """User configuration, following XDG_CONFIG_HOME."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    return Path(base) / "tao-wallet"


def cache_dir() -> Path:
    """Re-creatable caches (runtime metadata by runtime version), following XDG_CACHE_HOME."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base) / "tao-wallet"
