"""Network profiles: which endpoints a network name means, and starting the embedded localnet.

`local` is the default: ws://127.0.0.1:9944, served by the embedded localnet when nothing listens there.
Any ws:// or wss:// URL is accepted as a one-endpoint profile.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from tao_wallet.paths import data_dir
from tao_wallet.services.errors import WalletError

if TYPE_CHECKING:
    from node.localnet.rpc.embedded import LocalnetHandle


@dataclass(frozen=True)
class NetworkProfile:
    """A named network and its endpoints (first = preferred, the rest = fallbacks)."""

    name: str
    urls: tuple[str, ...]
    is_local: bool = False
    """True when the app may start the embedded localnet for it."""


LOCAL_URL = "ws://127.0.0.1:9944"

PROFILES: dict[str, NetworkProfile] = {
    "local": NetworkProfile("local", (LOCAL_URL,), is_local=True),
    "test": NetworkProfile("test", ("wss://test.finney.opentensor.ai:443",)),
    "finney": NetworkProfile(
        "finney",
        ("wss://entrypoint-finney.opentensor.ai:443", "wss://archive.chain.opentensor.ai:443"),
    ),
}


def resolve_network(name_or_url: str) -> NetworkProfile:
    """The profile for a name (`local`, `test`, `finney`) or a ws/wss URL.

    Raises:
        WalletError: "unknown_network" for anything else (lists what is accepted).
    """
    text = name_or_url.strip()
    profile = PROFILES.get(text.lower())
    if profile is not None:
        return profile
    parsed = urlparse(text)
    if parsed.scheme in ("ws", "wss") and parsed.hostname:
        local = parsed.hostname in ("127.0.0.1", "localhost", "::1")
        return NetworkProfile(text, (text,), is_local=local and text == LOCAL_URL)
    raise WalletError(
        "unknown_network",
        f"unknown network {text!r}: use local, test, finney or a ws:// / wss:// URL",
    )


def is_listening(url: str, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections at the URL's host and port."""
    parsed = urlparse(url)
    port = parsed.port or (443 if parsed.scheme == "wss" else 80)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def localnet_db_path() -> Path:
    """Where the embedded localnet keeps its chain between runs."""
    return data_dir() / "localnet" / "chain.sqlite"


def ensure_local_node(profile: NetworkProfile, db_path: Path | None = None) -> LocalnetHandle | None:
    """Start the embedded localnet on the profile's port when the profile is local and nothing listens.

    Returns:
        The running localnet's handle (call `stop()` on exit), or None when not needed.
    """
    if not profile.is_local or is_listening(profile.urls[0]):
        return None
    from node.localnet.rpc.embedded import start_localnet
    from node.localnet.rpc.server import ServerConfig

    parsed = urlparse(profile.urls[0])
    config = ServerConfig(host=parsed.hostname or "127.0.0.1", port=parsed.port or 9944)
    return start_localnet(db_path or localnet_db_path(), config=config)
