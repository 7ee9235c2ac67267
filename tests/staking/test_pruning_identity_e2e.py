"""Registration: which uid registering replaces (predicted, then checked against the chain's own choice),
own uids' immunity and pruning rank, and subnet identity on create; real localnet over WebSocket."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tao_wallet.services.chain import ChainService, decode_address, encode_address
from tao_wallet.services.errors import WalletError
from tao_wallet.services.pruning import next_to_prune, rank_uids
from tao_wallet.services.registration import RegistrationService
from tao_wallet.services.runtime_api import u16
from tao_wallet.services.wallets import WalletService
from tests.money.cli_helpers import make_wallet, run
from tests.staking.conftest import Account, fund, new_account


def test_prune_rule_owner_immunity_and_ties() -> None:
    hks = [f"hk{i}" for i in range(6)]
    emission = [0, 5, 0, 0, 9, 0]
    registered = [0, 0, 3, 2, 0, 95]
    ranked = rank_uids(hks, emission, registered, owner_hotkey="hk0", block=100, immunity=10)
    assert ranked[0].owner_protected and ranked[0].rank is None
    assert ranked[5].immune and ranked[5].immune_blocks_left == 5
    assert [u.uid for u in sorted((u for u in ranked if u.rank), key=lambda u: u.rank or 0)] == [3, 2, 5, 1, 4]
    victim = next_to_prune(ranked, min_non_immune=0)
    assert victim is not None and victim.uid == 3  # lowest emission, then oldest registration (owner never)
    # too few non-immune uids left: the lowest-scoring immune uid goes instead
    fallback = next_to_prune(ranked, min_non_immune=4)
    assert fallback is not None and fallback.uid == 5
    only_owner = rank_uids(["hk0"], [0], [0], owner_hotkey="hk0", block=100, immunity=10)
    assert next_to_prune(only_owner, 0) is None


def _keys(chain: ChainService, netuid: int, uid: int) -> str:
    raw = chain.client.storage("SubtensorModule", "Keys", u16(netuid), uid.to_bytes(2, "little"))
    return encode_address(bytes.fromhex(str(raw)[2:]) if isinstance(raw, str) else decode_address(str(raw)))


def test_full_subnet_prediction_is_the_chains_choice(url: str, chain: ChainService, funded: Account) -> None:
    root = Path(os.environ["TAO_WALLET_PATH"])
    make_wallet("pruner", funded.keypair, root)
    wallets = WalletService(root)
    service = RegistrationService(chain)
    mine = []
    for i in range(8):  # Beta holds 8 uids: fill it with this wallet's hotkeys
        if service.info(2).full:
            break
        hk = wallets.create_hotkey("pruner", f"h{i}").address
        view = service.send(service.prepare_register(funded.address, hk, 2), funded.signer, wait_for="in_block")
        assert view.success is True, view
        mine.append(hk)
    assert len(mine) >= 2 and service.info(2).full
    result = run("subnets", "pruning", "--netuid", "2", "-w", "pruner", "--json", "--network", url)
    assert result.code == 0, result.stderr
    data = result.json()
    own = {u["hotkey"]: u for u in data["own"]}
    assert set(own) == set(mine) and all(u["immune"] and u["immune_blocks_left"] > 0 for u in own.values())
    assert all(1 <= u["rank"] <= data["candidates"] for u in own.values())
    assert data["candidates"] == data["uids"] - 1  # every uid but the owner's hotkey can be pruned
    victim = data["next_pruned"]
    assert victim is not None and not victim["owner_protected"]
    # MinNonImmuneUids (10) exceeds Beta's 8 uids, so the chain takes the lowest-scoring *immune* uid here
    assert data["min_non_immune"] >= data["max_uids"] and victim["immune"]
    text = run("subnets", "pruning", "--netuid", "2", "-w", "pruner", "--network", url)
    assert f"replaces uid {victim['uid']}" in text.stdout and "rank" in text.stdout
    preview = service.prepare_register(funded.address, new_account().address, 2)
    assert dict(preview.preview.details)["Replaces"].startswith(f"uid {victim['uid']} ")
    newcomer = new_account().address
    view = service.send(service.prepare_register(funded.address, newcomer, 2), funded.signer, wait_for="in_block")
    assert view.success is True, view
    assert _keys(chain, 2, victim["uid"]) == newcomer  # the chain replaced exactly the predicted uid
    after = RegistrationService(chain).pruning(2, mine)
    assert {u.hotkey for u in after.own} == set(mine) - {victim["hotkey"]}


@pytest.fixture(scope="module")
def bare_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A chain of its own: subnet creation is rate-limited to one per interval."""
    from node.localnet.rpc.embedded import start_localnet
    from node.localnet.rpc.server import ServerConfig

    handle = start_localnet(tmp_path_factory.mktemp("identity-chain") / "chain.sqlite", config=ServerConfig(port=0),
                            scenario=None)
    yield handle.url
    handle.stop()


def test_create_subnet_with_identity(bare_url: str) -> None:
    chain = ChainService(bare_url)
    owner = new_account()
    fund(chain, owner.address, 5000)
    service = RegistrationService(chain)
    hk = new_account().address
    for bad, code in ([{"subnet_name": "x", "colour": "red"}, "invalid_identity"],
                      [{"description": "no name"}, "invalid_identity"],
                      [{"subnet_name": "x", "description": "d" * 1025}, "invalid_identity"]):
        with pytest.raises(WalletError) as err:
            service.prepare_create_subnet(owner.address, hk, bad)  # type: ignore[arg-type]
        assert err.value.code == code
    plain = service.prepare_create_subnet(owner.address, hk, {"subnet_name": " "})
    assert "register_network(" in plain.preview.call  # blank identity: the plain call
    prepared = service.prepare_create_subnet(owner.address, hk, {"subnet_name": "Gamma", "github_repo":
                                                                 "https://github.com/x/gamma"})
    assert "register_network_with_identity" in prepared.preview.call and "Gamma" in prepared.preview.call
    assert ("Identity subnet_name", "Gamma") in prepared.preview.details
    view = service.send(prepared, owner.signer, wait_for="in_block")
    assert view.success is True, view
    names = [(e.pallet, e.name) for e in view.events]
    assert ("SubtensorModule", "NetworkAdded") in names and ("SubtensorModule", "SubnetIdentitySet") in names
    netuid = int(next(e for e in view.events if e.name == "NetworkAdded").fields.split(",")[0].split("=")[-1])
    identity = chain.client.storage("SubtensorModule", "SubnetIdentitiesV3", u16(netuid))
    assert identity is not None and "Gamma" in str(identity) and "github.com/x/gamma" in str(identity)
    chain.close()


def test_cli_create_with_identity_dry_run(bare_url: str) -> None:
    acc = new_account()
    make_wallet("founder", acc.keypair, Path(os.environ["TAO_WALLET_PATH"]))
    chain = ChainService(bare_url)
    fund(chain, acc.address, 5000)
    chain.close()
    result = run("subnets", "create", "-w", "founder", "--hotkey", new_account().address, "--subnet-name", "Delta",
                 "--url", "https://delta.example", "--dry-run", "--json", "--network", bare_url)
    assert result.code == 0, result.stderr
    preview = result.json()["preview"]
    assert "register_network_with_identity" in preview["call"] and "Delta" in preview["call"]
    bad = run("subnets", "create", "-w", "founder", "--hotkey", new_account().address, "--description", "x",
              "--dry-run", "--json", "--network", bare_url)
    assert bad.code != 0 and bad.error()["code"] == "invalid_identity"
