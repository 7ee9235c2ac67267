"""Storage keys and values by metadata names, checked against substrate-interface/scalecodec."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scalecodec.base import ScaleBytes
from substrateinterface import Keypair, SubstrateInterface

from node.localnet.chain import Chain
from node.localnet.genesis import DEV_ACCOUNTS
from node.localnet.metadata import MetadataError, load_metadata
from node.localnet.runtime import DictBackend, DispatchError, State, build_base_runtime
from tests.localnet.test_chain_rpcshim import shim_interface

ALICE = DEV_ACCOUNTS["Alice"]


@pytest.fixture(scope="module")
def si() -> Iterator[SubstrateInterface]:
    chain = Chain(None)
    s = shim_interface(chain)
    s.init_runtime()
    yield s
    chain.close()


@pytest.fixture
def state() -> State:
    return State(load_metadata(), DictBackend())


@pytest.mark.parametrize(("pallet", "item", "params"), [
    ("System", "Account", [ALICE]),
    ("System", "BlockHash", [7]),
    ("Timestamp", "Now", []),
    ("SubtensorModule", "TotalHotkeyAlpha", [DEV_ACCOUNTS["Bob"], 3]),
    ("SubtensorModule", "Tempo", [1]),
    ("SubtensorModule", "Alpha", [DEV_ACCOUNTS["Bob"], ALICE, 2]),
])
def test_keys_match_substrate_interface(si: SubstrateInterface, state: State, pallet: str, item: str,
                                        params: list[object]) -> None:
    si_params = ["0x" + p.hex() if isinstance(p, bytes) else p for p in params]
    expected = si.create_storage_key(pallet, item, si_params).to_hex()
    assert "0x" + state.key(pallet, item, *params).hex() == expected
    # the same key from the hex form of the account ids
    assert state.key(pallet, item, *si_params) == state.key(pallet, item, *params)


def test_values_round_trip_like_scalecodec(si: SubstrateInterface, state: State) -> None:
    acct = {"nonce": 3, "consumers": 0, "providers": 1, "sufficients": 0,
            "data": {"free": 10**15, "reserved": 1, "frozen": 2, "flags": 1 << 127}}
    state.set("System", "Account", ALICE, value=acct)
    raw = state.get_raw(state.key("System", "Account", ALICE))
    assert raw is not None
    entry = state.entry("System", "Account")
    assert si.runtime_config.create_scale_object(f"scale_info::{entry.value_type}",
                                                 data=ScaleBytes(raw)).decode() == acct
    assert state.get("System", "Account", ALICE) == acct
    # BoundedVec<Public> (scalecodec's own encoder wants it doubly wrapped; ours is symmetric with decode)
    state.set("Aura", "Authorities", value=[ALICE])
    assert state.get("Aura", "Authorities") == ["0x" + ALICE.hex()]
    assert state.get("Aura", "Authorities") == si.runtime_config.create_scale_object(
        f"scale_info::{state.entry('Aura', 'Authorities').value_type}",
        data=ScaleBytes(state.get_raw(state.key("Aura", "Authorities")) or b"")).decode()


def test_defaults_and_optional(state: State) -> None:
    assert state.get("System", "Account", ALICE)["data"]["free"] == 0
    assert state.get("TransactionPayment", "NextFeeMultiplier") == 10**18
    assert state.get("Sudo", "Key") is None  # Optional storage: absent is None
    assert not state.exists("System", "Account", ALICE)
    with pytest.raises(MetadataError):
        state.get("System", "NoSuchItem")


def test_transactional_layers_and_prefix_iteration() -> None:
    md = load_metadata()
    base = State(md, DictBackend())
    for netuid in (1, 2, 3):
        base.set("SubtensorModule", "Tempo", netuid, value=100 + netuid)
    backend = DictBackend({k: v for k, v in base.changes().items() if v is not None})
    state = State(md, backend)
    state.begin()
    state.set("SubtensorModule", "Tempo", 4, value=104)
    state.remove("SubtensorModule", "Tempo", 2)
    assert [k for (k,), _ in state.iter_prefix("SubtensorModule", "Tempo")] == sorted(
        [1, 3, 4], key=lambda n: state.key("SubtensorModule", "Tempo", n))
    state.rollback()
    assert {k: v for (k,), v in state.iter_prefix("SubtensorModule", "Tempo")} == {1: 101, 2: 102, 3: 103}
    state.begin()
    state.set("SubtensorModule", "Tempo", 9, value=7)
    state.commit()
    assert state.get("SubtensorModule", "Tempo", 9) == 7
    assert state.clear_prefix("SubtensorModule", "Tempo") == 4
    assert list(state.iter_prefix("SubtensorModule", "Tempo")) == []


def test_double_map_prefix_iteration_decodes_keys(state: State) -> None:
    bob, charlie = DEV_ACCOUNTS["Bob"], DEV_ACCOUNTS["Charlie"]
    state.set("SubtensorModule", "TotalHotkeyAlpha", bob, 1, value=5)
    state.set("SubtensorModule", "TotalHotkeyAlpha", bob, 2, value=6)
    state.set("SubtensorModule", "TotalHotkeyAlpha", charlie, 1, value=7)
    got = dict(state.iter_prefix("SubtensorModule", "TotalHotkeyAlpha", bob))
    assert got == {("0x" + bob.hex(), 1): 5, ("0x" + bob.hex(), 2): 6}


def test_dispatch_error_indices() -> None:
    rt = build_base_runtime(load_metadata())
    value = DispatchError.module("Balances", "InsufficientBalance").to_value(rt)
    balances = rt.md.pallet("Balances")
    assert value == {"Module": {"index": balances.index, "error": "0x02000000"}}
    assert DispatchError("BadOrigin").to_value(rt) == "BadOrigin"
    assert DispatchError.token("FundsUnavailable").to_value(rt) == {"Token": "FundsUnavailable"}


def test_dev_account_constants_match_derived_keys() -> None:
    for name, public in DEV_ACCOUNTS.items():
        assert Keypair.create_from_uri(f"//{name}").public_key == public
    import hashlib

    import ed25519_zebra

    from node.localnet.genesis import ALICE_ED25519

    # substrate-interface cannot derive ed25519 paths: do the Ed25519HDKD hard junction by hand
    dev_seed = bytes.fromhex("fac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e")
    assert Keypair.create_from_seed("0x" + dev_seed.hex()).public_key == bytes.fromhex(
        "46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a")  # the dev phrase's root key
    chain_code = (bytes([len("Alice") << 2]) + b"Alice").ljust(32, b"\x00")
    hdkd = b"\x2cEd25519HDKD"  # SCALE-encoded "Ed25519HDKD"
    seed = hashlib.blake2b(hdkd + dev_seed + chain_code, digest_size=32).digest()
    assert bytes(ed25519_zebra.ed_from_seed(seed)[1]) == ALICE_ED25519


_KEYS = st.binary(min_size=1, max_size=3)
_OPS = st.lists(st.one_of(
    st.tuples(st.just("set"), _KEYS, st.binary(max_size=2)),
    st.tuples(st.just("del"), _KEYS, st.just(b"")),
    st.tuples(st.just("begin"), st.just(b""), st.just(b"")),
    st.tuples(st.just("commit"), st.just(b""), st.just(b"")),
    st.tuples(st.just("rollback"), st.just(b""), st.just(b"")),
), max_size=40)


@settings(max_examples=100, deadline=None)
@given(base=st.dictionaries(_KEYS, st.binary(max_size=2), max_size=10), ops=_OPS,
       prefix=st.binary(max_size=1), start=st.one_of(st.none(), _KEYS))
def test_overlay_iteration_matches_a_model(base: dict[bytes, bytes], ops: list[tuple[str, bytes, bytes]],
                                           prefix: bytes, start: bytes | None) -> None:
    state = State(load_metadata(), DictBackend(base))
    model: list[dict[bytes, bytes | None]] = [dict(base)]
    for op, key, value in ops:
        if op == "set":
            state.set_raw(key, value)
            model[-1][key] = value
        elif op == "del":
            state.remove_raw(key)
            model[-1][key] = None
        elif op == "begin":
            state.begin()
            model.append(dict(model[-1]))
        elif op == "commit" and len(model) > 1:
            state.commit()
            top = model.pop()
            model[-1] = top
        elif op == "rollback" and len(model) > 1:
            state.rollback()
            model.pop()
    current = {k: v for k, v in model[-1].items() if v is not None}
    expected = sorted(k for k in current if k.startswith(prefix) and (start is None or k > start))
    assert list(state.keys_raw(prefix, start)) == expected
    assert all(state.get_raw(k) == v for k, v in current.items())
