"""Block weight/length limits from System.BlockWeights / BlockLength: a burst spills into later blocks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from substrateinterface import Keypair

from node.localnet.block_limits import BlockBudget, BlockLimits
from node.localnet.chain import Chain
from node.localnet.runtime import InvalidTransaction
from tests.localnet.test_subtensor_chain import Client

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def chain() -> Iterator[Chain]:
    c = Chain(None)
    yield c
    c.close()


def body_sizes(chain: Chain, block_hash: bytes) -> list[int]:
    block = chain.block(block_hash)
    assert block is not None
    return [len(x) for x in block[1]]


def test_limits_come_from_the_metadata(chain: Chain) -> None:
    limits = BlockLimits.from_metadata(chain.md)
    weights = chain.md.constant("System", "BlockWeights")
    normal = limits.per_class["normal"]
    assert normal.max_total == int(weights["per_class"]["normal"]["max_total"]["ref_time"])
    assert normal.max_length == int(chain.md.constant("System", "BlockLength")["max"]["normal"])
    # subtensor: normal dispatches get 75% of the block (weight and length)
    assert normal.max_total * 4 == limits.max_block * 3
    assert normal.max_length * 4 == limits.per_class["mandatory"].max_length * 3
    budget = BlockBudget(limits)
    assert budget.weights["mandatory"] == limits.base_block
    assert normal.max_extrinsic is not None and normal.max_total is not None
    assert not budget.try_add("normal", normal.max_extrinsic + 1, 10)  # over the per-extrinsic cap
    assert budget.try_add("normal", normal.max_extrinsic, 10)
    room = normal.max_total - normal.max_extrinsic
    assert budget.try_add("normal", room, 10)
    assert not budget.try_add("normal", 1, 10)  # normal class full ...
    assert budget.try_add("operational", 10**9, 10)  # ... operational has its own share
    assert budget.try_add("mandatory", 10**15, 10)  # mandatory is never limited by weight


def test_length_limit_spills_a_burst_of_big_remarks(chain: Chain) -> None:
    client = Client(chain)
    senders = [Keypair.create_from_uri(f"//{name}") for name in ("Alice", "Bob", "Charlie")]
    burst = []
    for i in range(10):  # 10 x 1 MiB > 7.5 MiB (normal share of the 10 MiB block)
        kp = senders[i % 3]
        nonce = chain.account_next_index(kp.public_key) + sum(1 for j in range(i) if j % 3 == i % 3)
        burst.append(client.sign(kp, "System", "remark", {"remark": bytes([i]) * MiB}, nonce=nonce))
    hashes = [chain.submit(raw) for raw in burst]
    limit = chain.runtime.block_limits.per_class["normal"].max_length
    first = chain.produce_block()
    sizes = body_sizes(chain, first)
    assert sum(sizes) <= limit and len(sizes) - 1 == 7  # inherent + 7 remarks of ~1 MiB
    assert len(chain.pending_extrinsics()) == 3  # the rest waits in the pool, nothing dropped
    second = chain.produce_block()
    assert len(body_sizes(chain, second)) - 1 == 3 and not chain.pending_extrinsics()
    included = {x for h in (first, second) for x in (chain.block(h) or (None, []))[1]}
    assert included.issuperset(burst) and len(set(hashes)) == 10


def test_weight_limit_spills_heavy_sudo_calls(chain: Chain) -> None:
    client = Client(chain)
    alice = Keypair.create_from_uri("//Alice")
    start = chain.account_next_index(alice.public_key)
    limits = chain.runtime.block_limits
    normal = limits.per_class["normal"]
    heavy = normal.max_total // 3  # plus base_extrinsic: only two fit into the normal class
    remark = {"call_module": "System", "call_function": "remark", "call_args": {"remark": "0x01"}}
    for i in range(5):
        chain.submit(client.sign(alice, "Sudo", "sudo_unchecked_weight",
                                 {"call": remark, "weight": {"ref_time": heavy, "proof_size": 0}}, nonce=start + i))
    counts = []
    for _ in range(3):
        block_hash = chain.produce_block()
        counts.append(len(body_sizes(chain, block_hash)) - 1)
    assert counts == [2, 2, 1]
    assert chain.account_next_index(alice.public_key) == start + 5


def test_transactions_that_fit_no_block_are_refused(chain: Chain) -> None:
    client = Client(chain)
    bob = Keypair.create_from_uri("//Bob")
    too_long = client.sign(bob, "System", "remark", {"remark": b"\x00" * (8 * MiB)})
    with pytest.raises(InvalidTransaction) as info:
        chain.submit(too_long)
    assert (info.value.code, info.value.data) == (1010, "Transaction would exhaust the block limits")
    alice = Keypair.create_from_uri("//Alice")
    normal = chain.runtime.block_limits.per_class["normal"]
    assert normal.max_extrinsic is not None
    remark = {"call_module": "System", "call_function": "remark", "call_args": {"remark": "0x01"}}
    too_heavy = client.sign(alice, "Sudo", "sudo_unchecked_weight",
                            {"call": remark, "weight": {"ref_time": normal.max_extrinsic, "proof_size": 0}})
    with pytest.raises(InvalidTransaction) as info:
        chain.submit(too_heavy)
    assert info.value.data == "Transaction would exhaust the block limits"
    assert not chain.pending_extrinsics()
