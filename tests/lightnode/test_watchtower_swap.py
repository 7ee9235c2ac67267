"""Watchtower end to end: a coldkey swap is announced for a watched coldkey on a real localnet.

A small scenario localnet over a real WebSocket; the announcement is a real signed extrinsic sent
through the wallet's TxRunner; the light node syncs with the coldkey watched, reads
``ColdkeySwapAnnouncements`` with read proofs at epoch blocks and raises exactly one ``coldkey_swap``
alert, shown by ``NodeService.alerts`` and on the Node screen. An endpoint that hides the
announcement is caught as a liar.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import DataTable

from keystore.keypair import Keypair
from node.client.extrinsic import CryptoScheme, ExternalSigner
from node.light import LightSync, LyingEndpointError, SyncConfig
from node.localnet.hashing import blake2_256, twox64, twox128
from node.localnet.rpc.embedded import LocalnetHandle, start_localnet
from node.localnet.rpc.server import ServerConfig
from node.localnet.subtensor.pallet import installer
from node.localnet.subtensor.scenario import Scenario, SubnetSpec
from screens.node import NodeScreen
from tao_wallet.services.chain import ChainService, encode_address
from tao_wallet.services.node import AlertRow, NodeService
from tao_wallet.services.tx import PendingStore, TxRunner
from tests.lightnode.proxy import TamperingProxy

TEMPO = 5
SC = Scenario(seed="watchtower", tempo=TEMPO, subnets=(
    SubnetSpec(name="Watch", validators=2, miners=3, pool_tao=1_000, pool_alpha=2_000, validator_stake=500),))
START = 3 * TEMPO


@pytest.fixture(scope="module")
def net() -> Iterator[LocalnetHandle]:
    handle = start_localnet(None, config=ServerConfig(port=0), installers=[installer(SC)], heartbeat=None)
    handle.chain.produce_blocks(START)
    yield handle
    handle.stop()


def keypair(role: str, index: int) -> Keypair:
    kp = Keypair.from_seed(SC.secret_seed(1, role, index))
    assert kp.public_key == SC.key(1, role, index)
    return kp


def announce(url: str, who: Keypair, new_coldkey: bytes, tmp: Path) -> int:
    """Send announce_coldkey_swap over the WebSocket; return the block it was included in."""
    chain = ChainService(url)
    runner = TxRunner(chain, PendingStore(tmp))
    try:
        call = chain.client.runtime().compose_call(
            "SubtensorModule", "announce_coldkey_swap", {"new_coldkey_hash": "0x" + blake2_256(new_coldkey).hex()})
        view = runner.sign_and_submit(call, ExternalSigner(who.public_key, CryptoScheme.SR25519, who.sign),
                                      wait_for="in_block")
        assert view.success, view
        assert ("SubtensorModule", "ColdkeySwapAnnounced") in [(e.pallet, e.name) for e in view.events]
        assert view.block_number is not None
        return int(view.block_number)
    finally:
        runner.close()
        chain.close()


def swap_alerts(service: NodeService) -> list[AlertRow]:
    return [a for a in service.alerts() if a.kind == "coldkey_swap"]


class Host(App[None]):
    def __init__(self, service: NodeService) -> None:
        super().__init__()
        self.service = service

    def on_mount(self) -> None:
        self.push_screen(NodeScreen(lambda: self.service))


async def test_announcement_for_a_watched_coldkey_raises_one_alert(net: LocalnetHandle, tmp_path: Path) -> None:
    watched, other = keypair("validator", 0), keypair("validator", 1)
    new_key = blake2_256(b"watchtower/attacker")  # the 32-byte account the swap would go to
    service = NodeService((net.url,), tmp_path / "node.sqlite", (encode_address(watched.public_key),))
    service.sync(threading.Event(), follow=False, stop_at=START)
    assert swap_alerts(service) == []  # nothing announced yet
    at = announce(net.url, watched, new_key, tmp_path / "p1")
    announce(net.url, other, new_key, tmp_path / "p2")  # not watched: no alert for it
    when = net.chain.read("SubtensorModule", "ColdkeySwapAnnouncements", watched.public_key)[0]
    net.chain.produce_blocks(2 * TEMPO)
    service.sync(threading.Event(), follow=False, stop_at=net.chain.best_number)
    [alert] = swap_alerts(service)
    assert alert.subject == encode_address(watched.public_key)
    assert f"0x{blake2_256(new_key).hex()}" in alert.detail and f"from block {when}" in alert.detail
    assert at <= alert.block <= at + TEMPO + 1  # raised at the first epoch block that saw it
    # later epochs (and a restarted sync) still see the announcement, but it is reported once
    net.chain.produce_blocks(2 * TEMPO)
    service.last_status = None
    service.sync(threading.Event(), follow=False, stop_at=net.chain.best_number)
    assert swap_alerts(service) == [alert]
    app = Host(service)
    async with app.run_test(size=(160, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one("#node-alerts", DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        assert [str(alert.block), "coldkey_swap", alert.subject, alert.detail] in [list(r) for r in rows]


def test_an_endpoint_hiding_the_announcement_is_caught(net: LocalnetHandle, tmp_path: Path) -> None:
    watched = keypair("validator", 0)
    if net.chain.read("SubtensorModule", "ColdkeySwapAnnouncements", watched.public_key) is None:
        announce(net.url, watched, blake2_256(b"watchtower/attacker"), tmp_path / "p")
        net.chain.produce_blocks(2 * TEMPO)
    key = ("0x" + (twox128(b"SubtensorModule") + twox128(b"ColdkeySwapAnnouncements")
                   + twox64(watched.public_key) + watched.public_key).hex())

    def hide(method: str, params: list[Any], result: Any) -> Any:
        if method == "state_queryStorageAt" and result:
            changes = [[k, None if k == key else v] for k, v in result[0]["changes"]]
            if changes != [list(c) for c in result[0]["changes"]]:
                return [{"block": result[0]["block"], "changes": changes}]
        return result

    proxy = TamperingProxy(net.url, hide)
    try:
        sync = LightSync(SyncConfig(tmp_path / "light.sqlite", (proxy.url,), follow=False,
                                    stop_at=net.chain.best_number, coldkeys=(watched.public_key,)))
        with pytest.raises(LyingEndpointError, match="wrong storage value"):
            sync.run(threading.Event())
        assert proxy.tampered >= 1
    finally:
        proxy.stop()
