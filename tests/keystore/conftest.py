"""Shared keystore fixtures. NaCl unlocks cost ~3 s each (argon2i, 512 MiB): share them."""

from __future__ import annotations

import pytest

from keystore import keyfile_crypto
from keystore.keyfile_data import serialize_keypair
from keystore.keypair import Keypair

PASSWORD = "correct horse battery"
PHRASE = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"


@pytest.fixture(scope="session")
def nacl_key() -> bytes:
    """argon2i(PASSWORD), derived once per session so tests can build $NACL files cheaply."""
    return keyfile_crypto._nacl_key(PASSWORD)


@pytest.fixture(scope="session")
def mnemonic_keypair() -> Keypair:
    return Keypair.from_mnemonic(PHRASE)


@pytest.fixture(scope="session")
def encrypted_coldkey_bytes(nacl_key: bytes, mnemonic_keypair: Keypair) -> bytes:
    """A $NACL keyfile for ``mnemonic_keypair`` under PASSWORD (no extra argon2 cost)."""
    return keyfile_crypto.nacl_encrypt_with_key(serialize_keypair(mnemonic_keypair), nacl_key)
