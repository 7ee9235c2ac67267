"""`tao-wallet stake ... --mev-protection/--no-mev-protection` end to end: the real CLI entry point, real
wallets, the real localnet (with its MevShield pallet) over a real WebSocket.

Protection is on by default when the chain offers MevShield (as btcli does); the block must then hold the
MevShield.submit_encrypted wrapper right before the decrypted staking call.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from node.client.extrinsic import extrinsic_hash
from tao_wallet.services.chain import ChainService
from tao_wallet.services.mev_shield import mev_shield_available
from tao_wallet.services.prepared_tx import MEV_ON
from tests.money.cli_helpers import make_wallet, run
from tests.staking.conftest import Account, fund, new_account, validator

ON_LINE = f"MEV protection: {MEV_ON}"


@pytest.fixture
def wallet(session_chain: ChainService) -> Account:
    """Wallet "mev": a fresh unencrypted coldkey with 50 TAO (MevShield keys exist from block 2 on)."""
    acc = new_account()
    make_wallet("mev", acc.keypair, Path(os.environ["TAO_WALLET_PATH"]))
    fund(session_chain, acc.address, 50)
    fund(session_chain, new_account().address, 1)  # at least two blocks: the chain announces a key
    assert mev_shield_available(session_chain.client)
    return acc


def calls_around(chain: ChainService, block_hash: str, tx_hash: str) -> tuple[str, str]:
    """'Pallet.function' of the extrinsic `tx_hash` and of the one right before it in the block."""
    from scalecodec.base import ScaleBytes

    client = chain.client
    runtime = client.runtime()
    raw = client.block_extrinsics(bytes.fromhex(block_hash[2:]))
    idx = ["0x" + extrinsic_hash(x).hex() for x in raw].index(tx_hash)

    def name(xt: bytes) -> str:
        obj = runtime.config.create_scale_object("Extrinsic", data=ScaleBytes(bytearray(xt)),
                                                 metadata=runtime.metadata)
        value: Any = obj.decode()
        call = value["call"]
        return f"{call['call_module']}.{call['call_function']}"

    return name(raw[idx - 1]) if idx else "", name(raw[idx])


def stake_add(*extra: str, url: str) -> Any:
    return run("stake", "add", "-w", "mev", "--hotkey", validator(1), "--netuid", "1", "--amount", "2",
               "--tolerance", "5", "--json", "--network", url, *extra)


def test_stake_add_protected_by_default(wallet: Account, url: str, chain: ChainService) -> None:
    result = stake_add("--no-prompt", "--wait-for", "in_block", url=url)
    assert result.code == 0, result.stderr
    assert ON_LINE in result.stderr  # the preview said so before signing
    view = result.json()
    assert view["success"] is True and "via MEV Shield" in view["detail"], view
    assert any(e["pallet"] == "SubtensorModule" and e["name"] == "StakeAdded" for e in view["events"])
    assert chain.account(wallet.public_key).nonce == 2  # wrapper (nonce 0) + the protected call (nonce 1)
    before, call = calls_around(chain, view["block_hash"], view["tx_hash"])
    assert (before, call) == ("MevShield.submit_encrypted", "SubtensorModule.add_stake_limit")
    text = run("stake", "remove", "-w", "mev", "--hotkey", validator(1), "--netuid", "1", "--all",
               "--tolerance", "10", "--no-prompt", "--wait-for", "in_block", "--network", url)
    assert text.code == 0, text.stderr
    assert ON_LINE in text.stderr and "via MEV Shield" in text.stderr and "Success: in block" in text.stdout
    assert chain.account(wallet.public_key).nonce == 4


def test_no_mev_protection_sends_a_plain_call(wallet: Account, url: str, chain: ChainService) -> None:
    result = stake_add("--no-prompt", "--wait-for", "in_block", "--no-mev-protection", "--no-limit", url=url)
    assert result.code == 0, result.stderr
    assert "MEV protection: off" in result.stderr and ON_LINE not in result.stderr
    view = result.json()
    assert view["success"] is True and "MEV Shield" not in view["detail"], view
    assert chain.account(wallet.public_key).nonce == 1  # one plain extrinsic, no wrapper
    before, call = calls_around(chain, view["block_hash"], view["tx_hash"])
    assert call == "SubtensorModule.add_stake" and before != "MevShield.submit_encrypted"


def test_dry_run_shows_the_protection(wallet: Account, url: str, chain: ChainService) -> None:
    text = run("stake", "add", "-w", "mev", "--hotkey", validator(2), "--netuid", "2", "--amount", "1",
               "--dry-run", "--network", url)
    assert text.code == 0, text.stderr
    assert ON_LINE in text.stderr and "Dry run: nothing was signed" in text.stderr
    on = stake_add("--dry-run", url=url)
    assert on.code == 0, on.stderr
    assert on.json()["mev_protection"] is True
    assert ["MEV protection", MEV_ON] in on.json()["preview"]["details"]
    off = stake_add("--dry-run", "--no-mev-protection", url=url)
    assert off.code == 0, off.stderr
    assert off.json()["mev_protection"] is False and ["MEV protection", "off"] in off.json()["preview"]["details"]
    assert chain.account(wallet.public_key).nonce == 0  # nothing signed


@pytest.fixture(scope="module")
def bare_url() -> Iterator[str]:
    """A localnet still at genesis: its MevShield has announced no key yet, so it offers no protection."""
    from node.localnet.rpc.embedded import start_localnet
    from node.localnet.rpc.server import ServerConfig

    handle = start_localnet(None, config=ServerConfig(port=0), scenario=None, heartbeat=None)
    yield str(handle.url)
    handle.stop()


def test_requested_but_unavailable_is_a_clear_error(bare_url: str) -> None:
    acc = new_account()
    make_wallet("mev", acc.keypair, Path(os.environ["TAO_WALLET_PATH"]))
    chain = ChainService(bare_url)
    try:
        assert not mev_shield_available(chain.client)
        result = run("stake", "add", "-w", "mev", "--hotkey", validator(1), "--netuid", "1", "--amount", "1",
                     "--mev-protection", "--no-prompt", "--json", "--network", bare_url)
        assert result.code == 1
        error = result.error()
        assert error["code"] == "mev_shield_unavailable" and "--no-mev-protection" in error["message"]
        assert chain.account(acc.public_key).nonce == 0
    finally:
        chain.close()
