"""Keypairs: dev accounts, SURI derivation known answers, signing, errors, secret hiding."""

from __future__ import annotations

import pytest

from keystore.derivation import junction_chain_code, parse_suri
from keystore.errors import InvalidKeyMaterialError, InvalidMnemonicError, PublicKeyOnlyError
from keystore.keypair import CryptoType, Keypair, verify_signature

DEV = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"
ALICE = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
BOB = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"
ALICE_ED = "5FA9nQDVg267DEd8m1ZypXLBnvN7SFxYwV7ndqSYGiN9TTpu"
DEV_ROOT = "5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV"
# privateKey bittensor-wallet 4.1.1 writes for //Alice (sr25519 hard derivation is deterministic)
ALICE_PRIVATE = (
    "33a6f3093f158a7109f679410bef1a0c54168145e0cecb4df006c1c2fffb1f09"
    "925a225d97aa00682d6a59b95b18780c10d7032336e88f3442b42361f4a66011"
)
ALICE_ED_PRIVATE = "abf8e5bdbe30c65656c0a3cbd181ff8a56294a69dfedd27982aace4a76909115"


def test_dev_accounts() -> None:
    alice = Keypair.from_uri("//Alice")
    assert alice.ss58_address == ALICE
    assert alice.private_key is not None and alice.private_key.hex() == ALICE_PRIVATE
    assert alice.mnemonic is None and alice.seed is None
    assert Keypair.from_uri("//Bob").ss58_address == BOB
    alice_ed = Keypair.from_uri("//Alice", CryptoType.ED25519)
    assert alice_ed.ss58_address == ALICE_ED
    assert alice_ed.private_key == bytes.fromhex(ALICE_ED_PRIVATE)
    assert Keypair.from_mnemonic(DEV).ss58_address == DEV_ROOT
    assert Keypair.from_uri(DEV + "//Alice").ss58_address == ALICE


@pytest.mark.parametrize(
    ("uri", "crypto", "address"),
    [
        # addresses produced by bittensor_wallet 4.1.1 Keypair.create_from_uri
        ("//Alice/soft//3///pw", CryptoType.SR25519, "5EZk3bgWLxxvpCWzF7KBkE8fgx2KiuwXhSf6mQ4bo5q96dx5"),
        ("//Alice//3///pw", CryptoType.ED25519, "5DzxuTvftD9qmu1Crk197NDMqNZz5JSbvbUmv7Pi3RW8XTdL"),
        (
            DEV + "//a-very-long-junction-name-exceeding-32-bytes-xyz/12345",
            CryptoType.SR25519,
            "5EWNMynCq3b6bg3JdUKUdmfozkRwR6ickJmLTmfeQMfQWwQn",
        ),
    ],
)
def test_derivation_known_answers(uri: str, crypto: CryptoType, address: str) -> None:
    assert Keypair.from_uri(uri, crypto).ss58_address == address


def test_soft_derivation_public_key_is_stable() -> None:
    a = Keypair.from_uri("//Alice/soft")
    b = Keypair.from_uri("//Alice/soft")
    assert a.public_key == b.public_key
    assert a.private_key is not None and b.private_key is not None
    assert a.private_key[:32] == b.private_key[:32]  # scalar stable; nonce half is random


def test_hex_seed_uri_equals_mnemonic_uri() -> None:
    seed = Keypair.from_mnemonic(DEV).seed
    assert seed is not None
    assert Keypair.from_uri("0x" + seed.hex() + "//Alice").ss58_address == ALICE


def test_junction_encoding() -> None:
    assert junction_chain_code("Alice") == b"\x14Alice" + bytes(26)
    assert junction_chain_code("3") == (3).to_bytes(8, "little") + bytes(24)
    assert len(junction_chain_code("x" * 40)) == 32
    suri = parse_suri("//a/b///secret")
    assert [j.hard for j in suri.junctions] == [True, False]
    assert suri.password == "secret"
    assert "secret" not in repr(suri)


def test_ed25519_soft_derivation_is_refused() -> None:
    with pytest.raises(InvalidKeyMaterialError, match="only hard derivation"):
        Keypair.from_uri("//Alice/soft", CryptoType.ED25519)


def test_bad_uri_and_phrase() -> None:
    with pytest.raises(InvalidKeyMaterialError, match="invalid secret URI"):
        Keypair.from_uri("bad!phrase//x")
    with pytest.raises(InvalidMnemonicError, match="unknown word"):
        Keypair.from_uri("one two three four five six seven eight nine ten eleven twelve//x")


def test_seed_and_private_key_constructors() -> None:
    root = Keypair.from_mnemonic(DEV)
    assert root.seed is not None and root.private_key is not None
    assert Keypair.from_seed(root.seed.hex()).public_key == root.public_key
    assert Keypair.from_seed("0x" + root.seed.hex().upper()).public_key == root.public_key
    assert Keypair.from_private_key(root.private_key).public_key == root.public_key
    assert Keypair.from_seed(root.private_key).public_key == root.public_key  # sr25519 takes 64
    ed = Keypair.from_mnemonic(DEV, CryptoType.ED25519)
    assert ed.private_key == ed.seed == root.seed
    with pytest.raises(InvalidKeyMaterialError, match="seed must be 32 bytes, got 64"):
        Keypair.from_seed(root.private_key, CryptoType.ED25519)
    with pytest.raises(InvalidKeyMaterialError, match="seed is not valid hex"):
        Keypair.from_seed("0xzz")
    with pytest.raises(InvalidKeyMaterialError, match="must be 64 bytes, got 32"):
        Keypair.from_private_key(root.seed)


def test_secrets_are_not_in_repr() -> None:
    kp = Keypair.from_mnemonic(DEV)
    text = repr(kp)
    assert "bottom" not in text
    assert kp.private_key is not None and kp.private_key.hex() not in text
    assert repr(kp.private_key) not in text


@pytest.mark.parametrize("crypto", [CryptoType.SR25519, CryptoType.ED25519])
def test_sign_and_verify(crypto: CryptoType) -> None:
    kp = Keypair.from_uri("//Alice", crypto)
    sig = kp.sign("hello")
    assert len(sig) == 64
    assert kp.verify("hello", sig)
    assert kp.verify(b"hello", "0x" + sig.hex())
    assert kp.verify(b"hello", sig.hex())
    assert not kp.verify("hellO", sig)
    assert verify_signature(kp.ss58_address, "hello", sig)
    assert verify_signature(kp.ss58_address, "hello", sig, crypto)
    assert verify_signature("0x" + kp.public_key.hex(), "hello", sig)
    other = CryptoType.ED25519 if crypto is CryptoType.SR25519 else CryptoType.SR25519
    assert not verify_signature(kp.ss58_address, "hello", sig, other)
    # "0x.." strings are hex, as in bittensor-wallet
    assert kp.verify(b"\x01\x02", kp.sign("0x0102"))


def test_polkadot_js_bytes_wrapping_is_accepted() -> None:
    kp = Keypair.from_uri("//Alice")
    sig = kp.sign(b"<Bytes>msg</Bytes>")
    assert kp.verify(b"msg", sig)


def test_public_only_cannot_sign_and_malformed_signature() -> None:
    watch = Keypair.from_ss58(ALICE)
    assert watch.is_public_only
    with pytest.raises(PublicKeyOnlyError, match="watch-only"):
        watch.sign("x")
    with pytest.raises(InvalidKeyMaterialError, match="signature must be 64 bytes"):
        watch.verify("x", b"\x00" * 63)
    assert not watch.verify("x", bytes(64))
