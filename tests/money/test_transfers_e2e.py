"""Transfers through the services against the real localnet over a real WebSocket."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from node.client.extrinsic import fee_probe_extrinsic, sign_extrinsic
from tao_wallet.services.chain import ChainService, decode_address
from tao_wallet.services.errors import WalletError
from tao_wallet.services.transfers import AddressBook, TransferService
from tao_wallet.services.tx import PendingStore, TxRunner
from tests.money.conftest import Funder, fresh_keypair, signer_of


def _service(chain: ChainService, tmp_path: Path) -> TransferService:
    return TransferService(chain, AddressBook(tmp_path / "book.json"), TxRunner(chain, PendingStore(tmp_path / "p")))


def test_balance_of_a_funded_account(chain: ChainService, funder: Funder) -> None:
    kp = fresh_keypair()
    funder.fund(kp.ss58_address, 3)  # type: ignore[attr-defined]
    view = chain.balance(kp.ss58_address)  # type: ignore[attr-defined]
    assert view.free == Decimal(3) and view.free_rao == 3 * 10**9 and view.reserved == 0
    assert view.total == Decimal(3) and view.block_number >= 1 and view.network.startswith("ws://")


def test_transfer_with_fee_and_events(chain: ChainService, funder: Funder, tmp_path: Path) -> None:
    sender, dest = fresh_keypair(), fresh_keypair()
    funder.fund(sender.ss58_address, 10)  # type: ignore[attr-defined]
    service = _service(chain, tmp_path)
    prepared = service.prepare(sender.ss58_address, dest.ss58_address, "1.25", "keep_alive")  # type: ignore[attr-defined]
    p = prepared.preview
    assert p.amount == Decimal("1.25") and p.fee_rao > 0 and p.call.startswith("Balances.transfer_keep_alive(")
    assert any("new" in w for w in p.warnings)
    phases: list[str] = []
    view = service.send(prepared, signer_of(sender), on_status=lambda v: phases.append(v.phase))
    assert phases[:3] == ["submitting", "in_pool", "in_block"] and view.phase == "finalized"
    assert view.success is True and view.fee == p.fee  # the fee paid is what the preview said
    names = [(e.pallet, e.name) for e in view.events]
    assert ("Balances", "Transfer") in names and ("System", "ExtrinsicSuccess") in names
    assert chain.balance(dest.ss58_address).free_rao == 1_250_000_000  # type: ignore[attr-defined]
    assert chain.balance(sender.ss58_address).free_rao == 10 * 10**9 - 1_250_000_000 - p.fee_rao  # type: ignore[attr-defined]


def test_failing_transfer_is_decoded(chain: ChainService, funder: Funder, tmp_path: Path) -> None:
    """Balance spent between preview and send: the chain refuses, and we say why and what to do."""
    sender, dest = fresh_keypair(), fresh_keypair()
    funder.fund(sender.ss58_address, 5)  # type: ignore[attr-defined]
    service = _service(chain, tmp_path)
    prepared = service.prepare(sender.ss58_address, dest.ss58_address, "4", "allow_death")  # type: ignore[attr-defined]
    drain = service.prepare(sender.ss58_address, dest.ss58_address, "3", "keep_alive")  # type: ignore[attr-defined]
    assert service.send(drain, signer_of(sender), wait_for="in_block").success
    view = service.send(prepared, signer_of(sender))
    assert view.success is False and view.phase == "finalized"
    assert view.error is not None and view.error.startswith("Token.FundsUnavailable")
    assert view.hint and "send less" in view.hint
    assert view.fee is not None and view.fee > 0  # the fee is charged even though the call failed


def test_several_transfers_in_a_row_use_consecutive_nonces(chain: ChainService, funder: Funder, tmp_path: Path) -> None:
    sender, dest = fresh_keypair(), fresh_keypair()
    funder.fund(sender.ss58_address, 10)  # type: ignore[attr-defined]
    runner = TxRunner(chain, PendingStore(tmp_path / "p"))
    client = chain.client
    runtime = client.runtime()
    key = decode_address(sender.ss58_address)  # type: ignore[attr-defined]
    # sign three before submitting any: the tracker must hand out n, n+1, n+2
    signed = []
    for i in range(3):
        call = runtime.compose_call("Balances", "transfer_keep_alive",
                                    {"dest": "0x" + dest.public_key.hex(), "value": (i + 1) * 10**9})  # type: ignore[attr-defined]
        nonce = runner.nonces.reserve(key)
        ctx = client.signing_context(nonce)
        signed.append((nonce, sign_extrinsic(runtime, call, ctx, signer_of(sender)), ctx.valid_until()))
    assert [n for n, _, _ in signed] == [0, 1, 2]
    for _, extrinsic, valid_until in signed:
        assert runner.submit(extrinsic, valid_until, wait_for="in_block").success
    assert client.next_nonce(key) == 3
    assert chain.balance(dest.ss58_address).free_rao == 6 * 10**9  # type: ignore[attr-defined]
    # a reused nonce is rejected with a plain reason, and the tracker re-syncs
    with pytest.raises(WalletError, match="nonce") as info:
        runner.submit(signed[0][1], signed[0][2])
    assert info.value.code == "transaction_rejected"
    call = runtime.compose_call("System", "remark", {"remark": "0x01"})
    assert runner.sign_and_submit(call, signer_of(sender), wait_for="in_block").success


def test_rapid_transfers_then_recheck(chain: ChainService, funder: Funder, tmp_path: Path) -> None:
    """Several transfers sent back to back (returning once the node accepts each), resolved afterwards."""
    sender, dest = fresh_keypair(), fresh_keypair()
    funder.fund(sender.ss58_address, 10)  # type: ignore[attr-defined]
    service = _service(chain, tmp_path)
    views = []
    for amount in ("1", "2", "3"):
        prepared = service.prepare(sender.ss58_address, dest.ss58_address, amount, "keep_alive")  # type: ignore[attr-defined]
        views.append(service.send(prepared, signer_of(sender), wait_for="in_pool"))
    assert all(v.phase in ("in_pool", "in_block") for v in views)
    assert len({v.tx_hash for v in views}) == 3
    resolved = service.runner.recheck_pending()
    assert len(resolved) == sum(v.phase == "in_pool" for v in views)  # only the undecided ones were kept
    assert all(r.success for r in resolved)
    assert not list((tmp_path / "p").glob("*.json"))
    assert chain.balance(dest.ss58_address).free_rao == 6 * 10**9  # type: ignore[attr-defined]
    assert chain.client.next_nonce(decode_address(sender.ss58_address)) == 3  # type: ignore[attr-defined]
    service.runner.close()


@pytest.fixture(scope="module")
def two_tao_sender(funder: Funder) -> object:
    """One account holding 2 TAO, shared by the refusal cases (none of them changes chain state)."""
    kp = fresh_keypair()
    funder.fund(kp.ss58_address, 2)  # type: ignore[attr-defined]
    return kp


@pytest.mark.parametrize(
    ("amount", "mode", "code", "needle"),
    [
        ("1.0000000001", "keep_alive", "invalid_amount", "10 decimal places; TAO has at most 9"),
        ("-1", "keep_alive", "invalid_amount", "must be positive"),
        ("0", "keep_alive", "invalid_amount", "greater than zero"),
        ("abc", "keep_alive", "invalid_amount", "not a number"),
        ("NaN", "keep_alive", "invalid_amount", "not a finite"),
        ("50", "keep_alive", "insufficient_balance", "more than the free balance 2 TAO"),
        ("0.0000001", "keep_alive", "below_existential_deposit", "does not exist yet"),
        (None, "keep_alive", "invalid_amount", "give --amount"),
        ("1", "all", "invalid_amount", "do not give --amount"),
    ],
)
def test_bad_input_is_refused_before_signing(
    chain: ChainService, two_tao_sender: object, tmp_path: Path, amount: str | None, mode: str, code: str, needle: str
) -> None:
    sender, dest = two_tao_sender, fresh_keypair()
    service = _service(chain, tmp_path)
    with pytest.raises(WalletError, match=needle) as info:
        service.prepare(sender.ss58_address, dest.ss58_address, amount, mode)  # type: ignore[attr-defined]
    assert info.value.code == code
    assert chain.client.next_nonce(decode_address(sender.ss58_address)) == 0  # type: ignore[attr-defined]


def _amount_leaving(chain: ChainService, sender: object, dest: object, function: str, free: int, leave: int) -> str:
    """The TAO amount that leaves exactly `leave` rao after the fee (the fee depends on the call and amount)."""
    client, runtime = chain.client, chain.client.runtime()
    value = free // 2
    for _ in range(3):
        call = runtime.compose_call("Balances", function, {"dest": "0x" + dest.public_key.hex(), "value": value})  # type: ignore[attr-defined]
        probe = fee_probe_extrinsic(runtime, call, client.signing_context(0), sender.public_key)  # type: ignore[attr-defined]
        value = free - client.query_fee(probe).partial_fee - leave
    return str(Decimal(value).scaleb(-9))


def test_keep_alive_refuses_to_reap_and_allow_death_warns(chain: ChainService, funder: Funder, tmp_path: Path) -> None:
    sender, dest = fresh_keypair(), fresh_keypair()
    funder.fund(sender.ss58_address, 2)  # type: ignore[attr-defined]
    service = _service(chain, tmp_path)
    amount = _amount_leaving(chain, sender, dest, "transfer_keep_alive", 2 * 10**9, 100)  # ED is 500 rao
    with pytest.raises(WalletError, match="below the existential deposit") as info:
        service.prepare(sender.ss58_address, dest.ss58_address, amount, "keep_alive")  # type: ignore[attr-defined]
    assert info.value.code == "would_reap_sender" and "--allow-death" in info.value.message
    amount = _amount_leaving(chain, sender, dest, "transfer_allow_death", 2 * 10**9, 100)
    preview = service.prepare(sender.ss58_address, dest.ss58_address, amount, "allow_death").preview  # type: ignore[attr-defined]
    assert any("0.0000001 TAO is below the existential deposit" in w for w in preview.warnings)


def test_bad_destinations(chain: ChainService, tmp_path: Path) -> None:
    service = _service(chain, tmp_path)
    sender = fresh_keypair().ss58_address  # type: ignore[attr-defined]
    good = fresh_keypair().ss58_address  # type: ignore[attr-defined]
    broken = good[:-1] + ("A" if good[-1] != "A" else "B")
    with pytest.raises(WalletError, match=r"checksum|not a valid address") as info:
        service.prepare(sender, broken, "1", "keep_alive")
    assert info.value.code == "invalid_address"
    with pytest.raises(WalletError, match="neither an address-book name"):
        service.prepare(sender, "bob", "1", "keep_alive")
    service.address_book.add("bob", good)
    assert service.address_book.resolve("bob")[1] == "bob"


def test_allow_death_and_all(chain: ChainService, funder: Funder, tmp_path: Path) -> None:
    sender, dest = fresh_keypair(), fresh_keypair()
    funder.fund(sender.ss58_address, 2)  # type: ignore[attr-defined]
    service = _service(chain, tmp_path)
    prepared = service.prepare(sender.ss58_address, dest.ss58_address, None, "all")  # type: ignore[attr-defined]
    assert prepared.preview.amount_rao == 2 * 10**9 - prepared.preview.fee_rao
    assert prepared.preview.call.startswith("Balances.transfer_all(")
    view = service.send(prepared, signer_of(sender), wait_for="in_block")
    assert view.success
    assert chain.balance(sender.ss58_address).free_rao == 0  # type: ignore[attr-defined]
    assert chain.balance(dest.ss58_address).free_rao == prepared.preview.amount_rao  # type: ignore[attr-defined]
