"""Transaction validity at submission: nonces, signatures, eras, payment, malformed bytes, the pool."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from substrateinterface import Keypair, SubstrateInterface

from node.localnet.chain import Chain
from node.localnet.events import ChainEvent, ExtrinsicDropped, ExtrinsicIncluded, Finalized, NewHead
from node.localnet.validity import InvalidTransaction
from tests.localnet.test_chain_rpcshim import shim_interface

TAO = 10**9


@pytest.fixture(scope="module")
def env() -> Iterator[tuple[Chain, SubstrateInterface]]:
    chain = Chain(None)
    si = shim_interface(chain)
    si.init_runtime()
    yield chain, si
    chain.close()


def signed(si: SubstrateInterface, kp: Keypair, value: int = TAO, dest: str | None = None, **kw: Any) -> bytes:
    call = si.compose_call("Balances", "transfer_keep_alive",
                           {"dest": dest or Keypair.create_from_uri("//Sink").ss58_address, "value": value})
    return bytes(si.create_signed_extrinsic(call, keypair=kp, **kw).data.data)


def rejected(chain: Chain, raw: bytes) -> InvalidTransaction:
    with pytest.raises(InvalidTransaction) as exc:
        chain.submit(raw)
    return exc.value


def test_stale_nonce_is_outdated(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, si = env
    kp = Keypair.create_from_uri("//Alice")
    n = chain.account_next_index(kp.public_key)
    chain.submit(signed(si, kp, nonce=n))
    chain.produce_block()
    err = rejected(chain, signed(si, kp, nonce=n, value=2 * TAO))
    assert (err.code, err.message, err.data) == (1010, "Invalid Transaction", "Transaction is outdated")


def test_future_nonce_waits_in_the_pool(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, si = env
    kp = Keypair.create_from_uri("//Bob")
    n = chain.account_next_index(kp.public_key)
    later = signed(si, kp, nonce=n + 1)
    chain.submit(later)
    assert chain.account_next_index(kp.public_key) == n  # the gap is not counted
    block = chain.block(chain.produce_block())
    assert block is not None and later not in block[1]
    assert later in chain.pending_extrinsics()
    first = signed(si, kp, nonce=n)
    chain.submit(first)
    assert chain.account_next_index(kp.public_key) == n + 2
    block = chain.block(chain.produce_block())
    assert block is not None and block[1][1:] == [first, later]
    assert chain.read("System", "Account", kp.public_key)["nonce"] == n + 2
    assert chain.pending_extrinsics() == []


def test_duplicate_and_priority(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, si = env
    kp = Keypair.create_from_uri("//Charlie")
    n = chain.account_next_index(kp.public_key)
    raw = signed(si, kp, nonce=n)
    chain.submit(raw)
    err = rejected(chain, raw)
    assert (err.code, err.message) == (1012, "Transaction Already Imported")
    same_tip = signed(si, kp, nonce=n, value=3 * TAO)
    assert rejected(chain, same_tip).code == 1014
    richer = signed(si, kp, nonce=n, value=3 * TAO, tip=1000)
    chain.submit(richer)  # replaces the first one
    assert chain.pending_extrinsics() == [richer]
    chain.produce_block()
    events = chain.read("System", "Events")
    paid = [e for e in events if e["event"]["event_id"] == "TransactionFeePaid"]
    assert paid[0]["event"]["attributes"]["tip"] == 1000


def test_bad_signature(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, si = env
    raw = bytearray(signed(si, Keypair.create_from_uri("//Dave")))
    # layout: length prefix (2 bytes here), version, 0x00 + 32-byte signer, scheme byte, 64-byte signature
    raw[2 + 1 + 33 + 1 + 10] ^= 0xFF
    err = rejected(chain, bytes(raw))
    assert (err.code, err.data) == (1010, "Transaction has a bad signature")


def test_unfunded_signer_cannot_pay(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, si = env
    err = rejected(chain, signed(si, Keypair.create_from_uri("//Pauper")))
    assert (err.code, err.data) == (1010, "Inability to pay some fees (e.g. account balance too low)")


def test_unsigned_call_has_no_validator(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, _si = env
    from node.localnet.extrinsic import encode_unsigned

    raw = encode_unsigned(chain.md, chain.md.encode_call("Timestamp", "set", {"now": 1}))
    err = rejected(chain, raw)
    assert (err.code, err.message) == (1011, "Unknown Transaction Validity")


def test_mortal_era_expiry(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, si = env
    kp = Keypair.create_from_uri("//Eve")
    n = chain.account_next_index(kp.public_key)
    live = signed(si, kp, nonce=n, era={"period": 4})
    waiting = signed(si, kp, nonce=n + 5, era={"period": 4}, value=2 * TAO)  # future nonce, will expire
    stale_soon = signed(si, kp, nonce=n, era={"period": 4}, value=3 * TAO)
    dropped: list[ChainEvent] = []
    unsubscribe = chain.add_listener(lambda e: dropped.append(e) if isinstance(e, ExtrinsicDropped) else None)
    chain.submit(live)
    chain.submit(waiting)
    chain.produce_block()
    assert chain.read("System", "Account", kp.public_key)["nonce"] == n + 1
    chain.produce_blocks(5)
    unsubscribe()
    assert waiting not in chain.pending_extrinsics()
    assert any(isinstance(e, ExtrinsicDropped) for e in dropped)
    # signed 6 blocks ago with a 4-block era: its birth block is no longer the era's birth
    err = rejected(chain, stale_soon)
    assert err.code == 1010 and err.data in ("Transaction has a bad signature", "Transaction is outdated")
    kp2 = Keypair.create_from_uri("//Ferdie")
    expired = signed(si, kp2, era={"period": 4})
    chain.produce_blocks(6)
    err = rejected(chain, expired)
    assert (err.code, err.data) == (1010, "Transaction has a bad signature")


def test_listener_sees_heads_inclusion_and_finality() -> None:
    chain = Chain(None, finality_lag=2)
    si = shim_interface(chain)
    events: list[ChainEvent] = []
    chain.add_listener(events.append)
    tx_hash = chain.submit(signed(si, Keypair.create_from_uri("//Alice")))
    chain.produce_blocks(3)
    heads = [e for e in events if isinstance(e, NewHead)]
    assert [h.header.number for h in heads] == [1, 2, 3]
    included = [e for e in events if isinstance(e, ExtrinsicIncluded)]
    assert included[0].tx_hash == tx_hash and included[0].index == 1
    finals = [e.header.number for e in events if isinstance(e, Finalized)]
    assert finals == [1]
    assert chain.finalized_hash == chain.block_hash(1)
    chain.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_garbage_bytes_never_crash(env: tuple[Chain, SubstrateInterface], data: bytes) -> None:
    chain, _ = env
    with pytest.raises(InvalidTransaction) as exc:
        chain.submit(data)
    assert exc.value.code in (1001, 1010, 1011)


def test_truncated_and_extended_extrinsics_are_rejected(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, si = env
    raw = signed(si, Keypair.create_from_uri("//Alice"), value=7)
    for cut in range(0, len(raw), 7):
        with pytest.raises(InvalidTransaction):
            chain.submit(raw[:cut])
    with pytest.raises(InvalidTransaction) as exc:
        chain.submit(raw + b"\x00")
    assert exc.value.code == 1001
    best = chain.best_number
    chain.produce_block()
    assert chain.best_number == best + 1  # the chain is not stuck


def test_ed25519_signer_is_accepted(env: tuple[Chain, SubstrateInterface]) -> None:
    from substrateinterface import KeypairType

    chain, si = env
    kp = Keypair.create_from_seed("0x" + "07" * 32, crypto_type=KeypairType.ED25519)
    chain.fund(kp.public_key, 10 * TAO)
    tx = chain.submit(signed(si, kp, value=TAO))
    block = chain.block(chain.produce_block())
    assert block is not None and len(block[1]) == 2
    assert chain.read("System", "Account", kp.public_key)["nonce"] == 1
    assert tx == __import__("hashlib").blake2b(block[1][1], digest_size=32).digest()


def test_metadata_hash_mode_enabled_is_refused(env: tuple[Chain, SubstrateInterface]) -> None:
    chain, si = env
    kp = Keypair.create_from_uri("//Alice")
    raw = bytearray(signed(si, kp, value=TAO))
    xt = chain.runtime.codec.decode(bytes(raw))
    assert xt.extras["CheckMetadataHash"] == b"\x00"  # last extension: its one byte precedes the call
    mode_at = len(raw) - len(xt.call_bytes) - 1
    raw[mode_at] = 1  # Mode::Enabled: we would need the metadata hash in the signed payload
    err = rejected(chain, bytes(raw))
    assert (err.code, err.data) == (1010, "Transaction has a bad signature")
