"""Interop with the official bittensor-wallet 4.1.1 package (test-only dependency).

Wallets it writes open here with the same addresses; wallets written here open there; signatures
cross-verify. Encrypted files cost ~3 s of argon2 per write/read, so fixtures are module-scoped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keystore import keyfile_crypto
from keystore.keyfile import Encryption, Keyfile
from keystore.keyfile_data import serialize_keypair
from keystore.keypair import CryptoType, Keypair
from keystore.mnemonic import generate_mnemonic
from keystore.wallet import Wallet, list_wallets
from tests.keystore.conftest import PASSWORD

bt = pytest.importorskip("bittensor_wallet")
ALICE_JSON = (Path(__file__).parent / "data" / "polkadotjs_alice_sr25519.json").read_text()


@dataclass
class Made:
    """What a fixture created: wallet root plus the secrets it used, to rebuild keys on the other side."""

    root: Path
    material: dict[str, object]


@pytest.fixture(scope="module")
def official(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Made]:
    root = tmp_path_factory.mktemp("official")
    m1, m2, m24 = generate_mnemonic(12), generate_mnemonic(15), None
    seed_hot = "0x" + bytes(range(200, 232)).hex()  # not valid UTF-8: written as hex
    seed_ed = "0x" + bytes(range(40, 72)).hex()
    ed_cold = bt.Keypair.create_from_mnemonic(generate_mnemonic(18), crypto_type=0)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(root))
        w = bt.Wallet(name="bt_sr_enc", hotkey="default", path=str(root))
        w.regenerate_coldkey(mnemonic=m1, use_password=True, coldkey_password=PASSWORD, suppress=True)
        w.regenerate_hotkey(seed=seed_hot, use_password=False, suppress=True)
        bt.Wallet(name="bt_sr_enc", hotkey="edhot", path=str(root)).regenerate_hotkey(
            mnemonic=m2, use_password=False, suppress=True, crypto_type=0
        )
        # ed25519 encrypted coldkey written by the official Keyfile (one argon2 instead of three)
        bt.Keyfile(str(root / "bt_ed_enc" / "coldkey")).set_keypair(ed_cold, encrypt=True, password=PASSWORD)
        bt.Wallet(name="bt_ed_enc", path=str(root)).regenerate_coldkeypub(
            ss58_address=ed_cold.ss58_address, crypto_type=0
        )
        w = bt.Wallet(name="bt_uri", hotkey="eve", path=str(root))
        w.create_coldkey_from_uri("//Ferdie", use_password=False, suppress=True)
        w.create_hotkey_from_uri("//Eve", use_password=False, suppress=True, crypto_type=0)
        w = bt.Wallet(name="bt_seed_ed", hotkey="fromjson", path=str(root))
        w.regenerate_coldkey(seed=seed_ed, use_password=False, suppress=True, crypto_type=0)
        w.regenerate_hotkey(json=(ALICE_JSON, "test"), use_password=False, suppress=True)
        w = bt.Wallet(name="bt_new", hotkey="default", path=str(root))
        w.create_new_coldkey(n_words=24, use_password=False, suppress=True)
        w.create_new_hotkey(use_password=False, suppress=True)
        m24 = json.loads((root / "bt_new" / "coldkey").read_text())["secretPhrase"]
        bt.Wallet(name="bt_watch", path=str(root)).regenerate_coldkeypub(
            ss58_address="5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
        )
    yield Made(
        root, {"m1": m1, "m2": m2, "m24": m24, "seed_hot": seed_hot, "seed_ed": seed_ed, "ed_cold": ed_cold}
    )


def _official_address(root: Path, name: str) -> str:
    return str(bt.Wallet(name=name, path=str(root)).coldkeypub.ss58_address)


def test_listing_matches_official_addresses_without_decrypting(official: Made) -> None:
    infos = {i.name: i for i in list_wallets(official.root)}
    assert set(infos) == {"bt_sr_enc", "bt_ed_enc", "bt_uri", "bt_seed_ed", "bt_new", "bt_watch"}
    for name, info in infos.items():
        assert info.coldkey_address == _official_address(official.root, name), name
        assert info.problems == ()
    assert infos["bt_sr_enc"].coldkey_encryption is Encryption.NACL
    assert infos["bt_ed_enc"].coldkey_crypto_type is CryptoType.ED25519
    assert infos["bt_uri"].coldkey_encryption is Encryption.NONE
    assert infos["bt_watch"].coldkey_encryption is None
    assert [h.name for h in infos["bt_sr_enc"].hotkeys] == ["default", "edhot"]
    for hot in infos["bt_sr_enc"].hotkeys:
        official_hot = bt.Wallet(name="bt_sr_enc", hotkey=hot.name, path=str(official.root)).hotkey
        assert hot.address == official_hot.ss58_address


def test_official_encrypted_sr25519_coldkey_opens_here(official: Made) -> None:
    ours = Wallet("bt_sr_enc", official.root).unlock_coldkey(PASSWORD)  # one argon2
    theirs = bt.Keypair.create_from_mnemonic(official.material["m1"])
    assert ours.ss58_address == theirs.ss58_address
    assert ours.mnemonic == official.material["m1"] and ours.crypto_type is CryptoType.SR25519
    assert theirs.verify(b"cross", ours.sign(b"cross"))
    assert ours.verify(b"cross", bytes(theirs.sign(b"cross")))


def test_official_encrypted_ed25519_coldkey_opens_here(official: Made) -> None:
    ed_cold = official.material["ed_cold"]
    ours = Wallet("bt_ed_enc", official.root).unlock_coldkey(PASSWORD)  # one argon2
    assert ours.crypto_type is CryptoType.ED25519
    assert ours.ss58_address == ed_cold.ss58_address  # type: ignore[attr-defined]
    assert ours.sign(b"same") == bytes(ed_cold.sign(b"same"))  # type: ignore[attr-defined]


def test_official_plaintext_keys_open_here(official: Made) -> None:
    root = official.root
    cases = [
        ("bt_sr_enc", "default", Keypair.from_seed(str(official.material["seed_hot"])), None),
        ("bt_sr_enc", "edhot", Keypair.from_mnemonic(str(official.material["m2"]), CryptoType.ED25519), None),
        ("bt_uri", "eve", Keypair.from_uri("//Eve", CryptoType.ED25519), None),
        ("bt_seed_ed", "fromjson", Keypair.from_uri("//Alice"), None),
    ]
    for wallet, hotkey, expected, _ in cases:
        loaded = Wallet(wallet, root).load_hotkey(hotkey)
        assert loaded.ss58_address == expected.ss58_address, (wallet, hotkey)
        assert loaded.crypto_type is expected.crypto_type
        official_hot = bt.Wallet(name=wallet, hotkey=hotkey, path=str(root)).hotkey
        assert official_hot.verify(b"m", loaded.sign(b"m"))
        assert loaded.verify(b"m", bytes(official_hot.sign(b"m")))
    ferdie = Wallet("bt_uri", root).coldkey_file.load()
    assert ferdie.ss58_address == Keypair.from_uri("//Ferdie").ss58_address and ferdie.mnemonic is None
    seed_ed = Wallet("bt_seed_ed", root).coldkey_file.load()
    assert seed_ed.seed == bytes.fromhex(str(official.material["seed_ed"])[2:])
    assert (
        seed_ed.ss58_address
        == Keypair.from_seed(str(official.material["seed_ed"]), CryptoType.ED25519).ss58_address
    )
    new = Wallet("bt_new", root).coldkey_file.load()
    assert new.mnemonic == official.material["m24"] and len(str(new.mnemonic).split()) == 24
    assert new.ss58_address == _official_address(root, "bt_new")


@pytest.fixture(scope="module")
def ours(tmp_path_factory: pytest.TempPathFactory) -> Made:
    root = tmp_path_factory.mktemp("ours")
    sr_cold, phrase = Wallet("ours_sr", root).create_coldkey(PASSWORD)  # one argon2
    hot, _ = Wallet("ours_sr", root).create_hotkey("default")
    edhot, _ = Wallet("ours_sr", root).create_hotkey("edhot", crypto_type=CryptoType.ED25519, words=21)
    ed_cold = Keypair.from_seed(bytes(range(100, 132)), CryptoType.ED25519)
    Wallet("ours_ed", root).regen_coldkey(ed_cold, PASSWORD)  # one argon2
    soft = Keypair.from_uri("//Alice/soft/1")
    Wallet("ours_ed", root).regen_hotkey("soft", soft)
    plain = Keypair.from_uri(generate_mnemonic(24) + "//hard///pw")
    Wallet("ours_plain", root).regen_coldkey(plain, None)
    Wallet("ours_watch", root).regen_coldkeypub(plain.ss58_address)
    return Made(root, {"sr_cold": sr_cold, "phrase": phrase, "hot": hot, "edhot": edhot, "ed_cold": ed_cold,
                       "soft": soft, "plain": plain})  # fmt: skip


def test_our_encrypted_sr25519_wallet_opens_in_official(ours: Made) -> None:
    sr_cold: Keypair = ours.material["sr_cold"]  # type: ignore[assignment]
    wallet = bt.Wallet(name="ours_sr", hotkey="default", path=str(ours.root))
    assert wallet.coldkeypub.ss58_address == sr_cold.ss58_address
    # Wallet.get_coldkey costs two argon2 runs in 4.1.1; the wallet's Keyfile.get_keypair one
    theirs = wallet.coldkey_file.get_keypair(PASSWORD)
    assert theirs.ss58_address == sr_cold.ss58_address
    assert sr_cold.verify(b"x", bytes(theirs.sign(b"x")))
    assert theirs.verify(b"y", sr_cold.sign(b"y"))
    assert wallet.hotkey.ss58_address == ours.material["hot"].ss58_address  # type: ignore[attr-defined]
    assert wallet.hotkeypub.ss58_address == ours.material["hot"].ss58_address  # type: ignore[attr-defined]
    edhot = bt.Wallet(name="ours_sr", hotkey="edhot", path=str(ours.root)).hotkey
    assert edhot.crypto_type == 0 and edhot.ss58_address == ours.material["edhot"].ss58_address  # type: ignore[attr-defined]
    data = json.loads((ours.root / "ours_sr" / "coldkeypub.txt").read_text())
    assert set(data) == {"accountId", "publicKey", "ss58Address", "cryptoType"}


def test_our_encrypted_ed25519_keyfile_opens_in_official_keyfile(ours: Made) -> None:
    ed_cold: Keypair = ours.material["ed_cold"]  # type: ignore[assignment]
    theirs = bt.Keyfile(str(ours.root / "ours_ed" / "coldkey")).get_keypair(PASSWORD)  # one argon2
    assert theirs.crypto_type == 0 and theirs.ss58_address == ed_cold.ss58_address
    assert bytes(theirs.sign(b"same")) == ed_cold.sign(b"same")
    soft = bt.Wallet(name="ours_ed", hotkey="soft", path=str(ours.root)).hotkey
    assert soft.ss58_address == ours.material["soft"].ss58_address  # type: ignore[attr-defined]


def test_our_plaintext_and_watch_only_wallets_open_in_official(ours: Made) -> None:
    plain: Keypair = ours.material["plain"]  # type: ignore[assignment]
    wallet = bt.Wallet(name="ours_plain", path=str(ours.root))
    assert wallet.coldkey.ss58_address == plain.ss58_address
    assert plain.verify(b"z", bytes(wallet.coldkey.sign(b"z")))
    watch = bt.Wallet(name="ours_watch", path=str(ours.root))
    assert watch.coldkeypub.ss58_address == plain.ss58_address


def test_official_keypair_functions_agree_on_uris_and_mnemonics() -> None:
    for crypto in (CryptoType.SR25519, CryptoType.ED25519):
        phrase = generate_mnemonic(12)
        for uri in ("//Alice", phrase, phrase + "//0//x///pass", "//7//long-" + "j" * 40):
            assert (
                Keypair.from_uri(uri, crypto).ss58_address
                == bt.Keypair.create_from_uri(uri, crypto_type=int(crypto)).ss58_address
            ), uri
        if crypto is CryptoType.SR25519:
            uri = phrase + "/soft/3//hard"
            assert Keypair.from_uri(uri).ss58_address == bt.Keypair.create_from_uri(uri).ss58_address
        assert (
            Keypair.from_mnemonic(phrase, crypto).ss58_address
            == bt.Keypair.create_from_mnemonic(phrase, crypto_type=int(crypto)).ss58_address
        )


def test_official_keyfile_bytes_decode_here_and_ours_there(tmp_path: Path) -> None:
    kp = Keypair.from_uri("//Alice")
    plaintext = serialize_keypair(kp)
    official_kp = bt.keyfile.deserialize_keypair_from_keyfile_data(plaintext)
    assert official_kp.ss58_address == kp.ss58_address
    # Ansible Vault: written by the official helper, read here; and the other way round
    vault = bytes(bt.keyfile.legacy_encrypt_keyfile_data(plaintext, PASSWORD))
    kf = Keyfile(tmp_path / "vault")
    kf.path.write_bytes(vault)
    assert kf.encryption() is Encryption.ANSIBLE_VAULT and kf.load(PASSWORD) == kp
    ours_vault = keyfile_crypto.ansible_encrypt(plaintext, PASSWORD)
    assert bytes(bt.keyfile.decrypt_keyfile_data(ours_vault, PASSWORD)) == plaintext
    assert bt.keyfile.keyfile_data_encryption_method(b"$NACL" + bytes(60)) == "NaCl"


_JUNCTION_TEXT = st.text(
    alphabet=st.characters(blacklist_characters="/", blacklist_categories=("Cs", "Cc")),
    min_size=1,
    max_size=40,
)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.one_of(_JUNCTION_TEXT, st.integers(0, 2**64 - 1).map(str))),
        min_size=1,
        max_size=4,
    ),
    st.sampled_from([CryptoType.SR25519, CryptoType.ED25519]),
)
def test_derivation_paths_match_official(steps: list[tuple[bool, str]], crypto: CryptoType) -> None:
    if crypto is CryptoType.ED25519:
        steps = [(True, code) for _, code in steps]  # ed25519 has hard derivation only
    uri = "".join(("//" if hard else "/") + code for hard, code in steps)
    assert (
        Keypair.from_uri(uri, crypto).ss58_address
        == bt.Keypair.create_from_uri(uri, crypto_type=int(crypto)).ss58_address
    )
