"""Password sources: BT_PW_ env (bittensor-wallet compatible), password files, OS keyring."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import pytest

from keystore.errors import KeyringUnavailableError, PasswordFileError
from keystore.passwords import (
    PasswordStore,
    bt_pw_env_name,
    decode_password_from_env,
    encode_password_for_env,
    password_from_env,
    read_password_file,
    resolve_password,
)

bittensor_wallet = pytest.importorskip("bittensor_wallet")


def _c_getenv(name: str) -> str | None:
    """Read the C-level environment (bittensor-wallet's Rust set_var does not update os.environ)."""
    libc = ctypes.CDLL(None)
    libc.getenv.restype = ctypes.c_char_p
    value = libc.getenv(name.encode())
    return value.decode() if value is not None else None


@pytest.mark.parametrize("password", ["pässword 1", "x", "a much longer password than the env var name " * 3])
def test_env_var_matches_bittensor_wallet(tmp_path: Path, password: str) -> None:
    path = tmp_path / "wallets" / "my-w.1" / "coldkey"
    official = bittensor_wallet.Keyfile(str(path))
    assert bt_pw_env_name(path) == official.env_var_name()
    value = official.save_password_to_env(password)
    try:
        assert _c_getenv(bt_pw_env_name(path)) == value
        assert encode_password_for_env(path, password) == value
        assert decode_password_from_env(path, value) == password
    finally:
        official.remove_password_from_env()


def test_our_env_value_is_read_by_bittensor_wallet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "w" / "hotkeys" / "default"
    name = bt_pw_env_name(path)
    monkeypatch.setenv(name, encode_password_for_env(path, "s3cret!"))
    assert bittensor_wallet.keyfile.get_password_from_environment(name) == "s3cret!"
    assert password_from_env(path) == "s3cret!"
    monkeypatch.setenv(name, "%%% not base64")
    assert password_from_env(path) is None


def test_password_file(tmp_path: Path) -> None:
    file = tmp_path / "pw"
    file.write_text(" two words \r\nsecond line\n")
    file.chmod(0o600)
    assert read_password_file(file) == " two words "
    file.write_text("\n")
    with pytest.raises(PasswordFileError, match="is empty"):
        read_password_file(file)
    with pytest.raises(PasswordFileError, match="does not exist"):
        read_password_file(tmp_path / "missing")


def _plaintext_backend(tmp_path: Path) -> object:
    from keyrings.alt.file import PlaintextKeyring

    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring.cfg")
    return backend


def test_keyring_remember_recall_forget(tmp_path: Path) -> None:
    store = PasswordStore(service="tao-wallet-test", backend=_plaintext_backend(tmp_path))
    keyfile = tmp_path / "w" / "coldkey"
    assert store.available()
    assert store.recall(keyfile) is None
    store.remember(keyfile, "hunter2")
    assert store.recall(keyfile) == "hunter2"
    assert PasswordStore(service="other", backend=_plaintext_backend(tmp_path)).recall(keyfile) is None
    store.forget(keyfile)
    assert store.recall(keyfile) is None
    store.forget(keyfile)  # idempotent


def test_keyring_via_global_configuration(tmp_path: Path) -> None:
    import keyring

    previous = keyring.get_keyring()
    keyring.set_keyring(_plaintext_backend(tmp_path))  # type: ignore[arg-type]
    try:
        store = PasswordStore()
        store.remember(tmp_path / "coldkey", "pw")
        assert store.recall(tmp_path / "coldkey") == "pw"
    finally:
        keyring.set_keyring(previous)


def test_no_usable_keyring_is_a_clear_error_without_fallback(tmp_path: Path) -> None:
    from keyring.backends import fail

    store = PasswordStore(backend=fail.Keyring())
    assert not store.available()
    with pytest.raises(
        KeyringUnavailableError, match=r"no usable OS keyring backend .*never stored in plaintext"
    ) as info:
        store.remember(tmp_path / "coldkey", "hunter2")
    assert "hunter2" not in str(info.value)
    assert store.recall(tmp_path / "coldkey") is None
    assert list(tmp_path.rglob("*keyring*")) == []


def test_resolve_password_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keyfile = tmp_path / "w" / "coldkey"
    store = PasswordStore(backend=_plaintext_backend(tmp_path))
    assert resolve_password(keyfile, store=store) is None
    store.remember(keyfile, "from-keyring")
    assert resolve_password(keyfile, store=store) == "from-keyring"
    monkeypatch.setenv(bt_pw_env_name(keyfile), encode_password_for_env(keyfile, "from-env"))
    assert resolve_password(keyfile, store=store) == "from-env"
    pw_file = tmp_path / "pw"
    pw_file.write_text("from-file\n")
    assert resolve_password(keyfile, password_file=pw_file, store=store) == "from-file"
    assert resolve_password(keyfile, password="from-arg", password_file=pw_file, store=store) == "from-arg"
    assert os.environ[bt_pw_env_name(keyfile)] != "from-env"  # obfuscated, not plaintext


class _MemoryKeyring:
    """Stands in for an OS backend (Secret Service, Keychain) inside keyring's chainer."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, user: str, password: str) -> None:
        self.items[(service, user)] = password

    def get_password(self, service: str, user: str) -> str | None:
        return self.items.get((service, user))

    def delete_password(self, service: str, user: str) -> None:
        self.items.pop((service, user), None)


def _chainer(backends: list[object]) -> object:
    from keyring.backends.chainer import ChainerBackend

    class Chain(ChainerBackend):
        @property
        def backends(self) -> list[object]:  # type: ignore[override]
            return backends

    return Chain()


def test_default_chainer_never_falls_back_to_keyrings_alt_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring

    plaintext = _plaintext_backend(tmp_path)
    monkeypatch.setattr(keyring, "get_keyring", lambda: _chainer([plaintext]))
    store = PasswordStore()
    assert not store.available()
    with pytest.raises(KeyringUnavailableError, match="PlaintextKeyring"):
        store.remember(tmp_path / "coldkey", "hunter2")
    assert not (tmp_path / "keyring.cfg").exists()
    # with a real backend in the chain, that one is used and the plaintext file stays untouched
    real = _MemoryKeyring()
    monkeypatch.setattr(keyring, "get_keyring", lambda: _chainer([plaintext, real]))
    store.remember(tmp_path / "coldkey", "hunter2")
    assert list(real.items.values()) == ["hunter2"]
    assert store.recall(tmp_path / "coldkey") == "hunter2"
    assert not (tmp_path / "keyring.cfg").exists()
