"""A connection dropped mid-submit: the state is re-checked, reported in plain words, nothing half done."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from node.client.client import ChainClient
from tao_wallet.models import TxStatusView
from tao_wallet.services.chain import ChainService, decode_address
from tao_wallet.services.transfers import AddressBook, TransferService
from tao_wallet.services.tx import PendingStore, TxRunner
from tests.money.conftest import Funder, fresh_keypair, signer_of
from tests.money.tcp_proxy import TcpProxy


@pytest.fixture
def proxy(localnet_url: str) -> Iterator[TcpProxy]:
    p = TcpProxy(urlparse(localnet_url).port or 0)
    yield p
    p.stop()


def _through(proxy: TcpProxy, tmp_path: Path) -> tuple[ChainService, TransferService]:
    client = ChainClient([proxy.url], timeout=5.0, max_rounds=2, backoff=0.2)
    chain = ChainService(proxy.url, client=client)
    runner = TxRunner(chain, PendingStore(tmp_path / "pending"))
    return chain, TransferService(chain, AddressBook(tmp_path / "book.json"), runner)


def test_dropped_after_sending_is_found_in_a_block(
    proxy: TcpProxy, funder: Funder, chain: ChainService, tmp_path: Path
) -> None:
    sender, dest = fresh_keypair(), fresh_keypair()
    funder.fund(sender.ss58_address, 5)  # type: ignore[attr-defined]
    via, service = _through(proxy, tmp_path)
    prepared = service.prepare(sender.ss58_address, dest.ss58_address, "1", "keep_alive")  # type: ignore[attr-defined]
    seen: list[TxStatusView] = []
    proxy.arm("forward")
    view = service.send(prepared, signer_of(sender), on_status=seen.append)
    assert proxy.triggered.is_set()
    unknown = [v for v in seen if v.phase == "unknown"]
    assert unknown and "connection lost" in unknown[0].detail and "sent but the node had not confirmed" in unknown[0].detail
    assert view.phase == "finalized" and view.success is True and view.block_number is not None
    assert ("Balances", "Transfer") in [(e.pallet, e.name) for e in view.events]
    assert chain.balance(dest.ss58_address).free_rao == 10**9  # type: ignore[attr-defined]  # exactly once
    assert not list((tmp_path / "pending").glob("*.json"))  # resolved: nothing left pending
    via.close()


def test_swallowed_submit_is_reported_as_never_received(
    proxy: TcpProxy, funder: Funder, chain: ChainService, tmp_path: Path
) -> None:
    sender, dest = fresh_keypair(), fresh_keypair()
    funder.fund(sender.ss58_address, 5)  # type: ignore[attr-defined]
    via, service = _through(proxy, tmp_path)
    prepared = service.prepare(sender.ss58_address, dest.ss58_address, "1", "keep_alive")  # type: ignore[attr-defined]
    proxy.arm("swallow")
    view = service.send(prepared, signer_of(sender))
    assert view.phase == "unknown"
    assert "never received" in view.detail and "Nothing was charged" in view.detail
    assert "re-sending the same signed transaction is safe" in view.detail
    assert chain.balance(sender.ss58_address).free_rao == 5 * 10**9  # type: ignore[attr-defined]
    assert chain.balance(dest.ss58_address).free_rao == 0  # type: ignore[attr-defined]
    # the signed transaction is kept on disk; re-checking does not invent an outcome
    assert len(list((tmp_path / "pending").glob("*.json"))) == 1
    (again,) = service.runner.recheck_pending()
    assert again.phase == "unknown"
    via.close()


def test_node_gone_then_back_pending_state_survives(
    proxy: TcpProxy, funder: Funder, chain: ChainService, tmp_path: Path
) -> None:
    sender, dest = fresh_keypair(), fresh_keypair()
    funder.fund(sender.ss58_address, 5)  # type: ignore[attr-defined]
    via, service = _through(proxy, tmp_path)
    prepared = service.prepare(sender.ss58_address, dest.ss58_address, "2", "keep_alive")  # type: ignore[attr-defined]
    proxy.arm("forward")

    def stop_when_cut(view: TxStatusView) -> None:
        if view.phase == "unknown" and proxy.triggered.is_set():
            # let the node take the transaction (pool counts in the next nonce), then make it unreachable
            deadline = time.monotonic() + 20
            while chain.client.next_nonce(decode_address(sender.ss58_address)) == 0:  # type: ignore[attr-defined]
                assert time.monotonic() < deadline, "the node never received the forwarded submit"
                time.sleep(0.05)
            proxy.stop()

    view = service.send(prepared, signer_of(sender), on_status=stop_when_cut)
    assert view.phase == "unknown"
    assert "the node is unreachable" in view.detail and "Nothing else was sent" in view.detail
    assert len(list((tmp_path / "pending").glob("*.json"))) == 1
    # later (e.g. the next app start) the node is back: the pending transaction is resolved from disk
    proxy.start()
    fresh_chain = ChainService(proxy.url)
    runner = TxRunner(fresh_chain, PendingStore(tmp_path / "pending"))
    (resolved,) = runner.recheck_pending()
    assert resolved.phase in ("in_block", "finalized") and resolved.success is True
    assert chain.balance(dest.ss58_address).free_rao == 2 * 10**9  # type: ignore[attr-defined]
    assert not list((tmp_path / "pending").glob("*.json"))
    fresh_chain.close()
    via.close()


def test_cli_pending_resend_completes_a_never_received_transfer(
    proxy: TcpProxy, funder: Funder, chain: ChainService, localnet_url: str
) -> None:
    """After a swallowed submit, `tx pending` reports it; `tx pending --resend` sends the same bytes once."""
    from tests.money.cli_helpers import run

    sender, dest = fresh_keypair(), fresh_keypair()
    funder.fund(sender.ss58_address, 5)  # type: ignore[attr-defined]
    client = ChainClient([proxy.url], timeout=5.0, max_rounds=2, backoff=0.2)
    via = ChainService(localnet_url, client=client)  # same network name as the CLI run below
    service = TransferService(via, AddressBook(), TxRunner(via))  # default pending store in the data dir
    prepared = service.prepare(sender.ss58_address, dest.ss58_address, "1", "keep_alive")  # type: ignore[attr-defined]
    proxy.arm("swallow")
    assert service.send(prepared, signer_of(sender)).phase == "unknown"
    service.runner.close()
    via.close()

    result = run("tx", "pending", "--network", localnet_url, "--json")
    assert result.code == 0, result.stderr
    (still,) = result.json()
    assert still["phase"] == "unknown" and "never received" in still["detail"]
    assert chain.balance(dest.ss58_address).free_rao == 0  # type: ignore[attr-defined]

    result = run("tx", "pending", "--network", localnet_url, "--resend", "--json")
    assert result.code == 0, result.stderr
    (done,) = result.json()
    assert done["phase"] in ("in_block", "finalized") and done["success"] is True
    assert chain.balance(dest.ss58_address).free_rao == 10**9  # type: ignore[attr-defined]
    assert run("tx", "pending", "--network", localnet_url).stdout.strip() == "no pending transactions"
