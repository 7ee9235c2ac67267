"""Secrets never reach logs or error messages, and the keystore keeps no decrypted key around."""

from __future__ import annotations

import gc
import json
import logging
from pathlib import Path

import pytest

from keystore.errors import KeystoreError
from keystore.keyfile import Keyfile
from keystore.keypair import Keypair
from keystore.passwords import PasswordStore, bt_pw_env_name, encode_password_for_env, resolve_password
from keystore.polkadot_json import keypair_from_polkadot_json, keypair_to_polkadot_json
from keystore.wallet import Wallet, list_wallets

PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"
PASSWORD = "Tr0ub4dor&3-unique-password"


def _secrets(kp: Keypair) -> list[str]:
    assert kp.private_key is not None and kp.seed is not None
    return [PHRASE, PASSWORD, kp.private_key.hex(), kp.seed.hex(), "winner thank year"]


def _expect_error(func, *args: object) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(KeystoreError) as info:
        func(*args)
    return str(info.value) + repr(info.value)


def test_no_secret_in_logs_or_errors(tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    kp = Keypair.from_mnemonic(PHRASE)
    secrets = _secrets(kp)
    wallet = Wallet("w", tmp_path)
    wallet.regen_coldkey(kp, None)
    wallet.regen_hotkey("h", kp)
    wallet.regen_hotkey("h", kp, overwrite=True)
    wallet.coldkey_file.load()
    list_wallets(tmp_path)
    messages = []
    # bad inputs that contain secrets
    messages.append(_expect_error(Keypair.from_mnemonic, PHRASE.replace("yellow", "yellowz")))
    messages.append(_expect_error(Keypair.from_mnemonic, PHRASE.replace("legal", "thank", 1)))
    messages.append(_expect_error(Keypair.from_uri, PHRASE + "!//x"))
    messages.append(_expect_error(Keypair.from_seed, kp.seed.hex()[:-2] + "zz"))  # type: ignore[union-attr]
    messages.append(_expect_error(Keypair.from_private_key, kp.private_key.hex()[:-2]))  # type: ignore[union-attr]
    bad = json.loads(wallet.coldkey_file.path.read_text())
    bad["ss58Address"] = Keypair.from_uri("//Bob").ss58_address
    Keyfile(tmp_path / "bad").path.write_text(json.dumps(bad))
    messages.append(_expect_error(Keyfile(tmp_path / "bad").load))
    bad["secretPhrase"] = PHRASE.replace("yellow", "abandon")
    Keyfile(tmp_path / "bad").path.write_text(json.dumps(bad))
    messages.append(_expect_error(Keyfile(tmp_path / "bad").load))
    exported = keypair_to_polkadot_json(kp, PASSWORD, n=1 << 10)
    messages.append(_expect_error(keypair_from_polkadot_json, exported, PASSWORD + "x"))
    from keyring.backends import fail

    messages.append(_expect_error(PasswordStore(backend=fail.Keyring()).remember, tmp_path / "c", PASSWORD))
    keyfile = wallet.coldkey_file.path
    monkeypatch.setenv(bt_pw_env_name(keyfile), encode_password_for_env(keyfile, PASSWORD))
    assert resolve_password(keyfile) == PASSWORD
    monkeypatch.setenv(bt_pw_env_name(keyfile), "!!bad")
    assert resolve_password(keyfile) is None
    text = "\n".join(messages) + "\n".join(r.getMessage() for r in caplog.records)
    assert "unknown word 'yellowz' (word 12)" in text  # naming one bad word is fine
    for secret in secrets:
        assert secret not in text
    assert caplog.records  # logging did happen (so the check above is meaningful)


def test_keyfile_object_holds_no_key_after_load(tmp_path: Path) -> None:
    kf = Keyfile(tmp_path / "k")
    kf.save(Keypair.from_mnemonic(PHRASE))
    loaded = kf.load()
    assert vars(kf) == {"path": kf.path}  # frozen dataclass with only the path: nothing cached
    del loaded
    gc.collect()
