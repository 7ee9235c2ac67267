"""The dashboard's numbers equal values computed in the test straight from chain storage (read with
substrate-interface's own query path at the same block), on a localnet with emitting subnets and stake."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from tao_wallet.services.chain import encode_address
from tao_wallet.services.errors import WalletError
from tao_wallet.services.network_stats import (
    SOURCE_PLAIN,
    SOURCE_PROVEN,
    NetworkStatsService,
    StorageReader,
    halving_index,
    halving_threshold_rao,
)
from tests.pow.conftest import PowNet, fresh_keypair

pytestmark = pytest.mark.timeout(240)
CAP = 21_000_000 * 10**9


@pytest.fixture(scope="module")
def staked(pownet: PowNet) -> dict[str, Any]:
    """Genesis subnets emitting, one more registered and started; two coldkeys stake 300 and 100 TAO on root
    through one hotkey."""
    netuid, owner = pownet.new_subnet(difficulty=1_000)
    view = pownet.submit(owner, "SubtensorModule", "start_call", {"netuid": netuid})
    assert view.success, view
    hotkey = fresh_keypair()
    first, second = fresh_keypair(), fresh_keypair()
    pownet.fund(first.public_key, 1_000)
    pownet.fund(second.public_key, 1_000)
    view = pownet.submit(first, "SubtensorModule", "root_register", {"hotkey": "0x" + hotkey.public_key.hex()})
    assert view.success, view
    for who, tao in ((first, 300), (second, 100)):
        view = pownet.submit(who, "SubtensorModule", "add_stake",
                             {"hotkey": "0x" + hotkey.public_key.hex(), "netuid": 0, "amount_staked": tao * 10**9})
        assert view.success, view
    pownet.handle.chain.produce_blocks(5)
    return {"hotkey": hotkey, "first": first, "second": second, "subnet": netuid}


def _q(substrate: Any, pallet: str, item: str, params: list[Any], block_hash: str) -> Any:
    return substrate.query(pallet, item, params, block_hash=block_hash).value


def test_dashboard_matches_storage(pownet: PowNet, staked: dict[str, Any]) -> None:
    service = NetworkStatsService(pownet.chain, block_time_sample=5)
    stats = service.stats(encode_address(staked["first"].public_key))
    si = pownet.chain.client.substrate
    at = stats.block_hash
    assert pownet.chain.client.block_hash(stats.block_number).hex() == at[2:]

    issuance = int(_q(si, "SubtensorModule", "TotalIssuance", [], at))
    emission = int(_q(si, "SubtensorModule", "BlockEmission", [], at))
    assert stats.total_issuance == Decimal(issuance) / 10**9
    assert stats.issued_fraction == (Decimal(issuance) / Decimal(CAP)).quantize(Decimal("1e-18"))
    assert stats.block_emission == Decimal(emission) / 10**9
    k = halving_index(issuance)
    assert 10**9 >> k == emission  # the chain's emission is 1 TAO halved k times
    assert CAP - (CAP >> k) <= issuance < CAP - (CAP >> (k + 1))
    assert stats.next_halving_issuance == Decimal(halving_threshold_rao(k + 1)) / 10**9
    assert stats.blocks_to_halving == -(-(halving_threshold_rao(k + 1) - issuance) // emission)

    now = int(_q(si, "Timestamp", "Now", [], at))
    then_hash = "0x" + pownet.chain.client.block_hash(stats.block_number - 5).hex()
    then = int(_q(si, "Timestamp", "Now", [], then_hash))
    assert stats.block_time_seconds == (Decimal(now - then) / 5000).quantize(Decimal("0.001"))
    assert stats.halving_eta is not None

    added = [n for n in range(0, 64) if _q(si, "SubtensorModule", "NetworksAdded", [n], at)]
    assert [s.netuid for s in stats.subnets] == added
    assert stats.subnet_count == len(added) - 1
    emissions = {n: int(_q(si, "SubtensorModule", "SubnetTaoInEmission", [n], at))
                 + int(_q(si, "SubtensorModule", "SubnetExcessTao", [n], at)) for n in added}
    total = sum(e for n, e in emissions.items() if n != 0)
    assert total > 0 and emissions[1] > 0 and emissions[2] > 0
    for s in stats.subnets:
        tao = int(_q(si, "SubtensorModule", "SubnetTAO", [s.netuid], at))
        alpha_in = int(_q(si, "SubtensorModule", "SubnetAlphaIn", [s.netuid], at))
        assert s.tao_reserve == Decimal(tao) / 10**9 and s.alpha_reserve == Decimal(alpha_in) / 10**9
        assert s.tao_emission == Decimal(emissions[s.netuid]) / 10**9
        if s.netuid == 0:
            assert s.price == 1 and s.emission_share == 0
            continue
        quote = int(_q(si, "Swap", "SwapBalancer", [s.netuid], at)["quote"])
        expected = Fraction((10**18 - quote) * tao, quote * alpha_in)
        assert abs(Fraction(s.price) - expected) < Fraction(1, 10**17)
        assert abs(Fraction(s.emission_share) - Fraction(emissions[s.netuid], total)) < Fraction(1, 10**17)
        # the chain's own price API (U64F64, floored to rao) agrees to the rao
        raw = pownet.chain.client.rpc("state_call", ["SwapRuntimeApi_current_alpha_price",
                                                     "0x" + s.netuid.to_bytes(2, "little").hex(), at])
        assert abs(int.from_bytes(bytes.fromhex(raw[2:]), "little") - int(s.price * 10**9)) <= 1
    assert sum(s.emission_share for s in stats.subnets) == pytest.approx(Decimal(1), abs=Decimal("1e-15"))


def test_positions_share_of_pool(pownet: PowNet, staked: dict[str, Any]) -> None:
    service = NetworkStatsService(pownet.chain)
    si = pownet.chain.client.substrate
    hk = staked["hotkey"].public_key
    shares = {}
    for who in ("first", "second"):
        stats = service.stats(encode_address(staked[who].public_key))
        (pos,) = [p for p in stats.positions if p.netuid == 0]
        assert pos.hotkey == encode_address(hk)
        ck = staked[who].public_key
        at = stats.block_hash
        mine = _q(si, "SubtensorModule", "AlphaV2", ["0x" + hk.hex(), "0x" + ck.hex(), 0], at)
        total = _q(si, "SubtensorModule", "TotalHotkeySharesV2", ["0x" + hk.hex(), 0], at)
        pool = int(_q(si, "SubtensorModule", "TotalHotkeyAlpha", ["0x" + hk.hex(), 0], at))

        def sf(v: Any) -> Fraction:
            return Fraction(int(v["mantissa"])) * Fraction(10) ** int(v["exponent"])

        fraction = sf(mine) / sf(total)
        assert abs(Fraction(pos.share_of_hotkey) - fraction) < Fraction(1, 10**17)
        assert pos.alpha == Decimal(int(fraction * pool)) / 10**9
        assert pos.value_tao == pos.alpha  # root: 1 alpha = 1 TAO
        root_tao = int(_q(si, "SubtensorModule", "SubnetTAO", [0], at))
        assert abs(Fraction(pos.share_of_subnet) - Fraction(int(fraction * pool), root_tao)) < Fraction(1, 10**17)
        shares[who] = fraction
    assert shares["first"] + shares["second"] == pytest.approx(1)
    assert float(shares["first"]) == pytest.approx(0.75, abs=0.01)  # 300 of 400 TAO (fees aside)


def test_cli_network_stats_json(pownet: PowNet, staked: dict[str, Any]) -> None:
    from click.testing import CliRunner

    from tao_wallet.cli import cli

    result = CliRunner().invoke(cli, ["network", "stats", "--network", pownet.url, "--json",
                                      "--coldkey", encode_address(staked["second"].public_key)],
                                env={"TAO_WALLET_NO_EMBEDDED": "1"})
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["source"] == SOURCE_PROVEN
    assert Decimal(doc["issuance_cap"]) == 21_000_000
    assert doc["subnet_count"] >= 2 and len(doc["positions"]) == 1
    assert Decimal(doc["positions"][0]["share_of_hotkey"]) == pytest.approx(Decimal("0.25"), abs=Decimal("0.01"))


class _Tampering:
    """The real client, except that one kind of answer is altered on the way back."""

    def __init__(self, client: Any, method: str, alter: Any) -> None:
        self._client, self._method, self._alter = client, method, alter

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def read(self, method: str, params: list[Any]) -> Any:
        answer = self._client.read(method, params)
        return self._alter(answer) if method == self._method else answer


def test_proof_checking_catches_a_lying_node(pownet: PowNet, staked: dict[str, Any]) -> None:
    client = pownet.chain.client
    best = client.best_block()
    honest = StorageReader(client, best.hash)
    assert honest.get("SubtensorModule", "TotalIssuance") == _q(
        client.substrate, "SubtensorModule", "TotalIssuance", [], "0x" + best.hash.hex())

    def drop_last_node(answer: Any) -> Any:
        return {**answer, "proof": answer["proof"][:-1]}

    with pytest.raises(WalletError) as exc:
        StorageReader(_Tampering(client, "state_getReadProof", drop_last_node), best.hash).get(
            "SubtensorModule", "TotalIssuance")
    assert exc.value.code == "unverifiable_state"

    def other_root(header: Any) -> Any:
        return {**header, "stateRoot": "0x" + "11" * 32}

    with pytest.raises(WalletError) as exc:
        StorageReader(_Tampering(client, "chain_getHeader", other_root), best.hash)
    assert exc.value.code == "unverifiable_state"
    plain = NetworkStatsService(pownet.chain, verify=False).stats()
    assert plain.source == SOURCE_PLAIN
