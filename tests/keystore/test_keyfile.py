"""Keyfiles on disk: formats, distinct errors, atomic writes, overwrite + backup, permissions."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from keystore import keyfile_crypto
from keystore.errors import (
    CorruptKeyfileError,
    KeyfileExistsError,
    KeyfileNotFoundError,
    PasswordRequiredError,
    UnsupportedKeyfileError,
    WrongPasswordError,
)
from keystore.keyfile import Encryption, Keyfile
from keystore.keyfile_data import serialize_keypair
from keystore.keypair import CryptoType, Keypair
from tests.keystore.conftest import PASSWORD, PHRASE


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_plaintext_round_trip_fields_and_permissions(tmp_path: Path, mnemonic_keypair: Keypair) -> None:
    kf = Keyfile(tmp_path / "w" / "hotkeys" / "default")
    assert kf.save(mnemonic_keypair) is None
    data = json.loads(kf.path.read_bytes())
    assert set(data) == {
        "accountId", "publicKey", "privateKey", "secretPhrase", "secretSeed", "ss58Address", "cryptoType",
    }  # fmt: skip
    assert data["secretPhrase"] == PHRASE and data["cryptoType"] == 1
    assert not kf.path.read_bytes().endswith(b"\n")
    assert _mode(kf.path) == 0o600
    assert _mode(kf.path.parent) == 0o700 and _mode(kf.path.parent.parent) == 0o700
    loaded = kf.load()
    assert loaded == mnemonic_keypair
    assert kf.encryption() is Encryption.NONE and not kf.is_encrypted()
    assert kf.load_public() == mnemonic_keypair.public_only()


def test_public_only_file_has_no_secrets(tmp_path: Path) -> None:
    kp = Keypair.from_uri("//Alice", CryptoType.ED25519)
    kf = Keyfile(tmp_path / "coldkeypub.txt")
    kf.save(kp, public_only=True)
    assert set(json.loads(kf.path.read_bytes())) == {"accountId", "publicKey", "ss58Address", "cryptoType"}
    pub = kf.load()
    assert pub.is_public_only and pub.crypto_type is CryptoType.ED25519
    assert pub.ss58_address == kp.ss58_address
    with pytest.raises(ValueError, match="never encrypted"):
        kf.save(kp, PASSWORD, public_only=True, overwrite=True)


def test_encrypted_load_and_wrong_password(
    tmp_path: Path, encrypted_coldkey_bytes: bytes, mnemonic_keypair: Keypair
) -> None:
    # saving with a password is exercised (and opened by bittensor-wallet) in test_interop.py
    kf = Keyfile(tmp_path / "coldkey")
    kf.path.write_bytes(encrypted_coldkey_bytes)
    assert len(encrypted_coldkey_bytes) == 45 + len(serialize_keypair(mnemonic_keypair))
    assert kf.encryption() is Encryption.NACL and kf.is_encrypted()
    assert kf.load(PASSWORD) == mnemonic_keypair  # argon2 #1
    with pytest.raises(WrongPasswordError, match="wrong password") as info:
        kf.load("not the password")  # argon2 #2
    assert "not the password" not in str(info.value)
    with pytest.raises(PasswordRequiredError, match="a password is required"):
        kf.load()
    with pytest.raises(PasswordRequiredError):
        kf.load_public()
    assert kf.path.read_bytes() == encrypted_coldkey_bytes  # nothing modified


def test_truncated_short_file_is_corrupt_not_wrong_password(
    tmp_path: Path, encrypted_coldkey_bytes: bytes
) -> None:
    kf = Keyfile(tmp_path / "coldkey")
    kf.path.write_bytes(encrypted_coldkey_bytes[:40])
    with pytest.raises(CorruptKeyfileError, match="truncated NaCl keyfile: 40 bytes, at least 45"):
        kf.load(PASSWORD)
    assert kf.path.read_bytes() == encrypted_coldkey_bytes[:40]


def test_flipped_header_is_corrupt(tmp_path: Path, encrypted_coldkey_bytes: bytes) -> None:
    kf = Keyfile(tmp_path / "coldkey")
    kf.path.write_bytes(b"$NBCL" + encrypted_coldkey_bytes[5:])
    with pytest.raises(CorruptKeyfileError, match="damaged header"):
        kf.load(PASSWORD)
    with pytest.raises(CorruptKeyfileError, match="damaged header"):
        kf.encryption()
    kf.path.write_bytes(b"\x00garbage")
    with pytest.raises(CorruptKeyfileError, match="unrecognised keyfile"):
        kf.load()
    kf.path.write_bytes(b"")
    with pytest.raises(CorruptKeyfileError, match="empty"):
        kf.load()


def test_bad_json_inside_valid_encryption_is_corrupt(tmp_path: Path, nacl_key: bytes) -> None:
    kf = Keyfile(tmp_path / "coldkey")
    kf.path.write_bytes(keyfile_crypto.nacl_encrypt_with_key(b'{"accountId": "0x12', nacl_key))
    with pytest.raises(CorruptKeyfileError, match="not valid JSON"):
        kf.load(PASSWORD)  # argon2 #3: the MAC verifies, the contents are broken


def test_missing_file(tmp_path: Path) -> None:
    kf = Keyfile(tmp_path / "nope")
    assert not kf.exists()
    with pytest.raises(KeyfileNotFoundError, match="does not exist"):
        kf.load()
    with pytest.raises(KeyfileNotFoundError):
        kf.encryption()


def _fields(kp: Keypair) -> dict[str, object]:
    return dict(json.loads(serialize_keypair(kp)))


@pytest.mark.parametrize(
    ("mutate", "error", "message"),
    [
        (lambda d: d.update(privateKey="0xzz", secretPhrase=None, secretSeed=None), CorruptKeyfileError,
         "field 'privateKey' is invalid: sr25519 private key is not valid hex"),
        (lambda d: d.update(ss58Address="5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"), CorruptKeyfileError,
         "disagree about the public key"),
        (lambda d: d.update(cryptoType=7), UnsupportedKeyfileError, "unsupported cryptoType 7"),
        (lambda d: d.update(secretPhrase="walk " * 11 + "walk"), CorruptKeyfileError,
         "'secretPhrase' is not a valid BIP39"),
        (lambda d: d.update(secretPhrase=12), CorruptKeyfileError, "field 'secretPhrase' must be a string"),
        (lambda d: d.clear(), CorruptKeyfileError, "no key fields"),
    ],
)  # fmt: skip
def test_bad_fields_are_named_without_values(tmp_path: Path, mutate, error, message) -> None:  # type: ignore[no-untyped-def]
    fields = _fields(Keypair.from_mnemonic(PHRASE))
    mutate(fields)
    fields = {k: v for k, v in fields.items() if v is not None}
    kf = Keyfile(tmp_path / "hot")
    kf.path.write_text(json.dumps(fields))
    with pytest.raises(error, match=message) as info:
        kf.load()
    assert "bottom" not in str(info.value) and "0x" not in str(info.value).replace("0x'", "")


def test_stale_address_for_private_key_is_detected(tmp_path: Path) -> None:
    fields = _fields(Keypair.from_uri("//Alice"))
    fields["publicKey"] = fields["accountId"] = "0x" + Keypair.from_uri("//Bob").public_key.hex()
    fields["ss58Address"] = Keypair.from_uri("//Bob").ss58_address
    kf = Keyfile(tmp_path / "hot")
    kf.path.write_text(json.dumps(fields))
    with pytest.raises(CorruptKeyfileError, match="does not match the key from 'privateKey'"):
        kf.load()


def test_address_only_file_reads_public(tmp_path: Path) -> None:
    kf = Keyfile(tmp_path / "coldkeypub.txt")
    kf.path.write_text(json.dumps({"ss58Address": "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"}))
    assert kf.load().is_public_only
    assert kf.load_public().ss58_address == "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"


def test_refuses_to_overwrite_and_backs_up_when_asked(tmp_path: Path) -> None:
    alice, bob = Keypair.from_uri("//Alice"), Keypair.from_uri("//Bob")
    kf = Keyfile(tmp_path / "hotkeys" / "default")
    kf.save(alice)
    original = kf.path.read_bytes()
    with pytest.raises(KeyfileExistsError, match="already exists"):
        kf.save(bob)
    assert kf.path.read_bytes() == original
    backup = kf.save(bob, overwrite=True)
    assert backup is not None and backup.name.startswith("default.bak-") and backup.name.endswith("Z")
    assert backup.read_bytes() == original and _mode(backup) == 0o600
    assert kf.load().public_key == bob.public_key
    assert _listing(kf.path.parent) == sorted(["default", backup.name])


def test_crash_during_overwrite_leaves_original_and_no_temp_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kf = Keyfile(tmp_path / "coldkey")
    kf.save(Keypair.from_uri("//Alice"))
    original = kf.path.read_bytes()
    before = _listing(tmp_path)

    def crash(*args: object, **kwargs: object) -> None:
        raise OSError("simulated power loss")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="simulated power loss"):
        kf.save(Keypair.from_uri("//Bob"), overwrite=True)
    assert kf.path.read_bytes() == original
    assert _listing(tmp_path) == before  # no temp file and no stray backup


def test_crash_while_writing_new_file_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    kf = Keyfile(tmp_path / "d" / "coldkey")
    with pytest.raises(OSError, match="disk full"):
        kf.save(Keypair.from_uri("//Alice"))
    assert _listing(tmp_path / "d") == []


def test_change_password(tmp_path: Path, encrypted_coldkey_bytes: bytes, mnemonic_keypair: Keypair) -> None:
    (tmp_path / "w").mkdir()
    kf = Keyfile(tmp_path / "w" / "coldkey")
    kf.path.write_bytes(encrypted_coldkey_bytes)
    backup = kf.change_password(PASSWORD, "new password")  # argon2 #4, #5
    assert backup is not None and backup.read_bytes() == encrypted_coldkey_bytes
    assert kf.load("new password") == mnemonic_keypair  # argon2 #6
    assert _mode(kf.path) == 0o600


def test_change_password_with_wrong_old_password_changes_nothing(
    tmp_path: Path, mnemonic_keypair: Keypair
) -> None:
    # same code path as NaCl (decrypt before any write); Ansible Vault keeps the test cheap
    (tmp_path / "w").mkdir()
    kf = Keyfile(tmp_path / "w" / "coldkey")
    kf.path.write_bytes(keyfile_crypto.ansible_encrypt(serialize_keypair(mnemonic_keypair), PASSWORD))
    before = kf.path.read_bytes()
    with pytest.raises(WrongPasswordError):
        kf.change_password("wrong", "new password")
    assert kf.path.read_bytes() == before and _listing(kf.path.parent) == ["coldkey"]


def test_plaintext_keyfile_cannot_change_password(tmp_path: Path) -> None:
    kf = Keyfile(tmp_path / "hot")
    kf.save(Keypair.from_uri("//Alice"))
    with pytest.raises(UnsupportedKeyfileError, match="not encrypted"):
        kf.change_password("a", "b")
    with pytest.raises(UnsupportedKeyfileError, match="not encrypted"):
        kf.upgrade_to_nacl("a")


def test_ansible_vault_read_and_upgrade(tmp_path: Path, mnemonic_keypair: Keypair, nacl_key: bytes) -> None:
    kf = Keyfile(tmp_path / "coldkey")
    kf.path.write_bytes(keyfile_crypto.ansible_encrypt(serialize_keypair(mnemonic_keypair), PASSWORD))
    assert kf.encryption() is Encryption.ANSIBLE_VAULT
    assert kf.load(PASSWORD) == mnemonic_keypair
    with pytest.raises(WrongPasswordError):
        kf.load("wrong")
    legacy = kf.path.read_bytes()
    backup = kf.upgrade_to_nacl(PASSWORD)  # argon2 #7 (checked below with the session key)
    assert backup is not None and backup.read_bytes() == legacy
    assert kf.encryption() is Encryption.NACL
    assert keyfile_crypto.nacl_decrypt_with_key(kf.path.read_bytes(), nacl_key) == serialize_keypair(
        mnemonic_keypair
    )
    assert kf.upgrade_to_nacl(PASSWORD) is None  # already NaCl: no-op, no unlock


def test_ansible_structural_damage(tmp_path: Path) -> None:
    good = keyfile_crypto.ansible_encrypt(b'{"ss58Address":"x"}', PASSWORD)
    with pytest.raises(CorruptKeyfileError, match="damaged Ansible Vault body"):
        keyfile_crypto.ansible_decrypt(good[:-30], PASSWORD)
    with pytest.raises(CorruptKeyfileError, match="damaged Ansible Vault header"):
        keyfile_crypto.ansible_decrypt(b"$ANSIBLE_VAULT;1.1;DES\n00", PASSWORD)


def test_legacy_fernet_historical_algorithm(tmp_path: Path, mnemonic_keypair: Keypair) -> None:
    from cryptography.fernet import Fernet

    # two 10M-iteration PBKDF2 runs: one to build the file, one to read it
    token = Fernet(keyfile_crypto.fernet_key(PASSWORD)).encrypt(serialize_keypair(mnemonic_keypair))
    kf = Keyfile(tmp_path / "coldkey")
    kf.path.write_bytes(token)
    assert kf.encryption() is Encryption.FERNET_LEGACY
    assert kf.load(PASSWORD) == mnemonic_keypair
    kf.path.write_bytes(token[:40])
    with pytest.raises(CorruptKeyfileError, match="truncated legacy"):
        kf.load(PASSWORD)


def test_world_readable_secret_keyfile_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    kf = Keyfile(tmp_path / "hot")
    kf.save(Keypair.from_uri("//Alice"))
    with caplog.at_level("WARNING"):
        kf.load()
    assert not caplog.records
    kf.path.chmod(0o644)
    with caplog.at_level("WARNING"):
        kf.load()
    assert "accessible to other users (mode 644)" in caplog.text
