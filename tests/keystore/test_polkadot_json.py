"""polkadot-js JSON backups: real exports, errors, and agreement with bittensor-wallet's import."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from keystore.errors import (
    CorruptKeyfileError,
    InvalidKeyMaterialError,
    UnsupportedKeyfileError,
    WrongPasswordError,
)
from keystore.keypair import CryptoType, Keypair
from keystore.polkadot_json import keypair_from_polkadot_json, keypair_to_polkadot_json

DATA = Path(__file__).parent / "data"
# polkadot-js exports (passphrase "test") from py-substrate-interface's test fixtures
ALICE_JSON = (DATA / "polkadotjs_alice_sr25519.json").read_text()
ED_JSON = (DATA / "polkadotjs_ed25519.json").read_text()


def test_real_polkadot_js_exports() -> None:
    alice = keypair_from_polkadot_json(ALICE_JSON, "test")
    reference = Keypair.from_uri("//Alice")
    assert alice.ss58_address == reference.ss58_address
    assert alice.private_key == reference.private_key  # cofactor division reproduces schnorrkel bytes
    assert alice.mnemonic is None and alice.seed is None
    ed = keypair_from_polkadot_json(ED_JSON.encode(), "test")
    assert ed.crypto_type is CryptoType.ED25519
    assert ed.ss58_address == "5FxjTxVWebYJeoPZ9H6XHkYVxvS5j7MN5jpJwWq7F9Pidz3K"
    assert ed.verify("Test123", ed.sign("Test123"))


def test_wrong_passphrase() -> None:
    with pytest.raises(WrongPasswordError, match="wrong passphrase") as info:
        keypair_from_polkadot_json(ALICE_JSON, "nope")
    assert "nope" not in str(info.value)


def _with(**changes: object) -> str:
    obj = json.loads(ALICE_JSON)
    for key, value in changes.items():
        if key == "version":
            obj["encoding"]["version"] = value
        else:
            obj[key] = value
    return json.dumps(obj)


def test_structural_errors() -> None:
    with pytest.raises(InvalidKeyMaterialError, match="not valid JSON"):
        keypair_from_polkadot_json(ALICE_JSON[:50], "test")
    with pytest.raises(InvalidKeyMaterialError, match="no 'encoding'"):
        keypair_from_polkadot_json("{}", "test")
    with pytest.raises(UnsupportedKeyfileError, match="version '2'"):
        keypair_from_polkadot_json(_with(version="2"), "test")
    raw = base64.b64decode(json.loads(ALICE_JSON)["encoded"])
    with pytest.raises(CorruptKeyfileError, match="truncated"):
        keypair_from_polkadot_json(_with(encoded=base64.b64encode(raw[:60]).decode()), "test")
    with pytest.raises(CorruptKeyfileError, match="not valid base64"):
        keypair_from_polkadot_json(_with(encoded="###"), "test")
    huge = raw[:32] + (1 << 24).to_bytes(4, "little") + raw[36:]
    with pytest.raises(UnsupportedKeyfileError, match="refusing"):
        keypair_from_polkadot_json(_with(encoded=base64.b64encode(huge).decode()), "test")


@pytest.mark.parametrize("crypto", [CryptoType.SR25519, CryptoType.ED25519])
def test_export_round_trip(crypto: CryptoType) -> None:
    kp = Keypair.from_uri("//Charlie", crypto)
    exported = keypair_to_polkadot_json(kp, "pässphrase", "charlie")
    back = keypair_from_polkadot_json(exported, "pässphrase")
    assert back == kp


def test_bittensor_wallet_agrees_on_sr25519_backups() -> None:
    # bittensor-wallet 4.1.1 panics ("Invalid secret or pubkey provided.") on *ed25519*
    # polkadot-js backups: it runs the sr25519 conversion on them. Only sr25519 is comparable.
    bittensor_wallet = pytest.importorskip("bittensor_wallet")
    charlie = Keypair.from_uri("//Charlie")
    for data, passphrase in ((ALICE_JSON, "test"), (keypair_to_polkadot_json(charlie, "pw"), "pw")):
        ours = keypair_from_polkadot_json(data, passphrase)
        theirs = bittensor_wallet.Keypair.create_from_encrypted_json(data, passphrase)
        assert theirs.ss58_address == ours.ss58_address
        assert ours.verify(b"msg", bytes(theirs.sign(b"msg")))
