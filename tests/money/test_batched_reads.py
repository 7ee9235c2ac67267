"""Batched reads against one-at-a-time reads: the metagraph from storage equals the runtime API's answer,
the pipelined portfolio equals per-position quotes; fixed-width vectors; the metadata cache.

A real localnet (two subnets, weights simulated so incentives/dividends/trust are non-zero after a few
epochs) over a real WebSocket: every column the storage reader returns is compared with
`SubnetInfoRuntimeApi_get_metagraph` decoded by bt-decode at the same block.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from node.client.client import ChainClient, RpcError
from node.localnet.subtensor.scenario import Scenario, SubnetSpec
from node.scale_compact import encode_compact
from tao_wallet.services import metadata_cache
from tao_wallet.services.chain import ChainService, decode_address, encode_address, rao_to_tao
from tao_wallet.services.metagraph_storage import read_columns
from tao_wallet.services.runtime_api import _CACHE, RuntimeApi, StorageEntry, fixed_vector
from tao_wallet.services.subnets import SubnetService

SCENARIO = Scenario(seed="metagraph-storage", tempo=3, simulate_weights=True, subnets=(
    SubnetSpec(name="Wide", validators=4, miners=70, pool_tao=1000, pool_alpha=2000, validator_stake=300),
    SubnetSpec(name="Narrow", validators=2, miners=2, pool_tao=500, pool_alpha=500, validator_stake=100),
))


@pytest.fixture(scope="module")
def net() -> Iterator[Any]:
    import tempfile

    from node.localnet.rpc.embedded import start_localnet
    from node.localnet.rpc.server import ServerConfig
    from node.localnet.subtensor.pallet import installer

    with tempfile.TemporaryDirectory() as tmp:
        handle = start_localnet(Path(tmp) / "chain.sqlite", config=ServerConfig(port=0), installers=[installer(SCENARIO)])
        handle.chain.produce_blocks(8)  # a couple of epochs: incentive, dividends, trust, emission filled
        yield handle
        handle.stop()


@pytest.fixture
def chain(net: Any) -> Iterator[ChainService]:
    service = ChainService(net.url)
    yield service
    service.close()


@pytest.mark.parametrize("netuid", [1, 2])
def test_storage_columns_equal_the_runtime_api(chain: ChainService, netuid: int) -> None:
    service = SubnetService(chain)
    block = chain.client.best_block()
    ours = read_columns(service.api, netuid, block.hash)
    theirs = service._columns_from_runtime_api(netuid, block.hash)
    assert ours is not None and ours == theirs
    assert len(ours.hotkeys) == (75 if netuid == 1 else 5)
    assert any(ours.incentive) and any(ours.dividends) and any(ours.validator_trust) and any(ours.emission)
    assert any(ours.validator_permit) and (netuid == 2 or not all(ours.validator_permit))  # 5 uids: all permitted
    assert len(set(ours.hotkeys)) == len(ours.hotkeys) and all(ours.alpha_stake[:5])


class _OtherLayout(RuntimeApi):
    """The same node, but metadata describing Keys with other hashers (as a runtime upgrade might)."""

    def entry(self, pallet: str, item: str) -> StorageEntry | None:
        found = super().entry(pallet, item)
        if found is not None and item == "Keys":
            return replace(found, hashers=("Twox64Concat", "Identity"))
        return found


def test_unknown_layout_falls_back_to_the_runtime_api(chain: ChainService) -> None:
    plain = SubnetService(chain).metagraph(1)
    other = SubnetService(chain, api=_OtherLayout(chain.client))
    assert read_columns(other.api, 1, chain.client.best_block().hash) is None
    assert other.metagraph(1) == plain


def test_missing_subnet_is_reported(chain: ChainService) -> None:
    from tao_wallet.services.errors import WalletError

    with pytest.raises(WalletError) as err:
        SubnetService(chain).metagraph(42)
    assert err.value.code == "subnet_not_found"


def test_portfolio_equals_one_quote_per_position(chain: ChainService) -> None:
    from tao_wallet.services.portfolio import PortfolioService
    from tao_wallet.services.quotes import QuoteService

    owners = [encode_address(SCENARIO.key(netuid, "validator", i)) for netuid, i in ((1, 0), (1, 1), (2, 0))]
    nobody = encode_address(b"\x07" * 32)
    view = PortfolioService(chain).load(owners[:2], [owners[2], nobody])
    assert view.watch_only == (owners[2], nobody)
    assert {p.netuid for p in view.positions} == {1, 2} and len(view.positions) >= 3
    quotes = QuoteService(chain)
    prices = quotes.prices_rao()
    for p in view.positions:
        after, _ = quotes.sim_unstake(p.netuid, p.alpha_rao)  # one state_call each, unbatched
        assert p.value_after_slippage == rao_to_tao(after) and p.price == rao_to_tao(prices[p.netuid])
        assert p.value_spot == rao_to_tao(p.alpha_rao * prices[p.netuid] // 10**9)
    balances = [chain.client.account(decode_address(a)).free for a in [*owners, nobody]]  # scalecodec path
    assert view.free == rao_to_tao(sum(balances)) and view.reserved == 0
    assert view.stake_spot == sum((p.value_spot for p in view.positions), rao_to_tao(0))


def test_direct_fixed_width_reads_equal_bt_decode(chain: ChainService) -> None:
    from tao_wallet.services.runtime_api import num, unwrap

    service = SubnetService(chain)
    api = service.api
    net1, hot = (1).to_bytes(2, "little"), SCENARIO.key(1, "validator-hotkey", 0)
    scalars: list[tuple[str, tuple[bytes, ...]]] = [
        ("SubnetworkN", (net1,)), ("MaxAllowedUids", (net1,)), ("Burn", (net1,)), ("Tempo", (net1,)),
        ("ImmunityPeriod", (net1,)), ("MinDelegateTake", ()), ("Delegates", (hot,)), ("Uids", (net1, hot)),
        ("Uids", (net1, b"\x05" * 32)), ("AlphaDividendsPerSubnet", (net1, hot)), ("NetworksAdded", (net1,)),
        ("SubnetOwner", (net1,)),
    ]
    for item, keys in scalars:
        assert service._storage(item, *keys) == unwrap(api.storage("SubtensorModule", item, *keys)), item
    assert service._storage("Uids", net1, b"\x05" * 32) is None and service._storage("NetworksAdded", net1) is True
    for item in ("ValidatorTrust", "Incentive", "Emission", "ValidatorPermit", "LastUpdate", "Active"):
        direct = service._vec(item, net1)
        assert direct == [num(v) for v in api.storage("SubtensorModule", item, net1, default=())], item
        assert len(direct) == 75


# --- fixed-width vectors ------------------------------------------------------------------------------


def test_fixed_vector_decodes_scale_vectors() -> None:
    values = list(range(0, 65_535, 97))  # > 63 items: a 2-byte compact length
    raw = encode_compact(len(values)) + b"".join(v.to_bytes(2, "little") for v in values)
    assert fixed_vector(raw, "H") == values
    big = [0, 1, 2**64 - 1, 10**18]
    assert fixed_vector(encode_compact(4) + b"".join(v.to_bytes(8, "little") for v in big), "Q") == big
    assert fixed_vector(encode_compact(3) + b"\x01\x00\x01", "B") == [1, 0, 1]
    assert fixed_vector(b"\x00", "H") == []


@pytest.mark.parametrize("raw", [encode_compact(3) + b"\x00" * 5, encode_compact(1) + b"\x00" * 3, b""])
def test_fixed_vector_rejects_wrong_lengths(raw: bytes) -> None:
    with pytest.raises((ValueError, IndexError)):
        fixed_vector(raw, "H")


# --- pipelined reads ------------------------------------------------------------------------------------


def test_pipelined_reads_answer_in_order_and_report_errors(chain: ChainService) -> None:
    client = chain.client
    best = client.best_block()
    hashes = client.read_many([("chain_getBlockHash", [n]) for n in range(best.number, -1, -1)])
    assert hashes == [client.rpc("chain_getBlockHash", [n]) for n in range(best.number, -1, -1)]
    with pytest.raises(RpcError) as err:
        client.read_many([("system_health", []), ("no_such_method", [])])
    assert err.value.method == "no_such_method"
    assert client.rpc("system_health", []) is not None  # the connection is still usable
    assert client.read_many([]) == []


def test_reads_skip_notifications_of_an_unfollowed_subscription(net: Any) -> None:
    """A subscription opened with a plain request keeps sending heads on the same socket; reads still get
    their own answers (the notifications are dropped, not mistaken for answers)."""
    client = ChainClient([net.url])
    sub_id = client.rpc("chain_subscribeNewHeads", [])
    net.chain.produce_blocks(3)
    time.sleep(0.3)  # let the three head notifications reach our socket before the reads
    best = client.best_block()
    assert client.read_many([("chain_getBlockHash", [best.number]), ("system_health", [])])[0] == "0x" + best.hash.hex()
    assert client.rpc("chain_unsubscribeNewHeads", [sub_id]) is True
    client.close()


def test_a_subscription_keeps_updates_that_arrive_during_reads_in_its_handler(net: Any) -> None:
    """Submission reads the block inside its `inBlock` handler; the next update arriving meanwhile must
    still reach the handler (the transport keeps it), not be lost until the idle timeout."""
    client = ChainClient([net.url])
    heads: list[int] = []

    def on_head(header: Any) -> Any:
        heads.append(int(header["number"], 16))
        if len(heads) == 1:
            net.chain.produce_blocks(1)
            time.sleep(0.3)  # the new head's notification is on the socket before our reads
            assert client.read_many([("system_health", []), ("chain_getBlockHash", [heads[0]])])[1]
            return None
        return heads[-1]

    started = time.monotonic()
    body, sub_id = client.subscribe("chain_subscribeNewHeads", [], on_head, idle_timeout=5)
    assert body == {"result": heads[0] + 1} and sub_id and time.monotonic() - started < 4
    client.rpc("chain_unsubscribeNewHeads", [sub_id])
    client.close()


# --- the V15 metadata cache -------------------------------------------------------------------------------


class _Recording(ChainClient):
    def __init__(self, url: str) -> None:
        super().__init__([url])
        self.methods: list[str] = []

    def read(self, method: str, params: list[Any]) -> Any:
        self.methods.append(method if method != "state_call" else str(params[0]))
        return super().read(method, params)


def test_metadata_is_cached_on_disk_by_runtime(net: Any, tmp_path: Path) -> None:
    _CACHE.clear()
    first = _Recording(net.url)
    api = RuntimeApi(first, cache_root=tmp_path)
    before = api.call("SubnetInfoRuntimeApi_get_all_dynamic_info")
    assert "Metadata_metadata_at_version" in first.methods
    files = list((tmp_path / "runtime-metadata").glob("*.v15"))
    assert len(files) == 1

    _CACHE.clear()  # as a new process would start
    second = _Recording(net.url)
    again = RuntimeApi(second, cache_root=tmp_path).call("SubnetInfoRuntimeApi_get_all_dynamic_info")
    assert "Metadata_metadata_at_version" not in second.methods and again == before

    files[0].write_bytes(files[0].read_bytes()[:-10])  # truncated: a miss, fetched and rewritten
    _CACHE.clear()
    third = _Recording(net.url)
    assert RuntimeApi(third, cache_root=tmp_path).call("SubnetInfoRuntimeApi_get_all_dynamic_info") == before
    assert "Metadata_metadata_at_version" in third.methods
    assert metadata_cache.load(files[0].stem, tmp_path) is not None
    for client in (first, second, third):
        client.close()


def test_cache_key_follows_the_runtime_version() -> None:
    version = {"specName": "node-subtensor", "specVersion": 461, "transactionVersion": 1, "apis": [["0x01", 1]]}
    key = metadata_cache.cache_key(b"\x01" * 32, version)
    assert key == metadata_cache.cache_key(b"\x01" * 32, dict(version))
    assert key != metadata_cache.cache_key(b"\x01" * 32, {**version, "specVersion": 462})
    assert key != metadata_cache.cache_key(b"\x02" * 32, version)
    assert key != metadata_cache.cache_key(b"\x01" * 32, {**version, "apis": [["0x01", 2]]})


def test_cache_store_and_load(tmp_path: Path) -> None:
    assert metadata_cache.load("abc", tmp_path) is None
    metadata_cache.store("abc", b"\x01metadata", tmp_path)
    assert metadata_cache.load("abc", tmp_path) == b"\x01metadata"
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    metadata_cache.store("abc", b"x", blocked)  # cannot write: logged, not raised
    assert metadata_cache.load("abc", blocked) is None


# --- the localnet's compiled runtime-API encoder ----------------------------------------------------------


def test_compiled_api_encoder_equals_the_generic_encoder(net: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every answer a real state_call encodes (metagraphs, dynamic info, hyperparameters, stake and delegate
    infos, neurons, swaps) comes out byte for byte as the generic metadata-driven encoder would write it."""
    from node.localnet.scale_encode import encode_value
    from node.localnet.subtensor.api_codec import ApiCodec

    compiled = ApiCodec.encode
    checked: list[int] = []

    def both(self: ApiCodec, type_id: int, value: Any) -> bytes:
        ours = compiled(self, type_id, value)
        assert ours == encode_value(self.types, type_id, value), type_id
        checked.append(type_id)
        return ours

    monkeypatch.setattr(ApiCodec, "encode", both)
    net1, hot, cold = (1).to_bytes(2, "little"), SCENARIO.key(1, "validator-hotkey", 0), SCENARIO.key(1, "validator", 0)
    calls = {
        "SubnetInfoRuntimeApi_get_metagraph": net1, "SubnetInfoRuntimeApi_get_all_metagraphs": b"",
        "SubnetInfoRuntimeApi_get_all_dynamic_info": b"", "SubnetInfoRuntimeApi_get_subnets_info_v2": b"",
        "SubnetInfoRuntimeApi_get_subnets_info": b"", "SubnetInfoRuntimeApi_get_subnet_state": net1,
        "SubnetInfoRuntimeApi_get_subnet_hyperparams": net1, "SubnetInfoRuntimeApi_get_subnet_hyperparams_v2": net1,
        "SubnetInfoRuntimeApi_get_subnet_hyperparams_v3": net1,
        "SubnetInfoRuntimeApi_get_selective_metagraph": net1 + encode_compact(3) + bytes([0, 0, 5, 0, 50, 0]),
        "NeuronInfoRuntimeApi_get_neurons_lite": net1, "NeuronInfoRuntimeApi_get_neurons": net1,
        "StakeInfoRuntimeApi_get_stake_info_for_coldkeys": encode_compact(2) + cold + b"\x09" * 32,
        "DelegateInfoRuntimeApi_get_delegates": b"", "DelegateInfoRuntimeApi_get_delegate": hot,
        "DelegateInfoRuntimeApi_get_delegated": cold, "SwapRuntimeApi_current_alpha_price_all": b"",
        "SwapRuntimeApi_sim_swap_alpha_for_tao": net1 + (10**9).to_bytes(8, "little"),
    }
    for method, data in calls.items():
        assert net.chain.state_call(method, data, None)
    assert len(checked) == len(calls)  # one encoded answer per call, each compared
