"""`tao-wallet wallet ...` end to end: JSON shapes, files written, and every error path."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from bittensor_wallet import Keypair as BtKeypair
from bittensor_wallet import Wallet as BtWallet

from tests.app.prepared import ALICE_COLD, BOB_COLD, BOB_HOT, Prepared, address_of
from tests.cli.conftest import run_cli


def digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}


def test_list_json_shape(wallets: Prepared) -> None:
    result = run_cli("wallet", "list", "--json")
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["wallet_path"] == str(wallets.root)
    by_name = {w["name"]: w for w in data["wallets"]}
    assert list(by_name) == ["alice", "bob", "watch"]
    alice = by_name["alice"]
    assert alice == {
        "name": "alice",
        "path": str(wallets.root / "alice"),
        "coldkey": {"ss58_address": wallets.alice, "encryption": "NaCl", "crypto_type": "sr25519"},
        "watch_only": False,
        "hotkeys": [{"name": "default", "ss58_address": wallets.alice_hot, "encryption": "none"}],
        "problems": [],
    }
    assert by_name["bob"]["coldkey"]["encryption"] == "none"
    assert by_name["watch"]["watch_only"] is True and by_name["watch"]["coldkey"]["encryption"] == "missing"


def test_list_human_and_empty_dir(wallets: Prepared, isolated_dirs: Path) -> None:
    text = run_cli("wallet", "list")
    assert text.code == 0 and wallets.alice in text.stdout and "hotkey" in text.stdout
    empty = run_cli("wallet", "list", "--json", "--wallet-path", str(isolated_dirs / "none"))
    assert empty.code == 0 and empty.json() == {"wallet_path": str(isolated_dirs / "none"), "wallets": []}


def test_wallet_path_flag_beats_env_and_bt_env_is_honoured(wallets: Prepared, isolated_dirs: Path) -> None:
    other = isolated_dirs / "other"
    other.mkdir()
    flagged = run_cli("wallet", "list", "--json", "--wallet-path", str(other))
    assert flagged.json()["wallets"] == []
    bt_env = run_cli("wallet", "list", "--json", env={"TAO_WALLET_PATH": "", "BT_WALLET_PATH": str(wallets.root)})
    assert [w["name"] for w in bt_env.json()["wallets"]] == ["alice", "bob", "watch"]


def test_list_is_fast_path_without_heavy_imports(wallets: Prepared) -> None:
    """`wallet list --json` must not import Textual, Rich, substrate-interface, numpy, scalecodec, keyring,
    websockets, PyNaCl or cryptography: listing reads keyfile prefixes and public files only."""
    code = (
        "import sys\n"
        "from tao_wallet.cli import main\n"
        "try:\n    main(['wallet', 'list', '--json'])\n"
        "except SystemExit:\n    pass\n"
        "heavy = ['textual', 'rich', 'substrateinterface', 'numpy', 'scalecodec', 'keyring', 'websockets',\n"
        "         'nacl', 'cryptography']\n"
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    listed = json.loads(out.stdout)["wallets"]
    assert {w["coldkey"]["encryption"] for w in listed} >= {"NaCl", "none"}, out.stdout  # encrypted ones too
    assert out.stderr.strip().splitlines()[-1] == "[]"


def test_lazy_crypto_constants_match_libsodium() -> None:
    """keyfile_crypto spells libsodium's sizes and argon2i limits out (so it loads without PyNaCl): same values."""
    import nacl.pwhash.argon2i
    import nacl.secret

    from keystore import keyfile_crypto as kc

    assert kc.NACL_OPSLIMIT == nacl.pwhash.argon2i.OPSLIMIT_SENSITIVE
    assert kc.NACL_MEMLIMIT == nacl.pwhash.argon2i.MEMLIMIT_SENSITIVE
    assert kc.NACL_KEY_SIZE == nacl.secret.SecretBox.KEY_SIZE
    assert kc.NACL_NONCE_SIZE == nacl.secret.SecretBox.NONCE_SIZE
    assert kc.NACL_MAC_SIZE == nacl.secret.SecretBox.MACBYTES


