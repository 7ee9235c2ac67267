"""WalletService.signer: coldkey and hotkey signers whose extrinsics the localnet accepts, and its refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.client.client import ChainClient
from node.client.extrinsic import CryptoScheme, ExternalSigner
from node.localnet.rpc.embedded import LocalnetHandle
from tao_wallet.services.chain import ChainService, decode_address
from tao_wallet.services.errors import WalletError
from tao_wallet.services.tx import PendingStore, TxRunner
from tao_wallet.services.wallets import WalletService


def _transfer(runner: TxRunner, signer: object, dest: bytes, rao: int) -> object:
    call = runner.chain.client.runtime().compose_call(
        "Balances", "transfer_keep_alive", {"dest": "0x" + dest.hex(), "value": rao})
    return runner.sign_and_submit(call, signer, wait_for="in_block")  # type: ignore[arg-type]


def test_hotkey_and_coldkey_signers_sign_accepted_transfers(bare_localnet: LocalnetHandle, tmp_path: Path) -> None:
    from keystore.keypair import Keypair

    wallets = WalletService(tmp_path / "wallets")
    cold = wallets.create_coldkey("w", None)
    hot = wallets.create_hotkey("w", "hk", crypto_type="ed25519")
    chain = ChainService(bare_localnet.url)
    runner = TxRunner(chain, PendingStore(tmp_path / "pending"))
    try:
        alice = Keypair.from_uri("//Alice")
        alice_signer = ExternalSigner(alice.public_key, CryptoScheme.SR25519, alice.sign)
        for address in (cold.address, hot.address):
            funded = _transfer(runner, alice_signer, decode_address(address), 10**10)
            assert funded.success, funded  # type: ignore[attr-defined]
        hot_signer = wallets.signer("w", hotkey="hk")
        assert hot_signer.public_key == decode_address(hot.address) and hot_signer.scheme is CryptoScheme.ED25519
        sent = _transfer(runner, hot_signer, alice.public_key, 10**9)
        assert sent.success, sent  # type: ignore[attr-defined]
        cold_signer = wallets.signer("w")
        assert cold_signer.public_key == decode_address(cold.address) and cold_signer.scheme is CryptoScheme.SR25519
        assert _transfer(runner, cold_signer, alice.public_key, 10**9).success  # type: ignore[attr-defined]
        client = ChainClient([bare_localnet.url])
        try:  # both paid: their nonces moved on the chain
            assert client.account(decode_address(hot.address)).nonce == 1
            assert client.account(decode_address(cold.address)).nonce == 1
        finally:
            client.close()
    finally:
        runner.close()
        chain.close()


def test_signer_refusals(tmp_path: Path) -> None:
    wallets = WalletService(tmp_path / "wallets")
    with pytest.raises(WalletError) as missing:
        wallets.signer("nobody")
    assert missing.value.code == "wallet_not_found"
    wallets.create_coldkey("w", None)
    with pytest.raises(WalletError) as no_hotkey:
        wallets.signer("w", hotkey="absent")
    assert no_hotkey.value.code == "keyfile_not_found"
    wallets.import_watch_only("watch", wallets.get("w").coldkey_address or "")
    with pytest.raises(WalletError) as watch:
        wallets.signer("watch")
    assert watch.value.code == "public_key_only"
    wallets.create_hotkey("w", "locked", password="hotkey-password")
    with pytest.raises(WalletError) as locked:
        wallets.signer("w", hotkey="locked")
    assert locked.value.code == "password_required"
