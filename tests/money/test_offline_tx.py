"""Air-gapped signing: `tx build` online -> `tx sign` with the network disabled -> `tx submit` online."""

from __future__ import annotations

import contextlib
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tao_wallet.services.chain import ChainService, decode_address
from tests.money.cli_helpers import make_wallet, run
from tests.money.conftest import Funder, fresh_keypair


@pytest.fixture
def wallets_dir() -> Path:
    return Path(os.environ["TAO_WALLET_PATH"])


@contextlib.contextmanager
def network_disabled() -> Iterator[list[Any]]:
    """No network at all inside: every attempt to open a connection is recorded and fails."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network disabled in this test")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket, "create_connection", refuse)
        yield attempts


def _build(localnet_url: str, sender: str, dest: str, amount: str, path: Path) -> dict[str, Any]:
    result = run("tx", "build", "transfer", "--from", sender, "--dest", dest, "--amount", amount,
                 "--network", localnet_url)
    assert result.code == 0, result.stderr
    path.write_text(result.stdout)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_build_sign_offline_submit(
    localnet_url: str, funder: Funder, chain: ChainService, tmp_path: Path, wallets_dir: Path
) -> None:
    sender, dest = fresh_keypair(), fresh_keypair()
    make_wallet("cold", sender, wallets_dir)
    funder.fund(sender.ss58_address, 4)  # type: ignore[attr-defined]
    unsigned = tmp_path / "unsigned.json"
    doc = _build(localnet_url, sender.ss58_address, dest.ss58_address, "1.5", unsigned)  # type: ignore[attr-defined]
    assert doc["format"] == "tao-wallet/unsigned-tx/1" and doc["nonce"] == 0
    assert doc["spec_version"] == chain.client.runtime().spec_version
    assert doc["metadata_hash"]["mode"] == 1 and len(doc["metadata_hash"]["hash"]) == 66  # the chain's digest
    assert doc["era"]["period"] == 64 and doc["era"]["valid_until"] > doc["era"]["anchor_block"]
    assert doc["call"]["pallet"] == "Balances" and doc["call"]["args"]["value"] == 1_500_000_000
    assert doc["summary"].startswith("Send 1.5 TAO from " + sender.ss58_address)  # type: ignore[attr-defined]

    # offline: the network is gone for this part
    signed = tmp_path / "signed.json"
    with network_disabled() as attempts:
        result = run("tx", "sign", str(unsigned), "-w", "cold", "--no-prompt", "-o", str(signed))
    assert not attempts, "tx sign tried to use the network"
    assert result.code == 0, result.stderr
    assert "Decoded call:   Balances.transfer_keep_alive(dest=" + dest.ss58_address in result.stderr  # type: ignore[attr-defined]
    assert "value=1500000000" in result.stderr and "Payload:        verified" in result.stderr
    assert json.loads(signed.read_text())["format"] == "tao-wallet/signed-tx/1"

    result = run("tx", "submit", str(signed), "--network", localnet_url, "--json")
    assert result.code == 0, result.stderr
    view = result.json()
    assert view["phase"] == "finalized" and view["success"] is True
    assert chain.balance(dest.ss58_address).free_rao == 1_500_000_000  # type: ignore[attr-defined]

    # the same signed file again: refused, nothing sent
    again = run("tx", "submit", str(signed), "--network", localnet_url, "--json")
    assert again.code == 1 and again.error()["code"] == "nonce_used"
    assert chain.balance(dest.ss58_address).free_rao == 1_500_000_000  # type: ignore[attr-defined]


def test_tampered_or_foreign_files_are_refused(
    localnet_url: str, funder: Funder, tmp_path: Path, wallets_dir: Path
) -> None:
    sender, dest, thief = fresh_keypair(), fresh_keypair(), fresh_keypair()
    make_wallet("cold2", sender, wallets_dir)
    make_wallet("other", fresh_keypair(), wallets_dir)
    funder.fund(sender.ss58_address, 2)  # type: ignore[attr-defined]
    unsigned = tmp_path / "unsigned.json"
    doc = _build(localnet_url, sender.ss58_address, dest.ss58_address, "1", unsigned)  # type: ignore[attr-defined]

    def sign_variant(name: str, change: Any, wallet: str = "cold2") -> Any:
        variant = json.loads(json.dumps(doc))
        change(variant)
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(variant))
        return run("tx", "sign", str(path), "-w", wallet, "--no-prompt", "-o", str(tmp_path / f"{name}.signed"),
                   "--json")

    # the call says "pay the thief" but the payload was left as built: refused
    thief_call = doc["call"]["hex"].replace(dest.public_key.hex(), thief.public_key.hex())  # type: ignore[attr-defined]
    result = sign_variant("call", lambda d: d["call"].__setitem__("hex", thief_call))
    assert result.code == 1 and result.error()["code"] == "payload_mismatch"
    # a payload that does not belong to the call: refused
    result = sign_variant("payload", lambda d: d.__setitem__("payload", d["payload"][:-2] + "01"))
    assert result.code == 1 and result.error()["code"] == "payload_mismatch"
    # built for a runtime we have no metadata for
    result = sign_variant("spec", lambda d: d.__setitem__("spec_version", 999))
    assert result.code == 1 and result.error()["code"] == "runtime_mismatch"
    # signed by the wrong wallet
    result = sign_variant("ok", lambda d: None, wallet="other")
    assert result.code == 1 and result.error()["code"] == "wrong_signer"
    # not a transaction file at all
    (tmp_path / "junk.json").write_text("[1, 2]")
    result = run("tx", "sign", str(tmp_path / "junk.json"), "-w", "cold2", "--no-prompt")
    assert result.code == 1 and "not a tao-wallet transaction file" in result.stderr
    assert not (tmp_path / "call.signed").exists() and not (tmp_path / "payload.signed").exists()


def test_expired_transaction_is_refused(
    localnet_url: str, money_localnet: Any, funder: Funder, chain: ChainService, tmp_path: Path, wallets_dir: Path
) -> None:
    sender, dest = fresh_keypair(), fresh_keypair()
    make_wallet("cold3", sender, wallets_dir)
    funder.fund(sender.ss58_address, 2)  # type: ignore[attr-defined]
    unsigned = tmp_path / "unsigned.json"
    _build(localnet_url, sender.ss58_address, dest.ss58_address, "1", unsigned)  # type: ignore[attr-defined]
    signed = tmp_path / "signed.json"
    assert run("tx", "sign", str(unsigned), "-w", "cold3", "--no-prompt", "-o", str(signed)).code == 0
    money_localnet.chain.produce_blocks(70)  # past the 64-block era
    result = run("tx", "submit", str(signed), "--network", localnet_url, "--json")
    assert result.code == 1 and result.error()["code"] == "expired"
    assert chain.client.next_nonce(decode_address(sender.ss58_address)) == 0  # type: ignore[attr-defined]


def test_any_call_from_metadata_offline(
    localnet_url: str, funder: Funder, chain: ChainService, tmp_path: Path, wallets_dir: Path
) -> None:
    """`tx build call`: a call composed by name from the runtime (System.remark_with_event), signed offline."""
    sender = fresh_keypair()
    make_wallet("cold4", sender, wallets_dir)
    funder.fund(sender.ss58_address, 1)  # type: ignore[attr-defined]
    result = run("tx", "build", "call", "-w", "cold4", "--pallet", "System", "--function", "remark_with_event",
                 "--args", '{"remark": "0x68656c6c6f"}', "--network", localnet_url)
    assert result.code == 0, result.stderr
    unsigned, signed = tmp_path / "u.json", tmp_path / "s.json"
    unsigned.write_text(result.stdout)
    with network_disabled() as attempts:
        assert run("tx", "sign", str(unsigned), "-w", "cold4", "--no-prompt", "-o", str(signed)).code == 0
    assert not attempts
    result = run("tx", "submit", str(signed), "--network", localnet_url, "--json")
    assert result.code == 0, result.stderr
    assert ("System", "Remarked") in [(e["pallet"], e["name"]) for e in result.json()["events"]]
    bad = run("tx", "build", "call", "-w", "cold4", "--pallet", "System", "--function", "remark_with_event",
              "--args", '{"text": "x"}', "--network", localnet_url, "--json")
    assert bad.code == 1 and bad.error()["code"] == "invalid_call" and "missing remark" in bad.error()["message"]


def test_sign_for_an_older_runtime_with_its_metadata(runtime343: Any, tmp_path: Path, wallets_dir: Path) -> None:
    """A finney spec-343 transaction: refused with the bundled (461) metadata, signed with --metadata."""
    import sr25519

    from node.client.era import MortalEra
    from node.client.extrinsic import SigningContext, bytes_to_sign
    from tao_wallet.services.tx import unsigned_document
    from tests.money.conftest import FINNEY_METADATA

    sender, dest = fresh_keypair(), fresh_keypair()
    make_wallet("old", sender, wallets_dir)
    call = runtime343.compose_call("Balances", "transfer_keep_alive",
                                   {"dest": "0x" + dest.public_key.hex(), "value": 42})  # type: ignore[attr-defined]
    ctx = SigningContext(b"\x01" * 32, 343, runtime343.transaction_version, 9, MortalEra.at(1000), 1000, b"\x02" * 32)
    doc = unsigned_document(runtime343, ctx, sender.public_key, call, "finney transfer", "finney")  # type: ignore[attr-defined]
    unsigned, signed = tmp_path / "u.json", tmp_path / "s.json"
    unsigned.write_text(json.dumps(doc))
    with network_disabled() as attempts:
        refused = run("tx", "sign", str(unsigned), "-w", "old", "--no-prompt", "--json")
        result = run("tx", "sign", str(unsigned), "-w", "old", "--no-prompt", "-o", str(signed),
                     "--metadata", str(FINNEY_METADATA))
    assert not attempts
    assert refused.code == 1 and refused.error()["code"] == "runtime_mismatch" and "--metadata" in refused.error()["message"]
    assert result.code == 0, result.stderr
    out = json.loads(signed.read_text())
    signature = bytes.fromhex(out["signature"]["signature"][2:])
    assert sr25519.verify(signature, bytes_to_sign(bytes.fromhex(doc["payload"][2:])), sender.public_key)  # type: ignore[attr-defined]


def test_failing_call_is_decoded_in_plain_words(
    localnet_url: str, funder: Funder, chain: ChainService, tmp_path: Path, wallets_dir: Path
) -> None:
    """A transfer the chain refuses at dispatch (built with `tx build call`, which skips our own checks)."""
    sender, dest = fresh_keypair(), fresh_keypair()
    make_wallet("cold5", sender, wallets_dir)
    funder.fund(sender.ss58_address, 1)  # type: ignore[attr-defined]
    args = json.dumps({"dest": dest.ss58_address, "value": 5 * 10**9})  # type: ignore[attr-defined]
    built = run("tx", "build", "call", "-w", "cold5", "--pallet", "Balances", "--function", "transfer_allow_death",
                "--args", args, "--network", localnet_url)
    assert built.code == 0, built.stderr
    unsigned, signed = tmp_path / "u.json", tmp_path / "s.json"
    unsigned.write_text(built.stdout)
    assert run("tx", "sign", str(unsigned), "-w", "cold5", "--no-prompt", "-o", str(signed)).code == 0
    result = run("tx", "submit", str(signed), "--network", localnet_url)
    assert result.code == 1
    assert "Failed in block #" in result.stderr and "Token.FundsUnavailable: Funds are unavailable." in result.stderr
    assert "What to do: The account does not have that much free balance" in result.stderr
    assert chain.balance(dest.ss58_address).free_rao == 0  # type: ignore[attr-defined]
    assert 0 < 10**9 - chain.balance(sender.ss58_address).free_rao < 10**6  # type: ignore[attr-defined]  # only the fee