def test_show_and_missing_wallet(wallets: Prepared) -> None:
    shown = run_cli("wallet", "show", "--wallet-name", "bob", "--json")
    assert shown.code == 0 and shown.json()["coldkey"]["ss58_address"] == wallets.bob
    assert shown.json()["hotkeys"][0] == {"name": "miner", "ss58_address": wallets.bob_hot, "encryption": "none"}
    missing = run_cli("wallet", "show", "--wallet-name", "nobody", "--json")
    assert missing.code == 1 and missing.stdout == ""
    assert missing.error()["code"] == "wallet_not_found" and "nobody" in missing.error()["message"]


def test_create_encrypted_wallet_opens_in_bittensor_wallet(wallets: Prepared, password_file: Path) -> None:
    result = run_cli("wallet", "create", "-w", "carol", "-H", "hk", "--password-file", str(password_file),
                     "--no-prompt", "--json")
    assert result.code == 0, result.stderr
    data = result.json()
    cold, hot = data["coldkey"], data["hotkey"]
    assert data["wallet"] == "carol" and cold["encrypted"] is True and hot["name"] == "hk"
    assert cold["ss58_address"] == address_of(cold["mnemonic"]) and hot["ss58_address"] == address_of(hot["mnemonic"])
    assert len(cold["mnemonic"].split()) == 12
    official = BtWallet(name="carol", hotkey="hk", path=str(wallets.root))
    assert official.coldkeypub.ss58_address == cold["ss58_address"]
    assert official.hotkey.ss58_address == hot["ss58_address"]
    assert (wallets.root / "carol" / "coldkey").read_bytes().startswith(b"$NACL")


def test_existing_wallet_needs_overwrite_and_is_left_untouched(wallets: Prepared) -> None:
    before = digest(wallets.root)
    result = run_cli("wallet", "new-coldkey", "-w", "bob", "--no-password", "--json")
    assert result.code == 1
    assert result.error()["code"] == "keyfile_exists" and "overwrite" in result.error()["message"]
    assert digest(wallets.root) == before
    text = run_cli("wallet", "new-coldkey", "-w", "bob", "--no-password")
    assert text.code == 1 and text.stderr.startswith("Error: ") and "already exists" in text.stderr
    replaced = run_cli("wallet", "new-coldkey", "-w", "bob", "--no-password", "--overwrite", "--json")
    assert replaced.code == 0, replaced.stderr
    assert replaced.json()["coldkey"]["ss58_address"] != wallets.bob
    backups = [p.name for p in (wallets.root / "bob").iterdir() if p.name.startswith("coldkey") and "bak" in p.name]
    assert backups, "overwriting must keep a backup copy"


def test_new_hotkey_and_regen_hotkey(wallets: Prepared) -> None:
    new = run_cli("wallet", "new-hotkey", "-w", "bob", "-H", "second", "--words", "24", "--json")
    assert new.code == 0, new.stderr
    assert len(new.json()["hotkey"]["mnemonic"].split()) == 24
    regen = run_cli("wallet", "regen-hotkey", "-w", "bob", "-H", "again", "--mnemonic", BOB_HOT, "--json")
    assert regen.code == 0, regen.stderr
    assert regen.json() == {"wallet": "bob", "hotkey": {"name": "again", "ss58_address": wallets.bob_hot,
                                                           "encryption": "none"}}


