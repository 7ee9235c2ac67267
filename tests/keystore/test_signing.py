"""Message and extrinsic signing, MultiSignature, and btcli sign/verify compatibility."""

from __future__ import annotations

import hashlib

import pytest

from keystore.errors import PublicKeyOnlyError
from keystore.keypair import CryptoType, Keypair
from keystore.signing import (
    extrinsic_signing_payload,
    multisignature,
    sign_extrinsic_payload,
    sign_message,
    verify_message,
)

bittensor_wallet = pytest.importorskip("bittensor_wallet")


@pytest.mark.parametrize("crypto", [CryptoType.SR25519, CryptoType.ED25519])
def test_our_signature_verifies_in_bittensor_wallet_like_btcli_verify(crypto: CryptoType) -> None:
    ours = Keypair.from_uri("//Alice//sign", crypto)
    message = "I own this coldkey ✓"
    signature_hex = sign_message(ours, message)
    assert len(signature_hex) == 128 and not signature_hex.startswith("0x")
    # btcli verify: Keypair(ss58_address=...).verify(message.encode("utf-8"), bytes.fromhex(signature))
    theirs = bittensor_wallet.Keypair(ss58_address=ours.ss58_address, crypto_type=int(crypto))
    assert theirs.verify(message.encode("utf-8"), bytes.fromhex(signature_hex))
    assert not theirs.verify(b"other", bytes.fromhex(signature_hex))


@pytest.mark.parametrize("crypto", [CryptoType.SR25519, CryptoType.ED25519])
def test_btcli_sign_output_verifies_here(crypto: CryptoType) -> None:
    theirs = bittensor_wallet.Keypair.create_from_uri("//Bob", crypto_type=int(crypto))
    message = "hello from btcli"
    signature_hex = theirs.sign(message.encode("utf-8")).hex()  # what btcli wallet sign prints
    assert verify_message(theirs.ss58_address, message, signature_hex)
    assert verify_message(theirs.ss58_address, message, "0x" + signature_hex, crypto)
    assert verify_message("0x" + bytes(theirs.public_key).hex(), message, signature_hex)
    assert not verify_message(theirs.ss58_address, message + "!", signature_hex)


def test_ed25519_signatures_are_byte_identical_to_bittensor_wallet() -> None:
    ours = Keypair.from_uri("//Dave", CryptoType.ED25519)
    theirs = bittensor_wallet.Keypair.create_from_uri("//Dave", crypto_type=0)
    assert ours.sign(b"deterministic") == bytes(theirs.sign(b"deterministic"))


def test_extrinsic_payload_hashing_rule() -> None:
    short, long = b"\x01" * 256, b"\x02" * 257
    assert extrinsic_signing_payload(short) == short
    assert extrinsic_signing_payload(long) == hashlib.blake2b(long, digest_size=32).digest()
    kp = Keypair.from_uri("//Alice")
    sig = sign_extrinsic_payload(kp, long)
    assert kp.verify(hashlib.blake2b(long, digest_size=32).digest(), sig)
    assert not kp.verify(long, sig)
    assert kp.verify(short, sign_extrinsic_payload(kp, short))
    with pytest.raises(PublicKeyOnlyError):
        sign_extrinsic_payload(kp.public_only(), short)


def test_multisignature_encoding() -> None:
    sr = Keypair.from_uri("//Alice")
    ed = Keypair.from_uri("//Alice", CryptoType.ED25519)
    sig = sr.sign(b"x")
    assert multisignature(sr, sig) == b"\x01" + sig
    assert multisignature(ed, ed.sign(b"x"))[0] == 0
    assert len(multisignature(ed, ed.sign(b"x"))) == 65
    with pytest.raises(ValueError, match="64 bytes"):
        multisignature(sr, sig[:10])
