"""WalletService without a UI: unlock cache and expiry, keyring opt-in, names, verify errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from keyrings.alt.file import PlaintextKeyring

from keystore.passwords import PasswordStore
from tao_wallet.services.errors import WalletError, code_for_exception
from tao_wallet.services.wallets import WalletService, check_name
from tests.app.prepared import PASSWORD, Prepared


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_unlock_cache_expires_and_keyring_is_opt_in(wallets: Prepared, isolated_dirs: Path) -> None:
    backend = PlaintextKeyring()
    backend.file_path = str(isolated_dirs / "keyring.cfg")  # type: ignore[misc]
    clock = Clock()
    service = WalletService(wallets.root, password_store=PasswordStore(backend=backend), clock=clock)
    assert not service.is_unlocked("alice") and service.get("alice").locked

    result = service.unlock("alice", PASSWORD, cache_seconds=30, remember=True)  # argon2 #1
    assert result.cached_for_seconds == 30 and result.remembered and result.address == wallets.alice
    assert service.get("alice").unlocked and not service.get("alice").locked
    # while cached, signing needs no password and no argon2
    assert service.sign("alice", "m").address == wallets.alice

    clock.now += 31
    assert not service.is_unlocked("alice"), "the cached key must expire"
    # after expiry the remembered password (keyring) unlocks it again
    assert service.resolve_password("alice") == PASSWORD
    assert service.sign("alice", "m").address == wallets.alice  # argon2 #2
    assert not service.is_unlocked("alice"), "signing must not re-populate the cache"

    service.forget_password("alice")
    assert service.resolve_password("alice") is None
    with pytest.raises(WalletError) as info:
        service.sign("alice", "m")
    assert info.value.code == "password_required"


def test_cache_off_by_default_and_lock_all(wallets: Prepared) -> None:
    service = WalletService(wallets.root)
    assert service.unlock_cache_seconds == 0
    service.unlock("bob", None)  # unencrypted: no argon2
    assert not service.is_unlocked("bob"), "default 0 = never keep keys"
    service.unlock("bob", None, cache_seconds=60)
    assert service.is_unlocked("bob")
    service.lock_all()
    assert not service.is_unlocked("bob")


def test_remember_without_store_is_a_clear_error(wallets: Prepared) -> None:
    with pytest.raises(WalletError) as info:
        WalletService(wallets.root).unlock("bob", "pw", remember=True)
    assert info.value.code == "keyring_unavailable"


def test_names_and_codes() -> None:
    for bad in ("", ".", "..", ".hidden", "a/b", "a\\b", " pad"):
        with pytest.raises(WalletError) as info:
            check_name(bad)
        assert info.value.code == "invalid_name"
    assert check_name("miner-2_x") == "miner-2_x"

    class WrongPasswordError(Exception):
        pass

    assert code_for_exception(WrongPasswordError()) == "wrong_password"


def test_verify_rejects_bad_address_and_reports_invalid(wallets: Prepared) -> None:
    service = WalletService(wallets.root)
    signed = service.sign("bob", "hi")
    assert service.verify(wallets.bob, "hi", signed.signature).valid
    assert not service.verify(wallets.bob_hot, "hi", signed.signature).valid
    with pytest.raises(WalletError) as info:
        service.verify("5notanaddress", "hi", signed.signature)
    assert info.value.code == "invalid_address"


def test_missing_wallet_and_hotkey(wallets: Prepared) -> None:
    service = WalletService(wallets.root)
    with pytest.raises(WalletError) as info:
        service.get("ghost")
    assert info.value.code == "wallet_not_found"
    with pytest.raises(WalletError) as info:
        service.sign("bob", "x", hotkey="ghost")
    assert info.value.code == "keyfile_not_found"