def test_regen_coldkey_from_mnemonic_and_seed(wallets: Prepared) -> None:
    result = run_cli("wallet", "regen-coldkey", "-w", "re", "--mnemonic", ALICE_COLD, "--no-password", "--json")
    assert result.code == 0, result.stderr
    assert result.json()["coldkey"]["ss58_address"] == wallets.alice
    seed = "0x" + "22" * 32
    seeded = run_cli("wallet", "regen-coldkey", "-w", "re2", "--seed", seed, "--no-password",
                     "--crypto-type", "ed25519", "--json")
    assert seeded.code == 0, seeded.stderr
    expected = BtKeypair.create_from_seed(seed, crypto_type=0).ss58_address  # 0 = ed25519
    assert seeded.json()["coldkey"] == {"ss58_address": expected, "encryption": "none", "crypto_type": "ed25519"}


def test_bad_mnemonics_name_the_problem(wallets: Prepared) -> None:
    unknown = run_cli("wallet", "regen-coldkey", "-w", "x", "--mnemonic", BOB_COLD.replace("wave", "wavy"),
                      "--no-password", "--json")
    assert unknown.code == 1 and unknown.error()["code"] == "invalid_mnemonic"
    assert "wavy" in unknown.error()["message"]
    words = BOB_COLD.split()
    swapped = " ".join([words[1], words[0], *words[2:]])
    checksum = run_cli("wallet", "regen-coldkey", "-w", "x", "--mnemonic", swapped, "--no-password", "--json")
    assert checksum.code == 1 and "checksum" in checksum.error()["message"]
    assert not (wallets.root / "x").exists()


def test_regen_coldkeypub_and_bad_checksum(wallets: Prepared) -> None:
    tampered = wallets.bob[:-1] + ("a" if wallets.bob[-1] != "a" else "b")
    bad = run_cli("wallet", "regen-coldkeypub", "-w", "w2", "--ss58-address", tampered, "--json")
    assert bad.code == 1 and bad.error()["code"] == "invalid_address" and "checksum" in bad.error()["message"]
    good = run_cli("wallet", "regen-coldkeypub", "-w", "w2", "--ss58-address", wallets.bob, "--json")
    assert good.code == 0 and good.json()["watch_only"] is True
    pub = BtKeypair(ss58_address=wallets.bob).public_key.hex()
    by_key = run_cli("wallet", "regen-coldkeypub", "-w", "w3", "--public-key", pub, "--json")
    assert by_key.json()["coldkey"]["ss58_address"] == wallets.bob
    short = run_cli("wallet", "regen-coldkeypub", "-w", "w4", "--public-key", "abcd", "--json")
    assert short.code == 1 and short.error()["code"] == "invalid_public_key"


def test_sign_and_verify_unencrypted(wallets: Prepared) -> None:
    signed = run_cli("wallet", "sign", "-w", "bob", "--message", "hello", "--json")
    assert signed.code == 0, signed.stderr
    data = signed.json()
    assert data["ss58_address"] == wallets.bob and data["crypto_type"] == "sr25519"
    assert BtKeypair(ss58_address=wallets.bob).verify("hello", bytes.fromhex(data["signature"][2:]))
    ok = run_cli("wallet", "verify", "--address", wallets.bob, "--message", "hello", "--signature",
                 data["signature"], "--json")
    assert ok.code == 0 and ok.json() == {"ss58_address": wallets.bob, "message": "hello", "valid": True}
    bad = run_cli("wallet", "verify", "--address", wallets.bob, "--message", "hellO", "--signature",
                  data["signature"], "--json")
    assert bad.code == 1 and bad.json()["valid"] is False
    hot = run_cli("wallet", "sign", "-w", "bob", "-H", "miner", "--use-hotkey", "--message", "hi", "--json")
    assert hot.json()["ss58_address"] == wallets.bob_hot
    # a signature made by the official library verifies with ours
    theirs = "0x" + BtKeypair.create_from_mnemonic(BOB_COLD).sign("from btwallet").hex()
    interop = run_cli("wallet", "verify", "--address", wallets.bob, "--message", "from btwallet",
                      "--signature", theirs, "--json")
    assert interop.json()["valid"] is True
    garbage = run_cli("wallet", "verify", "--address", wallets.bob, "--message", "x", "--signature", "0xzz", "--json")
    assert garbage.code == 1 and "error" in json.loads(garbage.stderr)


