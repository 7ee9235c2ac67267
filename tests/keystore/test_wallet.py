"""Wallet directory layout, listing without decryption, creation and overwrite rules."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from keystore.errors import (
    InvalidAddressError,
    InvalidWalletNameError,
    KeyfileExistsError,
    KeyfileNotFoundError,
    PublicKeyOnlyError,
)
from keystore.keyfile import Encryption
from keystore.keypair import CryptoType, Keypair
from keystore.wallet import Wallet, default_wallet_path, list_wallets

ALICE = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"


def test_default_wallet_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TAO_WALLET_PATH", str(tmp_path / "a"))
    monkeypatch.setenv("BT_WALLET_PATH", str(tmp_path / "b"))
    assert default_wallet_path() == tmp_path / "a"
    monkeypatch.delenv("TAO_WALLET_PATH")
    assert default_wallet_path() == tmp_path / "b"
    monkeypatch.delenv("BT_WALLET_PATH")
    assert default_wallet_path() == Path.home() / ".bittensor" / "wallets"
    assert Wallet("x").path == Path.home() / ".bittensor" / "wallets"


def test_layout_and_listing_without_password(tmp_path: Path) -> None:
    wallet = Wallet("w1", tmp_path)
    cold = Keypair.from_uri("//Alice")
    wallet.regen_coldkey(cold, None)
    hot, phrase = wallet.create_hotkey("miner", crypto_type=CryptoType.ED25519)
    assert len(phrase.split()) == 12
    wallet.regen_hotkey("default", Keypair.from_uri("//Bob"))
    names = sorted(p.relative_to(wallet.directory).as_posix() for p in wallet.directory.rglob("*"))
    assert names == [
        "coldkey", "coldkeypub.txt", "hotkeys", "hotkeys/default", "hotkeys/defaultpub.txt",
        "hotkeys/miner", "hotkeys/minerpub.txt",
    ]  # fmt: skip
    for path in wallet.directory.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600)
    assert wallet.coldkey_address() == ALICE
    assert wallet.hotkey_names() == ["default", "miner"]
    info = wallet.info()
    assert info.coldkey_address == ALICE
    assert info.coldkey_encryption is Encryption.NONE
    assert info.coldkey_crypto_type is CryptoType.SR25519
    assert [(h.name, h.address, h.encryption) for h in info.hotkeys] == [
        ("default", Keypair.from_uri("//Bob").ss58_address, Encryption.NONE),
        ("miner", hot.ss58_address, Encryption.NONE),
    ]
    assert info.problems == ()
    assert wallet.load_hotkey("miner") == hot
    assert "w1" in [i.name for i in list_wallets(tmp_path)]


def test_list_wallets_reports_damage_instead_of_failing(tmp_path: Path) -> None:
    root = tmp_path / "wallets"
    good = Wallet("good", root)
    good.regen_coldkeypub(ALICE)
    bad = Wallet("bad", root)
    bad.directory.mkdir(parents=True)
    bad.coldkeypub_file.path.write_text('{"ss58Address": "5Grwva')
    (bad.directory / "hotkeys").mkdir()
    (bad.directory / "hotkeys" / "hk").write_bytes(b"$NACL short")
    (bad.directory / "hotkeys" / "hk.bak-20260101T000000Z").write_text("{}")
    (bad.directory / "hotkeys" / ".hk.123.tmp").write_text("{}")
    (root / ".hidden").mkdir()
    infos = list_wallets(root)
    assert [i.name for i in infos] == ["bad", "good"]
    assert infos[1].coldkey_address == ALICE and infos[1].coldkey_encryption is None
    assert infos[0].coldkey_address is None
    assert any("coldkeypub" in p and "not valid JSON" in p for p in infos[0].problems)
    assert [h.name for h in infos[0].hotkeys] == ["hk"]
    assert infos[0].hotkeys[0].encryption is Encryption.NACL  # header alone decides the scheme
    assert list_wallets(tmp_path / "missing") == []


def test_watch_only_wallet(tmp_path: Path) -> None:
    wallet = Wallet("watch", tmp_path)
    wallet.regen_coldkeypub(ALICE)
    assert wallet.coldkey_address() == ALICE
    with pytest.raises(KeyfileNotFoundError, match="watch-only"):
        wallet.unlock_coldkey("pw")
    with pytest.raises(PublicKeyOnlyError):
        wallet.coldkeypub_file.load().sign("x")
    with pytest.raises(InvalidAddressError):
        wallet.regen_coldkeypub("5Grwva", overwrite=True)
    with pytest.raises(PublicKeyOnlyError, match="regen_coldkeypub"):
        Wallet("other", tmp_path).regen_coldkey(Keypair.from_ss58(ALICE), None)
    with pytest.raises(PublicKeyOnlyError):
        wallet.regen_hotkey("h", Keypair.from_ss58(ALICE))
    assert not (tmp_path / "other").exists()


def test_create_refuses_existing_and_overwrite_keeps_backups(tmp_path: Path) -> None:
    wallet = Wallet("w", tmp_path)
    first, _ = wallet.create_coldkey(None)
    with pytest.raises(KeyfileExistsError):
        wallet.create_coldkey(None)
    # only coldkeypub.txt present still blocks (bittensor-wallet's rule: neither may exist)
    wallet.coldkey_file.path.unlink()
    with pytest.raises(KeyfileExistsError, match=r"coldkeypub\.txt already exists"):
        wallet.regen_coldkey(Keypair.from_uri("//Bob"), None)
    assert not wallet.coldkey_file.exists()
    wallet.regen_coldkey(Keypair.from_uri("//Bob"), None, overwrite=True)
    assert wallet.coldkey_address() == Keypair.from_uri("//Bob").ss58_address
    backups = [p for p in wallet.directory.iterdir() if ".bak-" in p.name]
    assert len(backups) == 1 and backups[0].name.startswith("coldkeypub.txt.bak-")
    assert json.loads(backups[0].read_text())["ss58Address"] == first.ss58_address


@pytest.mark.parametrize("name", ["", ".hidden", "a/b", "..", " x"])
def test_bad_wallet_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(InvalidWalletNameError):
        Wallet(name, tmp_path)


@pytest.mark.parametrize("name", ["xpub.txt", "a/b", "k.bak-1"])
def test_bad_hotkey_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(InvalidWalletNameError):
        Wallet("w", tmp_path).hotkey_file(name)
