"""Our own wallet submitting staking calls through MevShield (tao_wallet.services.mev_shield) on the localnet.

Real localnet, real WebSocket, real keystore keypairs and the wallet's own TxRunner; the outcome reported
is the decrypted inner call's, read from the block the author put it in.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from keystore.keypair import Keypair
from node.client.events import extrinsic_events
from node.client.extrinsic import CryptoScheme, ExternalSigner, extrinsic_hash
from node.localnet.rpc.embedded import LocalnetHandle, start_localnet
from node.localnet.rpc.server import ServerConfig
from node.localnet.subtensor.scenario import Scenario, SubnetSpec
from node.localnet.subtensor.shield_crypto import KEY_PERIOD
from tao_wallet.services.chain import ChainService
from tao_wallet.services.mev_shield import mev_shield_available, sign_and_submit_shielded
from tao_wallet.services.pending import PendingStore
from tao_wallet.services.tx import TxRunner

TAO = 10**9
SCENARIO = Scenario(seed="mevshield-wallet", tempo=50, subnets=(
    SubnetSpec(name="One", validators=2, miners=2, pool_tao=1_000, pool_alpha=2_000, validator_stake=500),))
HOTKEY = SCENARIO.key(1, "validator-hotkey", 0)


@pytest.fixture(scope="module")
def net() -> Iterator[LocalnetHandle]:
    handle = start_localnet(None, config=ServerConfig(port=0), scenario=SCENARIO, heartbeat=None)
    handle.chain.produce_blocks(2)
    yield handle
    handle.stop()


@pytest.fixture
def runner(net: LocalnetHandle, tmp_path: Path) -> Iterator[TxRunner]:
    chain = ChainService(net.url)
    tx_runner = TxRunner(chain, PendingStore(tmp_path / "pending"))
    yield tx_runner
    tx_runner.close()
    chain.close()


def signer(uri: str) -> ExternalSigner:
    kp = Keypair.from_uri(uri)
    return ExternalSigner(kp.public_key, CryptoScheme.SR25519, kp.sign)


def add_stake(runner: TxRunner, rao: int) -> bytes:
    return runner.chain.client.runtime().compose_call(
        "SubtensorModule", "add_stake", {"hotkey": "0x" + HOTKEY.hex(), "netuid": 1, "amount_staked": rao})


def test_shielded_stake_reports_the_inner_call(net: LocalnetHandle, runner: TxRunner) -> None:
    client = runner.chain.client
    assert mev_shield_available(client)
    eve = signer("//Eve")
    nonce = client.account(eve.public_key).nonce
    view = sign_and_submit_shielded(runner, add_stake(runner, 7 * TAO), eve)
    assert view.phase == "in_block" and view.success is True, view
    assert "via MEV Shield" in view.detail
    assert any(e.pallet == "SubtensorModule" and e.name == "StakeAdded" for e in view.events)
    assert client.account(eve.public_key).nonce == nonce + 2  # wrapper n, inner n + 1
    assert view.block_hash is not None
    block_hash = bytes.fromhex(view.block_hash[2:])
    hashes = ["0x" + extrinsic_hash(x).hex() for x in client.block_extrinsics(block_hash)]
    inner_idx = hashes.index(view.tx_hash)  # the status is the inner call's; its wrapper sits right before it
    wrapper_events = [(e.pallet, e.name) for e in extrinsic_events(client, block_hash, inner_idx - 1)]
    assert ("MevShield", "EncryptedSubmitted") in wrapper_events

def test_shielded_failing_call_reports_its_error_and_nonces_stay_usable(net: LocalnetHandle,
                                                                         runner: TxRunner) -> None:
    ferdie = signer("//Ferdie")
    view = sign_and_submit_shielded(runner, add_stake(runner, 10**9 * TAO), ferdie)  # far more than Ferdie has
    assert view.phase == "failed" and view.success is False, view
    assert view.error is not None and view.error.startswith("SubtensorModule."), view.error  # the inner's error
    again = sign_and_submit_shielded(runner, add_stake(runner, 2 * TAO), ferdie)
    assert again.success is True, again


def test_stale_key_wrapper_is_not_included(net: LocalnetHandle, runner: TxRunner,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A key that rotated away before submission: the author leaves the wrapper out; nothing executes."""
    from tao_wallet.services import mev_shield

    client = runner.chain.client
    stale = mev_shield.next_key(client)
    net.chain.produce_blocks(2 + 2 * KEY_PERIOD)  # past the Pending and Current keys the author accepts
    monkeypatch.setattr(mev_shield, "next_key", lambda c: stale)
    dave = signer("//Dave")
    nonce = client.account(dave.public_key).nonce
    view = sign_and_submit_shielded(runner, add_stake(runner, 3 * TAO), dave)
    assert view.success is not True and view.phase in ("dropped", "rejected", "failed"), view
    assert client.account(dave.public_key).nonce == nonce
    monkeypatch.undo()
    assert sign_and_submit_shielded(runner, add_stake(runner, 3 * TAO), dave).success is True


def test_send_prepared_with_mev_shield(net: LocalnetHandle, runner: TxRunner) -> None:
    """The staking services' preview -> send path, with MEV protection on."""
    from tao_wallet.services.prepared_tx import preview_call, send_prepared

    charlie = signer("//Charlie")
    prepared = preview_call(runner.chain, charlie.public_key, add_stake(runner, 4 * TAO), action="Stake",
                            destination="netuid 1")
    view = send_prepared(runner, prepared, charlie, wait_for="in_block", mev_shield=True)
    assert view.success is True and "via MEV Shield" in view.detail, view
    assert any(e.name == "StakeAdded" for e in view.events)


def test_staking_service_send_with_mev_shield(net: LocalnetHandle, runner: TxRunner) -> None:
    """StakingService.prepare_stake -> send(mev_shield=True): the staking screen's path, shielded."""
    from tao_wallet.services.chain import encode_address
    from tao_wallet.services.staking import StakingService

    alice = signer("//Alice")
    service = StakingService(runner.chain, runner)
    prepared = service.prepare_stake(encode_address(alice.public_key), encode_address(HOTKEY), 1, "0.5",
                                     tolerance_pct=None)
    view = service.send(prepared, alice, wait_for="in_block", mev_shield=True)
    assert view.success is True and "via MEV Shield" in view.detail, view
