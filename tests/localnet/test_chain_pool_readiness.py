"""Pool readiness on the Chain: future nonces wait, filling the gap makes them ready (with an event)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from substrateinterface import Keypair

from node.localnet.chain import Chain
from node.localnet.events import ChainEvent, ExtrinsicReady
from tests.localnet.test_subtensor_chain import Client

TAO = 10**9


@pytest.fixture(scope="module")
def chain() -> Iterator[Chain]:
    c = Chain(None)
    yield c
    c.close()


def transfer(chain: Chain, kp: Keypair, nonce: int, value: int = TAO) -> bytes:
    dest = Keypair.create_from_uri("//ReadinessDest").public_key
    return Client(chain).sign(kp, "Balances", "transfer_keep_alive", {"dest": dest, "value": value}, nonce=nonce)


def test_future_then_ready_when_the_gap_fills(chain: Chain) -> None:
    kp = Keypair.create_from_uri("//Bob")
    start = chain.account_next_index(kp.public_key)
    seen: list[ChainEvent] = []
    unsubscribe = chain.add_listener(seen.append)
    try:
        far = chain.submit_tracked(transfer(chain, kp, start + 2))
        near = chain.submit_tracked(transfer(chain, kp, start + 1))
        assert (far.ready, near.ready) == (False, False)
        assert chain.is_ready(far.tx_hash) is False and chain.has_ready() is False
        assert chain.account_next_index(kp.public_key) == start  # the gap is still open
        assert not [e for e in seen if isinstance(e, ExtrinsicReady)]

        best = chain.best_number
        gap = chain.submit_tracked(transfer(chain, kp, start))
        assert gap.ready and chain.has_ready()
        # both waiting transactions were promoted, in nonce order, and announced once
        assert [e.tx_hash for e in seen if isinstance(e, ExtrinsicReady)] == [near.tx_hash, far.tx_hash]
        assert chain.is_ready(far.tx_hash) is True and chain.account_next_index(kp.public_key) == start + 3
        chain.produce_block()
        assert chain.best_number == best + 1 and not chain.pending_extrinsics()
        assert chain.is_ready(far.tx_hash) is None  # included: no longer pooled
        assert chain.has_ready() is False
    finally:
        unsubscribe()


def test_submit_stays_backward_compatible(chain: Chain) -> None:
    kp = Keypair.create_from_uri("//Charlie")
    start = chain.account_next_index(kp.public_key)
    raw = transfer(chain, kp, start)
    tx_hash = chain.submit(raw)
    assert isinstance(tx_hash, bytes) and len(tx_hash) == 32 and chain.is_ready(tx_hash) is True
    chain.produce_block()


def test_pending_mint_counts_as_work(chain: Chain) -> None:
    assert chain.has_ready() is False
    chain._pending_mints.append((bytes([9]) * 32, 5))
    assert chain.has_ready() is True
    chain.produce_block()
    assert chain.has_ready() is False
