"""Following a transaction to finality must not lose the node's `finalized` notification.

On the instant-seal localnet `inBlock` and `finalized` arrive back to back. `Submission` reads the block
(header, body, events) on the same connection when `inBlock` arrives; node.client.transport keeps the
notifications of a followed subscription that arrive during those reads (it used to drop them: the
subscription then idled for 60 s, the status went `unknown` ("connection lost") and `resolve()` found the
block finalized, a false alarm on every CLI/TUI transaction waiting for finality).
"""

from __future__ import annotations

import time

from tao_wallet.models import TxStatusView
from tao_wallet.services.chain import ChainService
from tao_wallet.services.transfers import AddressBook, TransferService
from tests.money.conftest import Funder, fresh_keypair, signer_of


def test_finalized_is_followed_without_a_false_connection_loss(funder: Funder, chain: ChainService,
                                                               tmp_path: object) -> None:
    sender, dest = fresh_keypair(), fresh_keypair()
    funder.fund(sender.ss58_address, 3)  # type: ignore[attr-defined]
    service = TransferService(chain, AddressBook(tmp_path / "book.json"))  # type: ignore[operator]
    prepared = service.prepare(sender.ss58_address, dest.ss58_address, "1", "keep_alive")  # type: ignore[attr-defined]
    seen: list[TxStatusView] = []
    started = time.monotonic()
    view = service.send(prepared, signer_of(sender), on_status=seen.append, wait_for="finalized")
    elapsed = time.monotonic() - started
    service.runner.close()
    assert view.phase == "finalized" and view.success is True
    assert "unknown" not in [v.phase for v in seen], [v.detail for v in seen if v.phase == "unknown"]
    assert elapsed < 15, f"took {elapsed:.0f} s"