def test_watch_only_cannot_sign(wallets: Prepared) -> None:
    result = run_cli("wallet", "sign", "-w", "watch", "--message", "x", "--json")
    assert result.code == 1 and result.error()["code"] in ("public_key_only", "keyfile_not_found")
    assert "watch" in result.error()["message"]


def test_encrypted_key_without_password_in_script_mode(wallets: Prepared) -> None:
    result = run_cli("wallet", "sign", "-w", "alice", "--message", "x", "--no-prompt", "--json")
    assert result.code == 1 and result.error()["code"] == "password_required"
    assert "--password-file" in result.error()["message"]


def test_wrong_password_then_change_password(wallets: Prepared, password_file: Path, isolated_dirs: Path) -> None:
    wrong = isolated_dirs / "wrong.txt"
    wrong.write_text("nope\n")
    before = digest(wallets.root)
    bad = run_cli("wallet", "sign", "-w", "alice", "--message", "x", "--password-file", str(wrong), "--json")
    assert bad.code == 1 and bad.error()["code"] == "wrong_password"
    assert "nope" not in bad.stderr and digest(wallets.root) == before
    new = isolated_dirs / "new.txt"
    new.write_text("brand new pass\n")
    changed = run_cli("wallet", "change-password", "-w", "alice", "--password-file", str(password_file),
                      "--new-password-file", str(new), "--no-prompt", "--json")
    assert changed.code == 0, changed.stderr
    assert changed.json() == {"wallet": "alice", "key": "coldkey", "changed": True}
    signed = run_cli("wallet", "sign", "-w", "alice", "--message", "x", "--password-file", str(new), "--json")
    assert signed.code == 0 and signed.json()["ss58_address"] == wallets.alice


def test_corrupted_keyfile_is_reported_and_not_modified(wallets: Prepared, password_file: Path) -> None:
    coldkey = wallets.root / "alice" / "coldkey"
    coldkey.write_bytes(coldkey.read_bytes()[:20])
    before = digest(wallets.root)
    result = run_cli("wallet", "sign", "-w", "alice", "--message", "x", "--password-file", str(password_file), "--json")
    assert result.code == 1 and result.error()["code"] == "corrupt_keyfile", result.stderr
    assert digest(wallets.root) == before
    pub = wallets.root / "bob" / "coldkeypub.txt"
    pub.write_text("{not json")
    listed = run_cli("wallet", "list", "--json")
    assert listed.code == 0
    bob = next(w for w in listed.json()["wallets"] if w["name"] == "bob")
    assert bob["problems"] and "coldkeypub" in bob["problems"][0]


def test_usage_errors_are_json_with_exit_2(wallets: Prepared) -> None:
    result = run_cli("wallet", "create", "--crypto-type", "rsa", "--json")
    assert result.code == 2 and result.error()["code"] == "usage" and "rsa" in result.error()["message"]
    conflicting = run_cli("wallet", "regen-coldkey", "-w", "z", "--mnemonic", BOB_COLD, "--seed", "0x00",
                          "--no-password", "--json")
    assert conflicting.code == 1 and conflicting.error()["code"] == "conflicting_options"
    bad_name = run_cli("wallet", "new-coldkey", "-w", "../escape", "--no-password", "--json")
    assert bad_name.code == 1 and bad_name.error()["code"] == "invalid_name"


def test_prompts_go_to_stderr_and_passwords_are_confirmed(wallets: Prepared) -> None:
    result = run_cli("wallet", "new-coldkey", "-w", "dave", "--json", input="pw-one\npw-two\npw-one\npw-one\n")
    assert result.code == 0, result.stderr
    data = result.json()  # stdout is pure JSON even though we were prompted
    assert data["coldkey"]["encrypted"] is True
    assert "pw-one" not in result.stdout + result.stderr
