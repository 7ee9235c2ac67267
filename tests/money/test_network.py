"""Network profiles and the embedded localnet for the `local` profile."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tao_wallet.network import PROFILES, NetworkProfile, ensure_local_node, is_listening, resolve_network
from tao_wallet.services.chain import ChainService
from tao_wallet.services.errors import WalletError


def test_profiles() -> None:
    assert resolve_network("local").urls == ("ws://127.0.0.1:9944",) and resolve_network("local").is_local
    assert resolve_network("test").urls == ("wss://test.finney.opentensor.ai:443",)
    finney = resolve_network("FINNEY")
    assert finney.urls[0] == "wss://entrypoint-finney.opentensor.ai:443" and len(finney.urls) > 1
    custom = resolve_network("wss://node.example:443")
    assert custom.urls == ("wss://node.example:443",) and not custom.is_local
    assert set(PROFILES) == {"local", "test", "finney"}


@pytest.mark.parametrize("bad", ["mainnet", "http://127.0.0.1:9944", "ws://", ""])
def test_unknown_networks_are_refused(bad: str) -> None:
    with pytest.raises(WalletError, match="use local, test, finney") as info:
        resolve_network(bad)
    assert info.value.code == "unknown_network"


def test_local_profile_starts_the_embedded_localnet_when_nothing_listens(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    profile = NetworkProfile("local", (f"ws://127.0.0.1:{port}",), is_local=True)
    assert not is_listening(profile.urls[0])
    handle = ensure_local_node(profile, tmp_path / "chain.sqlite")
    assert handle is not None
    try:
        assert is_listening(profile.urls[0])
        assert ensure_local_node(profile) is None  # something listens now: nothing more is started
        chain = ChainService(profile)
        best, finalized, latency = chain.head()
        assert best.number >= finalized.number >= 0 and latency is not None
        chain.close()
    finally:
        handle.stop()
    assert (tmp_path / "chain.sqlite").exists()
    remote = resolve_network("wss://node.example:443")
    assert ensure_local_node(remote) is None  # never for remote networks (and no connection attempted)


def test_chain_service_follows_heads_as_models(localnet_url: str) -> None:
    import threading

    from tao_wallet.models import ChainHeadView

    chain = ChainService(localnet_url)
    seen: list[ChainHeadView] = []
    got = threading.Event()
    stop = threading.Event()

    def on_update(view: ChainHeadView) -> None:
        seen.append(view)
        got.set()

    thread = threading.Thread(target=chain.follow_heads, args=(on_update, stop), kwargs={"interval": 0.1})
    thread.start()
    try:
        assert got.wait(20)
    finally:
        stop.set()
        thread.join(10)
        chain.close()
    view = seen[0]
    assert view.connected and view.network == localnet_url and view.url == localnet_url
    assert view.best_number is not None and view.finalized_number is not None and view.latency_ms is not None
